"""Training: new samples → gate Lambda (per-patient lock) → Step Functions → SageMaker → promote.

The training state machine (input :class:`voice.aws.flow.ExecutionInput`:
``{"patient", "patient_ref", "force", "gate"}``; encrypted with the data key)::

    Analyze (Lambda: voice.model.gate.decide; stages the samples under the patient's reference)
      ─ Choice ─ train ─→ Train (SageMaker createTrainingJob.sync on the staged copy)
               │        → Promote (Lambda: baseline check, latest.json) → RecordTrained (DynamoDB)
               │        → [gate run] Cooldown (wait) → ReleaseLock;  [manual run] ReleaseLock
               └─ skip ─→ RecordSkipped (DynamoDB) → ReleaseLock
    ReleaseLock (only the lock this execution owns) → uploads arrived meanwhile? → Recheck (event to
    the gate, with the patient's reference only)
    any task error or timeout (after retries) → RecordFailure (DynamoDB) → ReleaseLock → Recheck? → Failed

History table (:mod:`voice.aws.history`): partition key ``patient`` holding the patient's keyed
reference (never the name), sort key ``sk``: ``LOCK`` for the lock item,
``RUN#<execution start>#<execution name>`` for one row per execution. A failure row records the
error's name only: its cause (a SageMaker job description, a handler's message) may name the
patient.

The lock: the gate takes it for the execution it starts, ``voice cloud train`` for a manual one
(``owner`` = the execution's name); it expires after the state machine's timeout at the latest, so
it never lapses under a running execution; the execution releases it at its end — trained, skipped
or failed — and only if it still owns it (no run frees another run's lock). Uploads that find it
taken mark it ``pending_since``; the release then sends a recheck to the gate, so they are not
left waiting for the next upload. A failing training is therefore tried again only when uploads
arrive (at most once per batch of them).

SageMaker writes every job's log to the account-wide ``/aws/sagemaker/TrainingJobs``: a custom
resource sets its retention and never deletes it; what reaches it is the job's output (run ids,
scores, error types, the patient's reference: training/train.py).
"""

from __future__ import annotations

import functools

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
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
from infra.components.training_access import (
    grant_analyze,
    grant_promote,
    grant_table_key,
    training_logs_retention,
    training_role,
)
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
            memory_mib=1024,
            # It also stages the samples (server-side copies, COPY_WORKERS at a time).
            timeout=Duration.seconds(300),
            environment={
                "VOICE_PATIENTS_BUCKET": patients.bucket_name,
                "VOICE_GATE_COOLDOWN_S": str(cooldown_s),
                "VOICE_DATA_KEY_ARN": key.key_arn,
            },
            description="VOICE: is a patient ready for training? (voice.model.gate.decide over the samples)",
        )
        self.promote_function = function(
            "PromoteFunction",
            handler="lambdas.promote.handler",
            memory_mib=1024,
            timeout=Duration.seconds(120),
            ephemeral_storage_mib=1024,
            environment={"VOICE_PATIENTS_BUCKET": patients.bucket_name, "VOICE_DATA_KEY_ARN": key.key_arn},
            description="VOICE: unpack a training run, promote it to latest.json if it beats the baseline",
        )
        for fn, grant in ((self.analyze_function, grant_analyze), (self.promote_function, grant_promote)):
            assert fn.role is not None
            grant(fn.role, storage)

        self.training_role = training_role(self, storage)
        self.training_logs_role, self.training_logs_retention = training_logs_retention(self, log_retention)
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
                # A Recheck names the patient by reference: the gate finds the folder it belongs to.
                "VOICE_PATIENTS_BUCKET": patients.bucket_name,
            },
            dead_letter_queue=self.gate_dead_letters,
            description="VOICE: new samples → take the patient's lock → start one training execution",
        )
        self.table.grant(self.gate_function, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        assert self.gate_function.role is not None
        self.gate_function.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="FindThePatientOfARecheck", actions=["s3:ListBucket"], resources=[patients.bucket_arn]
            )
        )
        storage.ref_secret.grant_read(self.gate_function)
        self.state_machine.grant_start_execution(self.gate_function)
        assert self.gate_function.role is not None
        grant_execution_data_key(self.gate_function.role, key, self.state_machine.state_machine_arn)
        for role in (self.gate_function.role, self.state_machine.role):
            assert role is not None
            grant_table_key(role, key)
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
        failed = sfn.Fail(
            self, "Failed", error="TrainingFailed", cause="See the history table row of this execution."
        )
        # A failed run frees its lock at once (a manual run or one whose lock expired frees
        # nothing: the release is conditional on the owner) and rechecks uploads that arrived.
        release_after_failure, _ = self._release_steps("AfterFailure", then=failed)
        record_failure = self._history_row(
            "RecordFailure",
            "failed",
            # The error's name only (States.Timeout, HandlerError, SageMaker.…): its cause may
            # name the patient (a job description's S3 paths, a handler's message).
            {"error": tasks.DynamoAttributeValue.from_string(s("$.error.Error"))},
        ).next(release_after_failure)
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
        release_lock, recheck = self._release_steps("", then=sfn.Succeed(self, "LockReleased"))
        for task in (analyze, train, promote, record_trained, record_skipped, release_lock, recheck):
            task.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")

        from_gate = sfn.Condition.boolean_equals(_analysis("gate"), True)
        # A gate-started run that trained holds the patient's lock through the cooldown; every other
        # ending releases it at once: a manual run (`voice cloud train` takes the lock too), and a
        # skipped patient (the next upload may start a new check at once). A run that holds no lock
        # frees nothing: the release is conditional on the owner.
        cooldown = sfn.Wait(self, "Cooldown", time=sfn.WaitTime.seconds_path(_analysis("cooldown_s"))).next(
            release_lock
        )
        trained = record_trained.next(
            sfn.Choice(self, "HoldsTheLockThroughTheCooldown?")
            .when(from_gate, cooldown)
            .otherwise(release_lock)
        )
        skipped = record_skipped.next(release_lock)
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

    def _release_steps(
        self, suffix: str, *, then: sfn.IChainable
    ) -> tuple[tasks.DynamoDeleteItem, tasks.EventBridgePutEvents]:
        """ReleaseLock (only if this execution owns it) → Recheck when uploads found it taken →
        ``then``. ``suffix`` names the second copy of these states (the failure path's)."""
        s = sfn.JsonPath.string_at
        release_lock = tasks.DynamoDeleteItem(
            self,
            f"ReleaseLock{suffix}",
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
            then, errors=["DynamoDB.ConditionalCheckFailedException"], result_path=sfn.JsonPath.DISCARD
        )
        recheck = tasks.EventBridgePutEvents(
            self,
            f"Recheck{suffix}",
            entries=[
                tasks.EventBridgePutEventsEntry(
                    source=TRAINING_EVENT_SOURCE,
                    detail_type=RECHECK_DETAIL_TYPE,
                    # The reference only: events and their dead letters leave the buckets.
                    detail=sfn.TaskInput.from_object({"patient_ref": _REF}),
                )
            ],
            result_path=sfn.JsonPath.DISCARD,
        )
        # An extra recheck costs one short execution; a lost one leaves uploads waiting.
        recheck.add_retry(errors=["States.ALL"], interval=Duration.seconds(2), max_attempts=3, backoff_rate=2)
        release_lock.next(
            sfn.Choice(self, f"UploadsWhileLocked{suffix}?")
            .when(sfn.Condition.is_present("$.released.Attributes.pending_since"), recheck.next(then))
            .otherwise(then)
        )
        return release_lock, recheck
