"""What the training components may do: the Lambda roles' grants, the SageMaker role, and the
retention of the account-wide ``/aws/sagemaker/TrainingJobs`` log group (``infra/components/training.py``).

A training run works on a copy staged under the patient's keyed reference
(``work/training/<patient ref>/<stage>/``, :mod:`voice.aws.training_stage`): Analyze reads the
samples and writes the copy, SageMaker reads only the copy and writes its output beside it,
Promote reads that output and writes ``models/``.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components.runtime import grant_s3_data_key
from infra.components.storage import Storage
from voice.config import EMOTIONS
from voice.layout import WORK

__all__ = [
    "TRAINING_JOBS_LOG_GROUP",
    "TRAINING_WORK",
    "grant_analyze",
    "grant_promote",
    "grant_table_key",
    "sample_arns",
    "training_logs_retention",
    "training_role",
]

#: Where SageMaker writes every training job's log (account-wide).
TRAINING_JOBS_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
#: A training run's staged samples and output (voice.layout.training_stage_prefix).
TRAINING_WORK = f"{WORK}/training/*"


def sample_arns(storage: Storage) -> list[str]:
    """Every patient's sample folders (the five emotions)."""
    return [f"{storage.patients.bucket_arn}/*/{emotion}/*" for emotion in EMOTIONS]


def grant_analyze(role: iam.IRole, storage: Storage) -> None:
    """Analyze lists keys (it counts samples and finds the last run in models/); a run that
    trains stages its samples under the patient's reference (voice.aws.training_stage)."""
    patients = storage.patients
    role.add_to_principal_policy(
        iam.PolicyStatement(sid="ListSamples", actions=["s3:ListBucket"], resources=[patients.bucket_arn])
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadSamplesToStage",
            actions=["s3:GetObject"],
            resources=[*sample_arns(storage), f"{patients.bucket_arn}/*/.sessions/*"],
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="StageSamples",
            actions=["s3:PutObject"],
            resources=[patients.arn_for_objects(TRAINING_WORK)],
        )
    )
    grant_s3_data_key(role, storage.key)


def grant_promote(role: iam.IRole, storage: Storage) -> None:
    """Promote reads the job's output and writes the run and ``latest.json`` below ``models/``."""
    models = storage.patients.arn_for_objects("models/*")
    # ListBucket makes a missing key a 404 instead of a 403 (the optional output.tar.gz).
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ListModels", actions=["s3:ListBucket"], resources=[storage.patients.bucket_arn]
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadWriteModels", actions=["s3:GetObject", "s3:PutObject"], resources=[models]
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadTheJobOutput",
            actions=["s3:GetObject"],
            resources=[storage.patients.arn_for_objects(TRAINING_WORK)],
        )
    )
    grant_s3_data_key(role, storage.key)


def grant_table_key(role: iam.IRole, key: kms.IKey) -> None:
    """The table is encrypted with the data key: writers need it, but only through DynamoDB."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="TableKeyViaDynamoDB",
            actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            resources=[key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"dynamodb.{Stack.of(role).region}.amazonaws.com"}
            },
        )
    )


def training_role(scope: Construct, storage: Storage) -> iam.Role:
    """SageMaker reads only the staged copy (its channel) and writes only its output beside it."""
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        "SageMakerRole",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        description="VOICE training jobs: read samples, write models/",
    )
    patients = storage.patients
    # Only the staged copy under the patient's reference (voice.aws.training_stage).
    role.add_to_policy(
        iam.PolicyStatement(
            sid="ListStagedSamples",
            actions=["s3:ListBucket"],
            resources=[patients.bucket_arn],
            conditions={"StringLike": {"s3:prefix": TRAINING_WORK}},
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="ReadStagedSamples",
            actions=["s3:GetObject"],
            resources=[patients.arn_for_objects(TRAINING_WORK)],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="WriteTheOutput",
            actions=["s3:PutObject"],
            resources=[patients.arn_for_objects(f"{WORK}/training/*/output/*")],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="UseDataKey",
            actions=["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"],
            resources=[storage.key.key_arn],
        )
    )
    training_logs = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name=f"{TRAINING_JOBS_LOG_GROUP}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="TrainingLogs",
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            resources=[training_logs],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="TrainingMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}},
        )
    )
    return role


def training_logs_retention(
    scope: Construct, retention: logs.RetentionDays
) -> tuple[iam.Role, logs.LogRetention]:
    """SageMaker writes every job's log to the account-wide group ``/aws/sagemaker/TrainingJobs``
    (it may exist already; a job's log cannot go elsewhere). A custom resource sets its
    retention — creating the group if needed — and on ``cdk destroy`` leaves it (RETAIN): the
    stack neither owns nor deletes it. What reaches it: training/train.py's output (run ids,
    scores, error types, the patient's reference)."""
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        "TrainingLogsRetentionRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="VOICE: set the retention of /aws/sagemaker/TrainingJobs",
    )
    # A log group's ARN, as IAM evaluates it, with and without the ":*" suffix.
    groups = [
        stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{name}{suffix}",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        for name in (TRAINING_JOBS_LOG_GROUP, "/aws/lambda/*")
        for suffix in ("", ":*")
    ]
    role.add_to_policy(
        iam.PolicyStatement(sid="CreateTheGroups", actions=["logs:CreateLogGroup"], resources=groups)
    )
    # CDK's LogRetention grants the retention calls on "*": this role may make them for these two
    # groups only (TrainingJobs, and the custom resource's own function's).
    role.add_to_policy(
        iam.PolicyStatement(
            sid="RetentionOfTheseGroupsOnly",
            effect=iam.Effect.DENY,
            actions=["logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"],
            not_resources=groups,
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="OwnLogs",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name="/aws/lambda/*:log-stream:*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
    )
    return role, logs.LogRetention(
        scope,
        "TrainingJobsLogRetention",
        log_group_name=TRAINING_JOBS_LOG_GROUP,
        retention=retention,
        removal_policy=RemovalPolicy.RETAIN,
        role=role,
    )
