"""Processing: an upload ``videos/<patient>/<file>.<video ext>`` → queue → the video Lambda.

Routing is two EventBridge rules in a row, because one pattern cannot put two conditions on
the same field (``object.key``): the rule on the default bus keeps video extensions in any
letter case (``suffix`` + ``equals-ignore-case``); it forwards to a small ``uploads`` bus whose
rule drops the annotated videos the pipeline writes (``annotated/...``; everything else it writes,
``failed/...`` records and key frames, has no video extension). An upload key is exactly
``<patient>/<file>``; the handler re-validates each key with
:func:`voice.layout.parse_upload_key`, so a nested upload (``alice/2024/clip.mp4``) reaches it
and gets a failure record (``failed/_invalid/<hash>.json``) instead of being dropped unseen.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.runtime import (
    dead_letter_queue,
    deny_model_writes,
    grant_list_buckets,
    image_function,
    key_only_through,
)
from infra.components.storage import Storage
from voice.config import EMOTIONS, VIDEO_EXTENSIONS
from voice.layout import WORK

__all__ = ["Processing", "grant_video_work", "upload_key_filters"]

#: SQS redrives a message to the DLQ after this many failed receives.
MAX_RECEIVE_COUNT = 3
#: AWS's advice for SQS-triggered functions: visibility timeout ≥ 6 × function timeout.
VISIBILITY_FACTOR = 6


def upload_key_filters() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The two ``object.key`` filters: (video extension in any case, not an annotated output and
    not a work file: a long video's parts are .mp4 files below ``work/``)."""
    extensions = [{"suffix": {"equals-ignore-case": f".{ext}"}} for ext in VIDEO_EXTENSIONS]
    not_output = [{"anything-but": {"prefix": ["annotated/", f"{WORK}/"]}}]
    return extensions, not_output


class Processing(Construct):
    """Queue, DLQ, the video-processor function and the EventBridge routing in front of them."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        image: ecr_assets.DockerImageAsset,
        event_dead_letters: sqs.IQueue,
        memory_mib: int = 3538,
        timeout_s: int = 900,
        ephemeral_storage_mib: int = 4096,
        batch_size: int = 1,
        max_concurrency: int = 5,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        timeout = Duration.seconds(timeout_s)
        key = storage.key
        # EventBridge needs the data key to deliver into the encrypted queues: the queue target
        # grants it, for this account's rules only (the stack sets eventsTargetQueueSameAccount).

        self.dead_letter_queue = dead_letter_queue(self, "DeadLetters", key)
        self.queue = sqs.Queue(
            self,
            "Uploads",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(timeout_s * VISIBILITY_FACTOR),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT
            ),
        )

        self.function = image_function(
            self,
            "VideoProcessor",
            image=image,
            handler="lambdas.video_processor.handler",
            key=key,
            memory_mib=memory_mib,
            timeout=timeout,
            ephemeral_storage_mib=ephemeral_storage_mib,
            environment={
                "VOICE_STORE": "s3",
                "VOICE_VIDEOS_BUCKET": storage.videos.bucket_name,
                "VOICE_PATIENTS_BUCKET": storage.patients.bucket_name,
                "VOICE_REF_SECRET_ARN": storage.ref_secret.secret_arn,
                "VOICE_DATA_KEY_ARN": storage.key.key_arn,
                "VOICE_UPLOAD_MAX_RECEIVES": str(MAX_RECEIVE_COUNT),
                # The image's file system is read-only outside /tmp (matplotlib, caches).
                "HOME": "/tmp",
                "MPLCONFIGDIR": "/tmp/matplotlib",
            },
            log_retention=log_retention,
            removal_policy=removal_policy,
            description="VOICE: process one uploaded video (transcribe, poses, annotate, samples)",
        )
        assert self.function.role is not None
        grant_video_work(self.function.role, storage)
        storage.ref_secret.grant_read(self.function)
        self.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=batch_size,
                max_concurrency=max_concurrency,
                report_batch_item_failures=True,
            )
        )

        extensions, not_nested = upload_key_filters()
        self.uploads_bus = events.EventBus(self, "UploadsBus")
        self.video_created_rule = events.Rule(
            self,
            "VideoCreated",
            description="VOICE: object created in the videos bucket with a video extension (any case)",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [storage.videos.bucket_name]}, "object": {"key": extensions}},
            ),
            targets=[targets.EventBus(self.uploads_bus, dead_letter_queue=event_dead_letters)],
        )
        self.upload_rule = events.Rule(
            self,
            "UploadToQueue",
            event_bus=self.uploads_bus,
            description="VOICE: uploads (nested ones too, to record them as invalid); not annotated/ outputs",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [storage.videos.bucket_name]}, "object": {"key": not_nested}},
            ),
            targets=[targets.SqsQueue(self.queue, dead_letter_queue=event_dead_letters)],
        )
        self._only_from(self.upload_rule, key)

    def _only_from(self, rule: events.Rule, key: kms.IKey) -> None:
        """The queue takes messages from ``rule`` only, and EventBridge uses the key only through
        SQS. (CDK's grants for an encrypted queue target allow any rule of the account: a rule's
        ARN cannot be named in the key policy, rule → queue → key would be a cycle.)"""
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheUploadRule",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={"ArnNotEquals": {"aws:SourceArn": rule.rule_arn}},
            )
        )
        key_only_through(key, "EventBridgeUsesTheKeyOnlyThroughSQS", "events.amazonaws.com", "sqs")


def grant_video_work(role: iam.IRole, storage: Storage) -> None:
    """What processing a video needs (the video function, the long-video steps): read uploads (and
    the promoted model, for predictions, and the session's reviews, for its labels); write only
    annotated/, failed/, the patient sample folders and .sessions/ (index and pose track). Never
    write models/ or a reviews file."""
    videos, patients = storage.videos, storage.patients
    sample_prefixes = [f"{patients.bucket_arn}/*/{emotion}/*" for emotion in EMOTIONS]
    sessions = f"{patients.bucket_arn}/*/.sessions/*"
    # The profile: nicknames read; the patient's colours learnt from a pinned video written.
    profiles = f"{patients.bucket_arn}/*/profile.json"
    # The session's reviews: read (never written) so a re-run's samples follow the labels.
    reviews = f"{patients.bucket_arn}/*/reviews/*"
    grant_list_buckets(role, videos, patients)
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadVideosSamplesAndModels",
            # GetObjectVersion: the exact upload version the event names is processed.
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[
                videos.arn_for_objects("*"),
                *sample_prefixes,
                sessions,
                profiles,
                reviews,
                patients.arn_for_objects("models/*"),
            ],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="WriteOutputsAndSamples",
            actions=["s3:PutObject"],
            resources=[
                videos.arn_for_objects("annotated/*"),
                videos.arn_for_objects("failed/*"),
                # The session's lease (voice.session.lease), taken before its outputs are written.
                videos.arn_for_objects(f"{WORK}/leases/*"),
                *sample_prefixes,
                sessions,
                profiles,
            ],
        )
    )
    # A finished run removes the provisional or timeout record its guards wrote (voice.aws.stop_guard).
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="RemoveGuardRecords",
            actions=["s3:DeleteObject"],
            resources=[videos.arn_for_objects("failed/*")],
        )
    )
    # A forced re-run replaces a session's samples as one unit: index first, then old files.
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReplaceSamples", actions=["s3:DeleteObject"], resources=[*sample_prefixes, sessions]
        )
    )
    # The processor never writes or deletes below models/, whatever a run id is called.
    deny_model_writes(role, patients, storage.key)
