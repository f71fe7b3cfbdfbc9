"""Labels: a reviews file written → the labels Lambda writes the session's samples from its labels.

EventBridge "Object Created" of ``<patient>/reviews/<session>.json`` in the patients bucket → the
labels function (``lambdas.labels.handler``: :func:`voice.labels.derive.derive`) → only the sample
folders that changed, then the session index, whose own "Object Created" starts the training gate
(:mod:`infra.components.training`), as a processed upload's does. The function reads the session's
metadata (videos bucket), its pose track, index and reviews; it writes and deletes sample folders
and the index only — never a reviews file, never ``models/``.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.runtime import (
    dead_letter_queue,
    deny_model_writes,
    grant_dead_letter_key,
    grant_list_buckets,
    image_function,
    object_created_rule,
)
from infra.components.storage import Storage
from voice.config import EMOTIONS

__all__ = ["REVIEWS_KEY_PATTERN", "Labels"]

#: The object keys of reviews files: ``<patient>/reviews/<session>.json``.
REVIEWS_KEY_PATTERN = "*/reviews/*.json"


class Labels(Construct):
    """The labels function, its dead-letter queue and the rule that sends it each reviews file."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        image: ecr_assets.DockerImageAsset,
        event_dead_letters: sqs.IQueue,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        key, patients = storage.key, storage.patients
        self.dead_letters = dead_letter_queue(self, "DeadLetters", key)
        self.function = image_function(
            self,
            "LabelsFunction",
            image=image,
            handler="lambdas.labels.handler",
            key=key,
            # A 10-minute session's track and samples: well under 1 GB (docs/labels.md).
            memory_mib=1024,
            timeout=Duration.seconds(300),
            environment={
                "VOICE_VIDEOS_BUCKET": storage.videos.bucket_name,
                "VOICE_PATIENTS_BUCKET": patients.bucket_name,
                "VOICE_REF_SECRET_ARN": storage.ref_secret.secret_arn,
                "VOICE_DATA_KEY_ARN": storage.key.key_arn,
                "HOME": "/tmp",
            },
            log_retention=log_retention,
            removal_policy=removal_policy,
            dead_letter_queue=self.dead_letters,
            description="VOICE: a reviews file written → the session's samples follow its labels",
        )
        role = self.function.role
        assert role is not None
        grant_label_work(role, storage)
        storage.ref_secret.grant_read(self.function)
        grant_dead_letter_key(role, key, self)
        self.reviews_rule = object_created_rule(
            self,
            "ReviewsWritten",
            bucket=patients,
            wildcard=REVIEWS_KEY_PATTERN,
            target=targets.LambdaFunction(
                self.function, retry_attempts=4, dead_letter_queue=event_dead_letters
            ),
            description="VOICE: a session's reviews file was written in the patients bucket",
        )


def grant_label_work(role: iam.IRole, storage: Storage) -> None:
    """Read a session's metadata, track, index and reviews; write and delete its sample folders and
    index. Never a reviews file, never models/."""
    videos, patients = storage.videos, storage.patients
    samples = [f"{patients.bucket_arn}/*/{emotion}/*" for emotion in EMOTIONS]
    sessions = f"{patients.bucket_arn}/*/.sessions/*"
    reviews = f"{patients.bucket_arn}/*/reviews/*"
    grant_list_buckets(role, videos, patients)  # no reviews file yet: a 404, not a 403
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadSessionLabels",
            actions=["s3:GetObject"],
            resources=[videos.arn_for_objects("annotated/*_metadata.json"), *samples, sessions, reviews],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="WriteSamplesAndIndex",
            actions=["s3:PutObject", "s3:DeleteObject"],
            resources=[*samples, sessions],
        )
    )
    deny_model_writes(role, patients, storage.key)
