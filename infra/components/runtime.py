"""Helpers shared by the components: one image for every handler, one log group per function."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Fn, RemovalPolicy, Size, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from voice.layout import WORK

__all__ = [
    "POWERTOOLS_NAMESPACE",
    "dead_letter_queue",
    "deny_model_writes",
    "encrypted_state_machine",
    "grant_dead_letter_key",
    "grant_execution_data_key",
    "grant_list_buckets",
    "grant_s3_data_key",
    "image_function",
    "key_only_through",
    "object_created_rule",
    "state_machine_log_group",
]

POWERTOOLS_NAMESPACE = "VOICE"


def image_function(
    scope: Construct,
    construct_id: str,
    *,
    image: ecr_assets.DockerImageAsset,
    handler: str,
    key: kms.IKey,
    memory_mib: int,
    timeout: Duration,
    environment: Mapping[str, str],
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    ephemeral_storage_mib: int = 512,
    dead_letter_queue: sqs.IQueue | None = None,
    reserved_concurrency: int | None = None,
    description: str = "",
) -> lambda_.DockerImageFunction:
    """A container-image Lambda running ``handler`` from the shared handler image.

    Every handler lives in the same image (``docker/lambda.Dockerfile``); only the command
    differs. Its role starts empty except for logs and X-Ray: callers grant exactly what each
    handler touches.
    """
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        encryption_key=key,
        retention=log_retention,
        removal_policy=removal_policy,
    )
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"VOICE {handler}",
    )
    # Only the function's own log group, instead of the managed AWSLambdaBasicExecutionRole (logs:* on *).
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn, f"{log_group.log_group_arn}:log-stream:*"],
        )
    )
    return lambda_.DockerImageFunction(
        scope,
        construct_id,
        code=lambda_.DockerImageCode.from_ecr(image.repository, tag_or_digest=image.image_tag, cmd=[handler]),
        description=description or f"VOICE {handler}",
        role=role,
        memory_size=memory_mib,
        timeout=timeout,
        ephemeral_storage_size=Size.mebibytes(ephemeral_storage_mib),
        architecture=lambda_.Architecture.X86_64,
        tracing=lambda_.Tracing.ACTIVE,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        environment={
            "POWERTOOLS_SERVICE_NAME": construct_id,
            "POWERTOOLS_METRICS_NAMESPACE": POWERTOOLS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            **environment,
        },
        dead_letter_queue=dead_letter_queue,
        reserved_concurrent_executions=reserved_concurrency,
    )


def dead_letter_queue(scope: Construct, construct_id: str, key: kms.IKey) -> sqs.Queue:
    """A dead-letter queue: encrypted with the data key, TLS only, messages kept 14 days."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )


def encrypted_state_machine(
    scope: Construct,
    name: str,
    definition: sfn.IChainable,
    *,
    timeout: Duration,
    key: kms.IKey,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
) -> sfn.StateMachine:
    """The state machine ``<stack>-<name>`` (construct id ``StateMachine``): traced, its execution
    data encrypted with the data key (inputs name the patient), every event logged without
    execution data. Named, so a key's encryption-context condition can name it (CDK cannot resolve
    a generated name into that condition)."""
    return sfn.StateMachine(
        scope,
        "StateMachine",
        state_machine_name=f"{Stack.of(scope).stack_name}-{name}",
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        timeout=timeout,
        tracing_enabled=True,
        encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(key),
        logs=sfn.LogOptions(
            destination=state_machine_log_group(scope, name, key, log_retention, removal_policy),
            level=sfn.LogLevel.ALL,
            include_execution_data=False,
        ),
    )


def state_machine_log_group(
    scope: Construct, name: str, key: kms.IKey, retention: logs.RetentionDays, removal_policy: RemovalPolicy
) -> logs.LogGroup:
    """The log group of the state machine ``<stack>-<name>`` (construct id ``StateMachineLogs``).

    Named per stack instance (the stack id's UUID): a retained group of a destroyed stack never
    blocks a new deployment, and the vended-logs prefix keeps resource policies small."""
    stack = Stack.of(scope)
    instance = Fn.select(2, Fn.split("/", stack.stack_id))
    return logs.LogGroup(
        scope,
        "StateMachineLogs",
        log_group_name=f"/aws/vendedlogs/states/{stack.stack_name}-{name}-{instance}",
        encryption_key=key,
        retention=retention,
        removal_policy=removal_policy,
    )


def grant_s3_data_key(role: iam.IRole, key: kms.IKey, *, sid: str = "UseDataKeyThroughS3") -> None:
    """Read and write objects encrypted with the data key: through S3 only."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid=sid,
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(role).region}.amazonaws.com"}},
        )
    )


def grant_execution_data_key(starter: iam.IRole, key: kms.IKey, state_machine_arn: str) -> None:
    """A state machine encrypted with the data key: whoever starts an execution encrypts its
    input, for that state machine only."""
    context = {"kms:EncryptionContext:aws:states:stateMachineArn": state_machine_arn}
    starter.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ExecutionInputKey",
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": context},
        )
    )


def grant_dead_letter_key(role: iam.IRole, key: kms.IKey, scope: Construct) -> None:
    """A function's dead-letter queue encrypted with the data key: without it, Lambda cannot put a
    failed event there (the event is lost, only ``DeadLetterErrors`` counts it)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="DeadLetterQueueKeyViaSQS",
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"sqs.{Stack.of(scope).region}.amazonaws.com"}},
        )
    )


def key_only_through(key: kms.IKey, sid: str, service_principal: str, via: str) -> None:
    """Deny ``service_principal`` any use of ``key`` except through the service ``via`` (``"sqs"``,
    ``"sns"``, ...) in the stack's region (the key policy's ``kms:ViaService`` condition)."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            effect=iam.Effect.DENY,
            principals=[iam.ServicePrincipal(service_principal)],
            actions=["kms:*"],
            resources=["*"],
            conditions={"StringNotEquals": {"kms:ViaService": f"{via}.{Stack.of(key).region}.amazonaws.com"}},
        )
    )


def deny_model_writes(role: iam.IRole, patients: s3.IBucket, key: kms.IKey) -> None:
    """For a role that writes sample folders: never below ``models/`` nor the training runs'
    staged copies below ``work/`` (IAM's "*" spans "/": "<bucket>/*/happiness/*" also matches
    models/<p>/happiness/... and work/training/<ref>/<stage>/samples/happiness/...), whatever a run
    id or a stage is called; and the data key to read and write the buckets with, through S3 only."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="NeverWriteModels",
            effect=iam.Effect.DENY,
            actions=["s3:PutObject", "s3:DeleteObject"],
            resources=[patients.arn_for_objects("models/*"), patients.arn_for_objects(f"{WORK}/*")],
        )
    )
    grant_s3_data_key(role, key)


def grant_list_buckets(role: iam.IRole, *buckets: s3.IBucket) -> None:
    """``s3:ListBucket`` on the buckets: a missing key is then a 404 (there is none yet), not a 403."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ListBothBuckets" if len(buckets) == 2 else "ListBucket",
            actions=["s3:ListBucket"],
            resources=[b.bucket_arn for b in buckets],
        )
    )


def object_created_rule(
    scope: Construct,
    construct_id: str,
    *,
    bucket: s3.IBucket,
    wildcard: str,
    target: events.IRuleTarget,
    description: str,
) -> events.Rule:
    """An EventBridge rule on the default bus: "Object Created" in ``bucket`` under a key that
    matches ``wildcard`` → ``target``."""
    return events.Rule(
        scope,
        construct_id,
        description=description,
        event_pattern=events.EventPattern(
            source=["aws.s3"],
            detail_type=["Object Created"],
            detail={"bucket": {"name": [bucket.bucket_name]}, "object": {"key": [{"wildcard": wildcard}]}},
        ),
        targets=[target],
    )
