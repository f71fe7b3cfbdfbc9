"""cdk-nag (AwsSolutions + HIPAA Security) on the VOICE stack, and every acknowledged finding.

Each acknowledgment names one finding (rule plus, for IAM5, the exact wildcard) on one scope,
and says why it is acceptable here. ``tests/infra/test_nag.py`` fails on any finding left
unacknowledged and on any acknowledgment without a specific reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct, IConstruct

from voice.config import EMOTIONS

if TYPE_CHECKING:
    from infra.components import Labels, LongVideos, Training

__all__ = ["acknowledge_findings", "add_nag_checks"]

AWS = "AwsSolutions::AwsSolutions-"
HIPAA = "HIPAA.Security::HIPAA.Security-"


def add_nag_checks(app: cdk.App) -> None:
    """Run both packs at synth: findings make ``app.synth()`` raise and land in validation-report.json."""
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), HIPAASecurityChecks(app))


def _ack(scope: IConstruct, finding: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))


def _arn_ref(stack: cdk.Stack, construct: IConstruct) -> str:
    """How nag spells ``Fn::GetAtt <resource>.Arn`` in a finding: ``<LogicalId.Arn>``."""
    default = construct.node.default_child
    assert isinstance(default, cdk.CfnElement)
    return f"<{stack.resolve(stack.get_logical_id(default))}.Arn>"


def _env_arn(stack: cdk.Stack, service: str, resource: str) -> str:
    """How nag spells an ARN the stack builds from its own region and account: the pseudo
    parameters when the stack is environment-agnostic, the literal values when ``cdk deploy``
    has resolved them from the credentials (``CDK_DEFAULT_ACCOUNT`` / ``CDK_DEFAULT_REGION``)."""
    region = "<AWS::Region>" if cdk.Token.is_unresolved(stack.region) else stack.region
    account = "<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account) else stack.account
    return f"arn:<AWS::Partition>:{service}:{region}:{account}:{resource}"


def _iam5(scope: IConstruct, resources: Iterable[str], reason: str) -> None:
    for resource in resources:
        _ack(scope, f"{AWS}IAM5[Resource::{resource}]", reason)


def acknowledge_findings(stack: cdk.Stack) -> None:
    from infra.stack import VoiceStack

    assert isinstance(stack, VoiceStack)
    storage, processing, training, long_videos, labels = (
        stack.storage,
        stack.processing,
        stack.training,
        stack.long_videos,
        stack.labels,
    )
    videos, patients = _arn_ref(stack, storage.videos), _arn_ref(stack, storage.patients)

    # --- storage ------------------------------------------------------------------------------
    _ack(
        storage.access_logs,
        f"{HIPAA}S3DefaultEncryptionKMS",
        "S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS. The "
        "logs' request lines name object keys (which hold patient names), so the bucket is encrypted "
        "at rest with SSE-S3, private, TLS-only and versioned, and expires logs after a year.",
    )
    for bucket in (storage.access_logs, storage.videos, storage.patients):
        _ack(
            bucket,
            f"{HIPAA}S3BucketReplicationEnabled",
            "Single-region deployment by design (data residency); durability comes from S3, versioning "
            "and RETAIN. Add cross-region replication per deployment if the data owner requires it.",
        )

    # --- lambda functions ---------------------------------------------------------------------
    functions = {
        "video processor": processing.function,
        "analyze": training.analyze_function,
        "promote": training.promote_function,
        "training gate": training.gate_function,
        "long-video steps": long_videos.function,
        "labels": labels.function,
    }
    for name, fn in functions.items():
        reserved = fn is long_videos.function and long_videos.reserved_concurrency is not None
        if not reserved:  # a reserved concurrency: the finding does not arise
            _ack(
                fn,
                f"{HIPAA}LambdaConcurrency",
                f"The {name} function's concurrency follows its trigger (the video function: the SQS "
                "event source's maximum concurrency; analyze and promote: one gate-started execution per "
                "patient; the gate: one event per processed upload; the long-video steps: the Map's "
                "MaxConcurrency per video, two videos per patient; labels: one event per reviews file "
                "written, at the pace people review); reserving concurrency would fail "
                "deploys in accounts with the default low concurrency quota.",
            )
        _ack(
            fn,
            f"{HIPAA}LambdaInsideVPC",
            f"The {name} function calls only AWS APIs (S3, DynamoDB, Step Functions) over TLS with IAM "
            "auth; it needs no private network, and a VPC would add NAT/endpoint cost and no control.",
        )
        role = fn.role
        assert role is not None
        _ack(
            role,
            f"{AWS}IAM5[Resource::{_arn_ref(stack, _log_group(fn))}:log-stream:*]",
            f"The {name} role may write log streams of its own log group only; stream names are "
            "generated by Lambda at run time.",
        )
        _ack(
            role,
            f"{AWS}IAM5[Resource::*]",
            "X-Ray tracing (xray:PutTraceSegments/PutTelemetryRecords) has no resource-level permissions.",
        )
    _ack(
        processing.function,
        f"{HIPAA}LambdaDLQ",
        "Invoked by an SQS event source: failed messages go to the queue's redrive DLQ (maxReceiveCount 3); "
        "a function DLQ applies to asynchronous invocations only.",
    )
    for fn in (training.analyze_function, training.promote_function, long_videos.function):
        _ack(
            fn,
            f"{HIPAA}LambdaDLQ",
            "Invoked synchronously by Step Functions: errors return to the state machine, which retries "
            "Lambda service errors and records a failure row (and alarms); a function DLQ applies to "
            "asynchronous invocations only.",
        )

    # --- video processor and long-video steps: prefix-scoped S3 access --------------------------
    for fn in (processing.function, long_videos.function):
        assert fn.role is not None
        _video_work(fn.role, videos, patients)
    _long_videos(stack, long_videos, videos)
    _labels(labels, videos, patients)

    # --- training ------------------------------------------------------------------------------
    analyze_role, promote_role = training.analyze_function.role, training.promote_function.role
    assert analyze_role is not None
    assert promote_role is not None
    _iam5(
        promote_role,
        [f"{patients}/models/*"],
        "Promote unpacks a run and writes latest.json below patients/models/<patient>/ only.",
    )
    _iam5(
        analyze_role,
        [f"{patients}/*/{emotion}/*" for emotion in EMOTIONS] + [f"{patients}/*/.sessions/*"],
        "Analyze reads (never writes) the samples and session indexes it stages for a training run: "
        "patients/<patient>/<emotion>/... and patients/<patient>/.sessions/...; <patient> is known only "
        "at run time.",
    )
    _iam5(
        analyze_role,
        [f"{patients}/work/training/*"],
        "Analyze copies a run's samples below work/training/<patient ref>/<stage>/ (the SageMaker job's "
        "URIs then name no patient); the reference and stage are known only at run time.",
    )
    _iam5(
        promote_role,
        [f"{patients}/work/training/*"],
        "Promote reads the job's model.tar.gz and output.tar.gz below work/training/<ref>/<stage>/output/.",
    )
    sm_role = training.training_role
    _iam5(
        sm_role,
        [f"{patients}/work/training/*"],
        "A training job reads only its staged channel work/training/<patient ref>/<stage>/samples/ (the "
        "reference and stage are known only at run time); listing is limited to that prefix too.",
    )
    _iam5(
        sm_role,
        [f"{patients}/work/training/*/output/*"],
        "A training job writes its artifacts only below work/training/<patient ref>/<stage>/output/.",
    )
    _iam5(
        sm_role,
        [_env_arn(stack, "logs", "log-group:/aws/sagemaker/TrainingJobs:*")],
        "SageMaker writes training logs to streams it names per job inside /aws/sagemaker/TrainingJobs.",
    )
    _ack(
        sm_role,
        f"{AWS}IAM5[Resource::*]",
        "ecr:GetAuthorizationToken and cloudwatch:PutMetricData (limited by a namespace condition to "
        "/aws/sagemaker/TrainingJobs) have no resource-level permissions.",
    )
    for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
        _ack(
            sm_role,
            f"{AWS}IAM5[Action::{action}]",
            "Granted by the CDK SageMaker task for the output/volume encryption key, on that one key only.",
        )

    sm = training.state_machine
    _iam5(
        sm.role,
        [
            f"{_arn_ref(stack, training.analyze_function)}:*",
            f"{_arn_ref(stack, training.promote_function)}:*",
        ],
        "Invoke permission on the analyze/promote functions' versions and aliases (CDK LambdaInvoke grant).",
    )
    _iam5(
        sm.role,
        [_env_arn(stack, "sagemaker", "training-job/*")],
        "Training job names are generated per execution; the .sync pattern must describe/stop them.",
    )
    _ack(
        sm.role,
        f"{AWS}IAM5[Resource::*]",
        "CloudWatch Logs delivery (logs:*LogDelivery, PutResourcePolicy, DescribeResourcePolicies, "
        "DescribeLogGroups) and X-Ray have no resource-level permissions. sagemaker:ListTags on * is the "
        "statement the CDK SageMaker .sync task generates (AWS's documented policy for the Step "
        "Functions integration); it reads tags only, and this account's training jobs carry none.",
    )
    _ack(
        training.table,
        f"{HIPAA}DynamoDBInBackupPlan",
        "The history table holds run metadata and the gate's locks; the models, metrics and reports it "
        "points to live in the versioned patients bucket. Point-in-time recovery (35 days) is on; add "
        "it to an AWS Backup plan per deployment if the data owner requires it.",
    )

    _training_logs(stack, training)

    # --- the patient-reference key -------------------------------------------------------------
    for rule in (f"{AWS}SMG4", f"{HIPAA}SecretsManagerRotationEnabled"):
        _ack(
            stack.storage.ref_secret,
            rule,
            "The secret is the HMAC key of the patient references in logs, execution names and history "
            "rows; they must stay stable to correlate a patient's runs, so rotating it would re-key "
            "every reference. It never leaves the account: read by the gate and video functions (and "
            "voice cloud users) only, encrypted with the data key.",
        )

    # --- monitoring -----------------------------------------------------------------------------
    _ack(
        stack.monitoring.event_dead_letters,
        f"{AWS}SQS3",
        "This queue is itself the dead-letter queue of the EventBridge rule targets (video routing, "
        "the upload queue, the training gate): events EventBridge cannot deliver after its retries "
        "land here, and any message in it raises an alarm on the alarm topic.",
    )

    # --- inline policies ------------------------------------------------------------------------
    for scope in _policy_owners(stack):
        _ack(
            scope,
            f"{HIPAA}IAMNoInlinePolicy",
            "Each role is single-purpose and owns its one CDK-generated policy; the statements are "
            "least-privilege grants asserted in tests/infra (managed policies would be shared).",
        )


def _training_logs(stack: cdk.Stack, training: Training) -> None:
    """The custom resource that sets the retention of /aws/sagemaker/TrainingJobs."""
    retention_role = training.training_logs_role
    _iam5(
        retention_role,
        [_env_arn(stack, "logs", "log-group:/aws/sagemaker/TrainingJobs:*")],
        "The retention custom resource creates /aws/sagemaker/TrainingJobs if SageMaker has not yet "
        "(the ARN of a log group ends in :*); it never deletes it.",
    )
    _iam5(
        retention_role,
        [
            _env_arn(stack, "logs", "log-group:/aws/lambda/*"),
            _env_arn(stack, "logs", "log-group:/aws/lambda/*:*"),
            _env_arn(stack, "logs", "log-group:/aws/lambda/*:log-stream:*"),
        ],
        "The retention custom resource's own function writes its log group /aws/lambda/<generated name>; "
        "CloudFormation generates that name at deploy time.",
    )
    _ack(
        retention_role,
        f"{AWS}IAM5[Resource::*]",
        "CDK's LogRetention adds logs:PutRetentionPolicy and logs:DeleteRetentionPolicy on * to its role; "
        "its handler calls them for /aws/sagemaker/TrainingJobs and its own log group only.",
    )


def _log_group(fn: Construct) -> IConstruct:
    from aws_cdk import aws_lambda as lambda_

    assert isinstance(fn, lambda_.Function)
    scope = fn.node.scope
    assert scope is not None
    return scope.node.find_child(f"{fn.node.id}Logs")


def _policy_owners(stack: cdk.Stack) -> list[IConstruct]:
    from aws_cdk import aws_iam as iam

    return [c for c in stack.node.find_all() if isinstance(c, iam.Role)]


def _video_work(video_role: IConstruct, videos: str, patients: str) -> None:
    """The S3 prefixes of :func:`infra.components.processing.grant_video_work`."""
    _iam5(
        video_role,
        [f"{videos}/*"],
        "Reads any upload videos/<patient>/<file>: patient and file names are user data, unknown at deploy.",
    )
    _iam5(
        video_role,
        [f"{videos}/annotated/*", f"{videos}/failed/*"],
        "Writes outputs only below videos/annotated/ and videos/failed/ (docs/design.md), and removes "
        "only the failure records its stop guards wrote; the rest of the key is <patient>/<session>, "
        "known only at run time.",
    )
    _iam5(
        video_role,
        [f"{videos}/work/leases/*"],
        "Takes and releases a session's lease (work/leases/<patient>/<session>.json, a conditional write) "
        "before writing its outputs; names known only at run time.",
    )
    _iam5(
        video_role,
        [f"{patients}/*/{emotion}/*" for emotion in EMOTIONS] + [f"{patients}/*/.sessions/*"],
        "Reads, writes and (to replace a session's samples as one unit) deletes training samples: "
        "patients/<patient>/<emotion>/... for the five canonical emotions and the session index "
        "patients/<patient>/.sessions/. IAM's * spans '/', so these also match models/<p>/<emotion>/...: "
        "an explicit Deny on patients/models/* for writes and deletes closes that.",
    )
    _iam5(
        video_role,
        [f"{patients}/*/profile.json"],
        "Reads the patient's profile (nicknames) and writes its appearance after a pinned video: "
        "patients/<patient>/profile.json only; <patient> is known only at run time.",
    )
    _iam5(
        video_role,
        [f"{patients}/*/reviews/*"],
        "Reads (never writes) a session's reviews patients/<patient>/reviews/<session>.json, so a "
        "re-run writes the samples of the labels people set; names known only at run time.",
    )

    _iam5(
        video_role,
        [f"{patients}/models/*"],
        "Reads (never writes) the promoted model models/<patient>/latest.json and its run, to add "
        "predictions to the session metadata.",
    )


def _labels(labels: Labels, videos: str, patients: str) -> None:
    """The S3 prefixes of :func:`infra.components.labels.grant_label_work`."""
    role = labels.function.role
    assert role is not None
    _iam5(
        role,
        [f"{videos}/annotated/*_metadata.json"],
        "Reads a session's metadata (its narrated events) videos/annotated/<patient>/<session>_metadata.json "
        "only; patient and session are known only at run time.",
    )
    _iam5(
        role,
        [f"{patients}/*/{emotion}/*" for emotion in EMOTIONS] + [f"{patients}/*/.sessions/*"],
        "Reads, writes and deletes the session's training samples "
        "patients/<patient>/<emotion>/<session>_<tag>/ (only the folders its labels changed) and reads "
        "its pose track and rewrites its index in patients/<patient>/.sessions/. IAM's * spans '/': an "
        "explicit Deny on patients/models/* keeps writes and deletes off the models.",
    )
    _iam5(
        role,
        [f"{patients}/*/reviews/*"],
        "Reads (never writes) the reviews file patients/<patient>/reviews/<session>.json the event names.",
    )


def _long_videos(stack: cdk.Stack, long_videos: LongVideos, videos: str) -> None:
    role = long_videos.function.role
    assert role is not None
    _iam5(
        role,
        [f"{videos}/work/segments/*"],
        "Writes and deletes a long video's intermediate files (work/segments/<patient>/<session>/...: each "
        "step's results, error files, the whole workspace once the session is merged); names known at "
        "run time.",
    )
    sm = long_videos.state_machine
    _iam5(
        sm.role,
        [f"{_arn_ref(stack, long_videos.function)}:*"],
        "Invoke permission on the long-video steps function's versions and aliases (CDK LambdaInvoke grant).",
    )
    _ack(
        sm.role,
        f"{AWS}IAM5[Resource::*]",
        "CloudWatch Logs delivery (logs:*LogDelivery, PutResourcePolicy, DescribeResourcePolicies, "
        "DescribeLogGroups) and X-Ray (PutTraceSegments, GetSampling*) have no resource-level permissions.",
    )
