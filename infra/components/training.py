"""Training: new samples → gate Lambda (per-patient lock) → Step Functions → SageMaker → promote.

The training state machine (input :class:`voice.aws.flow.ExecutionInput`:
``{"patient", "patient_ref", "force", "gate"}``; encrypted with the data key)::

    Analyze (Lambda: voice.model.gate.decide) ─ Choice ─ train ─→ Train (SageMaker createTrainingJob.sync)
                                           │                  → Promote (Lambda: baseline check, latest.json)
                                           │                  → RecordTrained (DynamoDB)
                                           │                  → [gate run] Cooldown (wait) → ReleaseLock
                                           └─ skip ─→ RecordSkipped (DynamoDB) → [gate run] ReleaseLock
    ReleaseLock (only the lock this execution owns) → uploads arrived meanwhile? → Recheck (event to the gate)
    any task error or timeout (after retries) → RecordFailure (DynamoDB) → Failed (the lock then expires)

History table (:mod:`voice.aws.history`): partition key ``patient`` holding the patient's keyed
reference (never the name), sort key ``sk``: ``LOCK`` for the gate's lock item,
``RUN#<execution start>#<execution name>`` for one row per execution. A failure row records the
error's name only: its cause (a SageMaker job description, a handler's message) may name the
patient.

The lock: the gate takes it for the execution it starts (``owner`` = the execution's name) and
it expires after the state machine's timeout at the latest, so it never lapses under a running
execution; the execution releases it at its end, and only if it still owns it (a manual run
never frees an automatic run's lock). Uploads that find it taken mark it ``pending_since``; the
release then sends a recheck to the gate, so they are not left waiting for the next upload.
"""

from __future__ import annotations

import functools

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.components.runtime import (
    dead_letter_queue,
    encrypted_state_machine,
    grant_dead_letter_key,
    grant_execution_data_key,
    image_function,
    object_created_rule,
)
from infra.components.storage import Storage
from voice.aws.flow import AnalyzeOutput, ExecutionInput, PromoteInput, PromoteOutput, path
from voice.aws.history import LOCK_SORT_KEY, RECHECK_DETAIL_TYPE, RUN_SORT_PREFIX, TRAINING_EVENT_SOURCE

__all__ = ["LOCK_SORT_KEY", "Training"]


class _RuntimeS3Location(tasks.S3Location):
    """An S3 URI read from the state at run time, granting nothing.

    ``S3Location.from_json_expression`` grants ``s3:GetObject``/``s3:PutObject`` on ``*``;
    the training role's own statements scope reads to the patients bucket and writes to ``models/``.
    """

    def __init__(self, expression: str) -> None:
        super().__init__()
        self._expression = expression

    def bind(
        self, task: tasks.ISageMakerTask, *, for_reading: bool | None = None, for_writing: bool | None = None
    ) -> tasks.S3LocationConfig:
        return tasks.S3LocationConfig(uri=sfn.JsonPath.string_at(self._expression))


_DYNAMO_TRANSIENT = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.InternalServerErrorException",
    "DynamoDB.RequestLimitExceeded",
]
_SAGEMAKER_TRANSIENT = ["SageMaker.AmazonSageMakerException", "SageMaker.ThrottlingException"]
#: The patient's keyed reference in the execution input (the history table's partition key).
_REF = sfn.JsonPath.string_at(path(ExecutionInput, "patient_ref"))


def _analysis(field: str) -> str:
    """The path of one field of Analyze's result (``$.analysis.<field>``)."""
    return path(AnalyzeOutput, field, at="$.analysis")


def _promote_input() -> dict[str, str]:
    """The Promote task's payload: exactly the fields of :class:`voice.aws.flow.PromoteInput`."""
    s = sfn.JsonPath.string_at
    payload = {
        "patient": s(path(ExecutionInput, "patient")),
        "patient_ref": _REF,
        "training_job_name": s("$.training.job_name"),
        "model_artifacts": s("$.training.model_artifacts"),
    }
    if set(payload) != set(PromoteInput.model_fields):
        raise ValueError("the Promote payload and voice.aws.flow.PromoteInput disagree")
    return payload


#: The Train step may take this much longer than the job's own limit (instance start, image
#: pull, channel download, artifact upload) before it times out and is recorded as failed.
TRAIN_STEP_MARGIN = Duration.minutes(20)
#: What the rest of an execution may take besides Train and the cooldown (Analyze, Promote, rows).
EXECUTION_MARGIN = Duration.minutes(30)


def execution_timeout(max_training: Duration, cooldown: Duration) -> Duration:
    """The state machine's timeout: the Train step's, the cooldown wait, and a margin."""
    return max_training.plus(TRAIN_STEP_MARGIN).plus(cooldown).plus(EXECUTION_MARGIN)


class Training(Construct):
    """History table, gate/analyze/promote functions, the SageMaker role and the state machine."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        image: ecr_assets.DockerImageAsset,
        training_image: ecr_assets.DockerImageAsset,
        event_dead_letters: sqs.IQueue,
        cooldown_s: int = 3600,
        instance_type: str = "m5.large",
        volume_size_gib: int = 10,
        max_training_s: int = 3600,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        key, patients = storage.key, storage.patients

        self.table = dynamodb.Table(
            self,
            "History",
            partition_key=dynamodb.Attribute(name="patient", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )

        function = functools.partial(
            image_function,
            self,
            image=image,
            key=key,
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        self.analyze_function = function(
            "AnalyzeFunction",
            handler="lambdas.analyze.handler",
            memory_mib=512,
            timeout=Duration.seconds(60),
            environment={
                "VOICE_PATIENTS_BUCKET": patients.bucket_name,
                "VOICE_GATE_COOLDOWN_S": str(cooldown_s),
            },
            description="VOICE: is a patient ready for training? (voice.model.gate.decide over the samples)",
        )
        self.promote_function = function(
            "PromoteFunction",
            handler="lambdas.promote.handler",
            memory_mib=1024,
            timeout=Duration.seconds(120),
            ephemeral_storage_mib=1024,
            environment={
                "VOICE_PATIENTS_BUCKET": patients.bucket_name,
                "VOICE_VIDEOS_BUCKET": storage.videos.bucket_name,
            },
            description="VOICE: unpack a training run, promote it to latest.json if it beats the baseline",
        )
        self._grant_analyze(storage)
        self._grant_promote(storage)

        self.training_role = self._training_role(storage)
        self.execution_timeout = execution_timeout(
            Duration.seconds(max_training_s), Duration.seconds(cooldown_s)
        )
        train = self._train_step(
            storage,
            training_image,
            instance_type,
            Size.gibibytes(volume_size_gib),
            Duration.seconds(max_training_s),
        )
        self.state_machine = self._state_machine(
            train, storage=storage, log_retention=log_retention, removal_policy=removal_policy
        )

        self.gate_dead_letters = dead_letter_queue(self, "GateDeadLetters", key)
        self.gate_function = function(
            "GateFunction",
            handler="lambdas.training_gate.handler",
            memory_mib=512,
            timeout=Duration.seconds(30),
            environment={
                "VOICE_HISTORY_TABLE": self.table.table_name,
                "VOICE_STATE_MACHINE_ARN": self.state_machine.state_machine_arn,
                # The lock outlives any execution: it never lapses under a running one.
                "VOICE_GATE_LOCK_S": str(int(self.execution_timeout.to_seconds())),
                "VOICE_REF_SECRET_ARN": storage.ref_secret.secret_arn,
            },
            dead_letter_queue=self.gate_dead_letters,
            description="VOICE: new samples → take the patient's lock → start one training execution",
        )
        self.table.grant(self.gate_function, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        storage.ref_secret.grant_read(self.gate_function)
        self.state_machine.grant_start_execution(self.gate_function)
        assert self.gate_function.role is not None
        grant_execution_data_key(self.gate_function.role, key, self.state_machine.state_machine_arn)
        for role in (self.gate_function.role, self.state_machine.role):
            assert role is not None
            self._grant_table_key(role, key)
        assert self.gate_function.role is not None
        grant_dead_letter_key(self.gate_function.role, key, self)

        # One event per processed upload: the session index is written after its samples.
        self.samples_rule = object_created_rule(
            self,
            "SamplesAdded",
            bucket=patients,
            wildcard="*/.sessions/*.json",
            target=self._gate_target(event_dead_letters),
            description="VOICE: a processed session's index appeared in the patients bucket",
        )
        # The state machine's Recheck after it released a lock that uploads found taken.
        self.recheck_rule = events.Rule(
            self,
            "RecheckRequested",
            description="VOICE: a training execution released a patient's lock; samples arrived meanwhile",
            event_pattern=events.EventPattern(
                source=[TRAINING_EVENT_SOURCE], detail_type=[RECHECK_DETAIL_TYPE]
            ),
            targets=[self._gate_target(event_dead_letters)],
        )

    def _gate_target(self, dead_letters: sqs.IQueue) -> targets.LambdaFunction:
        return targets.LambdaFunction(self.gate_function, retry_attempts=4, dead_letter_queue=dead_letters)

    # --- permissions --------------------------------------------------------------------------

    def _grant_analyze(self, storage: Storage) -> None:
        """Listing keys is all the gate needs (it counts samples and finds the last run in models/)."""
        role = self.analyze_function.role
        assert role is not None
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListSamples", actions=["s3:ListBucket"], resources=[storage.patients.bucket_arn]
            )
        )

    def _grant_promote(self, storage: Storage) -> None:
        role = self.promote_function.role
        assert role is not None
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
        # The passport (voice.passport, stills only): session indexes, the sessions' metadata and key frames.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadForPassport",
                actions=["s3:GetObject"],
                resources=[
                    storage.patients.arn_for_objects("*/.sessions/*"),
                    storage.videos.arn_for_objects("annotated/*"),
                ],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListAnnotated", actions=["s3:ListBucket"], resources=[storage.videos.bucket_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="UseDataKey",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[storage.key.key_arn],
            )
        )

    def _grant_table_key(self, role: iam.IRole, key: kms.IKey) -> None:
        """The table is encrypted with the data key: writers need it, but only through DynamoDB."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="TableKeyViaDynamoDB",
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"dynamodb.{Stack.of(self).region}.amazonaws.com"}
                },
            )
        )

    def _training_role(self, storage: Storage) -> iam.Role:
        """SageMaker reads the patients bucket (its channel) and writes only below ``models/``."""
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "SageMakerRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="VOICE training jobs: read samples, write models/",
        )
        patients = storage.patients
        role.add_to_policy(
            iam.PolicyStatement(sid="ListSamples", actions=["s3:ListBucket"], resources=[patients.bucket_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadSamples", actions=["s3:GetObject"], resources=[patients.arn_for_objects("*")]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteModels", actions=["s3:PutObject"], resources=[patients.arn_for_objects("models/*")]
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
            resource_name="/aws/sagemaker/TrainingJobs:*",
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

    # --- state machine ------------------------------------------------------------------------

    def _history_row(
        self, construct_id: str, status: str, extra: dict[str, tasks.DynamoAttributeValue]
    ) -> tasks.DynamoPutItem:
        item = {
            "patient": tasks.DynamoAttributeValue.from_string(_REF),
            "sk": tasks.DynamoAttributeValue.from_string(
                sfn.JsonPath.format(
                    RUN_SORT_PREFIX + "{}#{}",
                    sfn.JsonPath.string_at("$$.Execution.StartTime"),
                    sfn.JsonPath.string_at("$$.Execution.Name"),
                )
            ),
            "status": tasks.DynamoAttributeValue.from_string(status),
            "execution": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.Execution.Id")),
            "started_at": tasks.DynamoAttributeValue.from_string(
                sfn.JsonPath.string_at("$$.Execution.StartTime")
            ),
            "finished_at": tasks.DynamoAttributeValue.from_string(
                sfn.JsonPath.string_at("$$.State.EnteredTime")
            ),
            **extra,
        }
        task = tasks.DynamoPutItem(
            self, construct_id, table=self.table, item=item, result_path=sfn.JsonPath.DISCARD
        )
        task.add_retry(errors=_DYNAMO_TRANSIENT, interval=Duration.seconds(1), max_attempts=5, backoff_rate=2)
        return task

    def _state_machine(
        self,
        train: tasks.SageMakerCreateTrainingJob,
        *,
        storage: Storage,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> sfn.StateMachine:
        s = sfn.JsonPath.string_at
        record_failure = self._history_row(
            "RecordFailure",
            "failed",
            # The error's name only (States.Timeout, HandlerError, SageMaker.…): its cause may
            # name the patient (a job description's S3 paths, a handler's message).
            {"error": tasks.DynamoAttributeValue.from_string(s("$.error.Error"))},
        ).next(
            sfn.Fail(
                self, "Failed", error="TrainingFailed", cause="See the history table row of this execution."
            )
        )
        analyze = self._analyze_step()
        promote = self._promote_step()
        record_trained = self._history_row(
            "RecordTrained",
            "trained",
            {
                "promoted": tasks.DynamoAttributeValue.boolean_from_json_path(
                    s(path(PromoteOutput, "promoted", at="$.promotion"))
                ),
                "reason": tasks.DynamoAttributeValue.from_string(
                    s(path(PromoteOutput, "reason", at="$.promotion"))
                ),
                "run_id": tasks.DynamoAttributeValue.from_string(
                    s(path(PromoteOutput, "run_id", at="$.promotion"))
                ),
                "training_job_name": tasks.DynamoAttributeValue.from_string(s("$.training.job_name")),
            },
        )
        record_skipped = self._history_row(
            "RecordSkipped",
            "skipped",
            {
                "reasons": tasks.DynamoAttributeValue.from_string(s(_analysis("reasons_text"))),
                "counts": tasks.DynamoAttributeValue.from_string(s(_analysis("counts_json"))),
            },
        )
        release_lock, recheck = self._release_steps()
        for task in (analyze, train, promote, record_trained, record_skipped, release_lock, recheck):
            task.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")

        from_gate = sfn.Condition.boolean_equals(_analysis("gate"), True)
        # A gate-started run that trained holds the patient's lock through the cooldown.
        cooldown = sfn.Wait(self, "Cooldown", time=sfn.WaitTime.seconds_path(_analysis("cooldown_s"))).next(
            release_lock
        )
        trained = record_trained.next(
            sfn.Choice(self, "HoldsTheLock?")
            .when(from_gate, cooldown)
            .otherwise(sfn.Succeed(self, "Trained"))
        )
        # A skipped patient gets no cooldown: the next upload may start a new check at once.
        skipped = record_skipped.next(
            sfn.Choice(self, "HoldsTheLockSkipped?")
            .when(from_gate, release_lock)
            .otherwise(sfn.Succeed(self, "Skipped"))
        )
        definition = analyze.next(
            sfn.Choice(self, "ReadyToTrain?")
            .when(sfn.Condition.boolean_equals(_analysis("train"), True), train.next(promote).next(trained))
            .otherwise(skipped)
        )
        return encrypted_state_machine(
            self,
            "training",
            definition,
            timeout=self.execution_timeout,
            key=storage.key,
            log_retention=log_retention,
            removal_policy=removal_policy,
        )

    def _analyze_step(self) -> tasks.LambdaInvoke:
        s = sfn.JsonPath.string_at
        return tasks.LambdaInvoke(
            self,
            "Analyze",
            lambda_function=self.analyze_function,
            payload=sfn.TaskInput.from_object(
                {"input": sfn.JsonPath.entire_payload, "execution": s("$$.Execution.Name")}
            ),
            # Every field of voice.aws.flow.AnalyzeOutput, as the handler returns it.
            result_selector={
                f: s(path(AnalyzeOutput, f, at="$.Payload")) for f in AnalyzeOutput.model_fields
            },
            result_path="$.analysis",
            retry_on_service_exceptions=True,
        )

    def _train_step(
        self,
        storage: Storage,
        training_image: ecr_assets.DockerImageAsset,
        instance_type: str,
        volume_size: Size,
        max_training_time: Duration,
    ) -> tasks.SageMakerCreateTrainingJob:
        s = sfn.JsonPath.string_at
        train = tasks.SageMakerCreateTrainingJob(
            self,
            "Train",
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            training_job_name=s(_analysis("training_job_name")),
            role=self.training_role,
            algorithm_specification=tasks.AlgorithmSpecification(
                training_image=tasks.DockerImage.from_ecr_repository(
                    training_image.repository, training_image.image_tag
                ),
                training_input_mode=tasks.InputMode.FILE,
            ),
            input_data_config=[
                tasks.Channel(
                    channel_name="train",
                    data_source=tasks.DataSource(
                        s3_data_source=tasks.S3DataSource(
                            s3_location=_RuntimeS3Location(_analysis("train_uri")),
                            s3_data_type=tasks.S3DataType.S3_PREFIX,
                            s3_data_distribution_type=tasks.S3DataDistributionType.FULLY_REPLICATED,
                        )
                    ),
                )
            ],
            output_data_config=tasks.OutputDataConfig(
                s3_output_location=_RuntimeS3Location(_analysis("output_uri")),
                encryption_key=storage.key,
            ),
            resource_config=tasks.ResourceConfig(
                instance_count=1,
                # CDK prefixes "ml." itself: InstanceType("ml.m5.large") would render "ml.ml.m5.large".
                instance_type=ec2.InstanceType(instance_type),
                volume_size=volume_size,
                volume_encryption_key=storage.key,
            ),
            stopping_condition=tasks.StoppingCondition(max_runtime=max_training_time),
            # SageMaker passes hyperparameters as strings; force is "true"/"false" (Analyze says which).
            # The job knows the patient by reference only: hyperparameters show in its description.
            hyperparameters={"patient_ref": _REF, "force": s(_analysis("force"))},
            enable_network_isolation=True,
            result_selector={
                "job_name": s("$.TrainingJobName"),
                "status": s("$.TrainingJobStatus"),
                "model_artifacts": s("$.ModelArtifacts.S3ModelArtifacts"),
            },
            result_path="$.training",
            # A job stuck before it starts (capacity, quota) times out here and is recorded.
            task_timeout=sfn.Timeout.duration(max_training_time.plus(TRAIN_STEP_MARGIN)),
        )
        train.add_retry(
            errors=_SAGEMAKER_TRANSIENT, interval=Duration.seconds(30), max_attempts=3, backoff_rate=2
        )
        return train

    def _promote_step(self) -> tasks.LambdaInvoke:
        s = sfn.JsonPath.string_at
        return tasks.LambdaInvoke(
            self,
            "Promote",
            lambda_function=self.promote_function,
            payload=sfn.TaskInput.from_object(_promote_input()),
            result_selector={
                f: s(path(PromoteOutput, f, at="$.Payload")) for f in PromoteOutput.model_fields
            },
            result_path="$.promotion",
            retry_on_service_exceptions=True,
        )

    def _release_steps(self) -> tuple[tasks.DynamoDeleteItem, tasks.EventBridgePutEvents]:
        """ReleaseLock (only if this execution owns it) → Recheck when uploads found it taken."""
        s = sfn.JsonPath.string_at
        released = sfn.Succeed(self, "LockReleased")
        release_lock = tasks.DynamoDeleteItem(
            self,
            "ReleaseLock",
            table=self.table,
            key={
                "patient": tasks.DynamoAttributeValue.from_string(_REF),
                "sk": tasks.DynamoAttributeValue.from_string(LOCK_SORT_KEY),
            },
            condition_expression="#owner = :me",
            expression_attribute_names={"#owner": "owner"},
            expression_attribute_values={
                ":me": tasks.DynamoAttributeValue.from_string(s("$$.Execution.Name"))
            },
            return_values=tasks.DynamoReturnValues.ALL_OLD,
            result_path="$.released",
        )
        release_lock.add_retry(
            errors=_DYNAMO_TRANSIENT, interval=Duration.seconds(1), max_attempts=5, backoff_rate=2
        )
        # Not this execution's lock (it expired and another run took it): nothing to release.
        release_lock.add_catch(
            released, errors=["DynamoDB.ConditionalCheckFailedException"], result_path=sfn.JsonPath.DISCARD
        )
        recheck = tasks.EventBridgePutEvents(
            self,
            "Recheck",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    source=TRAINING_EVENT_SOURCE,
                    detail_type=RECHECK_DETAIL_TYPE,
                    detail=sfn.TaskInput.from_object({"patient": s(path(ExecutionInput, "patient"))}),
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
        )
        # An extra recheck costs one short execution; a lost one leaves uploads waiting.
        recheck.add_retry(errors=["States.ALL"], interval=Duration.seconds(2), max_attempts=3, backoff_rate=2)
        release_lock.next(
            sfn.Choice(self, "UploadsWhileLocked?")
            .when(sfn.Condition.is_present("$.released.Attributes.pending_since"), recheck.next(released))
            .otherwise(released)
        )
        return release_lock, recheck
