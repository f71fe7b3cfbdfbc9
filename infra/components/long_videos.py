"""Long videos: the steps Lambda and the state machine that processes one upload in segments.

The video Lambda starts one execution per long upload (:mod:`voice.aws.long_videos`; input
``{"key", "version", "patient_ref", "force"}``, encrypted with the data key)::

    Plan (Lambda: admit, transcribe, plan) ─ AlreadyProcessed? ─ yes ─→ Done
      └→ Segments (Map ≤ map_concurrency: Segment, a failure caught per segment)
         → Join (Lambda) → Redraws (Map ≤ map_concurrency: Draw, a failure caught per segment)
         → Merge (Lambda; fails naming every failed draw) → Processed
    an error of Plan, Join, Redraws or Merge (after retries) → RecordFailure (Lambda: writes the
    record unless the handler did) → Failed

Every task is the same function (``lambdas.long_video.handler``) with ``{"step": ...}``. The
function's reserved concurrency bounds the account (its throttles are retried); the Map's
MaxConcurrency bounds one video; the plan step's admission bounds one patient
(``per_patient`` executions at once, the rest wait in the Plan step's retries), and one patient
may take at most half the reservation (``per_patient`` × MaxConcurrency, checked at synth). An inline Map
suffices: 120 minutes in 120 s segments are 60 iterations, a few hundred history events.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from pydantic import BaseModel

from infra.components.processing import grant_video_work
from infra.components.runtime import encrypted_state_machine, grant_execution_data_key, image_function
from infra.components.storage import Storage
from voice.aws.flow import path
from voice.aws.long_video_flow import JoinOutput, MergeOutput, PlanOutput
from voice.aws.long_videos import RECORDED
from voice.layout import WORK

__all__ = ["EXECUTION_TIMEOUT", "LongVideos", "check_patient_share"]

#: Waiting for the patient's earlier videos (the Plan step's PatientBusyError retries) and the
#: work itself both fit well inside this; a timed-out execution would get no failure record.
EXECUTION_TIMEOUT = Duration.hours(12)
#: Throttles of the steps function (its reserved concurrency reached): retried patiently.
_THROTTLED = ["Lambda.TooManyRequestsException"]
_s = sfn.JsonPath.string_at


def check_patient_share(per_patient: int, map_concurrency: int, reserved: int | None) -> None:
    """One patient may use at most half the steps function's reserved concurrency: their videos at
    once × each video's Map width. (Without a reservation the account's unreserved pool is shared
    by every function and nothing is reserved to share.)"""
    if reserved is not None and per_patient * map_concurrency * 2 > reserved:
        raise ValueError(
            f"one patient's long videos could use {per_patient} × {map_concurrency} = "
            f"{per_patient * map_concurrency} of the {reserved} reserved executions: at most half may be "
            "one patient's (lower long_videos_per_patient or long_video_map_concurrency, or reserve more)"
        )


class LongVideos(Construct):
    """The steps function and the long-video state machine."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        image: ecr_assets.DockerImageAsset,
        memory_mib: int = 3538,
        ephemeral_storage_mib: int = 10240,
        map_concurrency: int = 10,
        reserved_concurrency: int | None = 20,
        per_patient: int = 1,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        check_patient_share(per_patient, map_concurrency, reserved_concurrency)
        self.per_patient = per_patient
        self.map_concurrency = map_concurrency
        self.reserved_concurrency = reserved_concurrency
        self.key = storage.key
        # Named, so the steps function may list its executions without a reference cycle, and the
        # key's encryption-context condition can name it.
        name = f"{stack.stack_name}-long-videos"
        self.state_machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.function = image_function(
            self,
            "StepsFunction",
            image=image,
            handler="lambdas.long_video.handler",
            key=storage.key,
            memory_mib=memory_mib,
            timeout=Duration.seconds(900),
            ephemeral_storage_mib=ephemeral_storage_mib,
            environment={
                "VOICE_STORE": "s3",
                "VOICE_VIDEOS_BUCKET": storage.videos.bucket_name,
                "VOICE_PATIENTS_BUCKET": storage.patients.bucket_name,
                "VOICE_LONG_VIDEOS_PER_PATIENT": str(per_patient),
                "VOICE_DATA_KEY_ARN": storage.key.key_arn,
                "HOME": "/tmp",
                "MPLCONFIGDIR": "/tmp/matplotlib",
            },
            reserved_concurrency=reserved_concurrency,
            log_retention=log_retention,
            removal_policy=removal_policy,
            description="VOICE: one step of a long video (plan, segment, join, draw, merge, failure record)",
        )
        self._grant(storage)
        self.state_machine = encrypted_state_machine(
            self,
            "long-videos",
            self._definition(),
            timeout=EXECUTION_TIMEOUT,
            key=storage.key,
            log_retention=log_retention,
            removal_policy=removal_policy,
        )

    def grant_start(self, starter: lambda_.IFunction) -> None:
        """``starter`` (the video function) may start executions and encrypt their input."""
        role = starter.role
        assert role is not None
        self.state_machine.grant_start_execution(role)
        grant_execution_data_key(role, self.key, self.state_machine_arn)

    # --- permissions --------------------------------------------------------------------------

    def _grant(self, storage: Storage) -> None:
        role = self.function.role
        assert role is not None
        grant_video_work(role, storage)
        # The plan's intermediate files (work files): written per step, each segment's error file
        # deleted when it passes, the whole workspace after the merge.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SegmentWork",
                actions=["s3:PutObject", "s3:DeleteObject"],
                resources=[storage.videos.arn_for_objects(f"{WORK}/segments/*")],
            )
        )
        # The per-patient admission counts this state machine's running executions.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="CountRunningExecutions",
                actions=["states:ListExecutions"],
                resources=[self.state_machine_arn],
            )
        )

    # --- state machine ------------------------------------------------------------------------

    def _task(
        self,
        construct_id: str,
        payload: dict[str, object],
        result: tuple[type[BaseModel], dict[str, str]] | None,
    ) -> tasks.LambdaInvoke:
        """One step: the steps function with ``payload``; ``result``: the step's output model and
        which of its fields to keep, under which names (a field the model lacks fails at synth)."""
        task = tasks.LambdaInvoke(
            self,
            construct_id,
            lambda_function=self.function,
            payload=sfn.TaskInput.from_object(payload),
            result_selector=None
            if result is None
            else {k: _s(path(result[0], v, at="$.Payload")) for k, v in result[1].items()},
            result_path=sfn.JsonPath.DISCARD if result is None else f"$.{construct_id.lower()}",
            retry_on_service_exceptions=True,
        )
        task.add_retry(
            errors=_THROTTLED,
            interval=Duration.seconds(10),
            max_attempts=20,
            backoff_rate=2,
            max_delay=Duration.minutes(5),
        )
        # A transient error (storage, throttling inside the step): the failure record is already
        # written and stays only if every retry fails. StepNotRecorded: not even the record could be
        # written; after the retries RecordFailure writes it.
        task.add_retry(
            errors=["StepRetryable", "StepNotRecorded"],
            interval=Duration.seconds(20),
            max_attempts=2,
            backoff_rate=2,
        )
        return task

    def _plan(self) -> tasks.LambdaInvoke:
        plan = self._task(
            "Plan",
            {
                "step": "plan",
                "patient_ref": _s("$.patient_ref"),
                "input": sfn.JsonPath.entire_payload,
                "execution": _s("$$.Execution.Name"),
                "state_machine": _s("$$.StateMachine.Id"),
            },
            (PlanOutput, {"status": "status", "key": "plan", "segments": "segments"}),
        )
        # The patient's earlier long videos hold the slots: wait (up to ~4 h), first come first served.
        plan.add_retry(
            errors=["PatientBusyError"],
            interval=Duration.seconds(60),
            max_attempts=50,
            backoff_rate=1.5,
            max_delay=Duration.minutes(5),
        )
        return plan

    def _per_index(self, construct_id: str) -> tasks.LambdaInvoke:
        """The ``segment`` or ``draw`` step of the Map item ``{patient_ref, plan, index}``."""
        payload = {"patient_ref": _s("$.patient_ref"), "plan": _s("$.plan"), "index": _s("$.index")}
        return self._task(construct_id, {"step": construct_id.lower(), **payload}, None)

    def _map(
        self, construct_id: str, items_path: str, processor: sfn.IChainable, result_path: str
    ) -> sfn.Map:
        """At most ``map_concurrency`` items at once, each ``{patient_ref, plan key, index}``."""
        state = sfn.Map(
            self,
            construct_id,
            items_path=items_path,
            item_selector={
                "patient_ref": _s("$.patient_ref"),
                "plan": _s("$.plan.key"),
                "index": sfn.JsonPath.number_at("$$.Map.Item.Value"),
            },
            max_concurrency=self.map_concurrency,
            result_path=result_path,
        )
        state.item_processor(processor)
        return state

    def _each(self, step: str) -> sfn.IChainable:
        """``step`` for one item; a failure is caught per item as ``{index, error}``, so every item
        runs (the next step names each failed one)."""
        task = self._per_index(step)
        failed = sfn.Pass(
            self, f"{step}Failed", parameters={"index": _s("$.index"), "error": _s("$.error.Error")}
        )
        task.add_catch(failed, errors=["States.ALL"], result_path="$.error")
        return task.next(sfn.Pass(self, f"{step}Done", parameters={"index": _s("$.index")}))

    def _segments(self) -> sfn.Map:
        """Every segment; a failed one becomes ``{index, error}`` (the Join names it)."""
        return self._map("Segments", "$.plan.segments", self._each("Segment"), "$.segments")

    def _redraws(self) -> sfn.Map:
        """Every segment to draw again; a failed one becomes ``{index, error}`` (the Merge names it)."""
        return self._map("Redraws", "$.join.redraw", self._each("Draw"), "$.redraws")

    def _definition(self) -> sfn.IChainable:
        plan = self._plan()
        join = self._task(
            "Join",
            {
                "step": "join",
                "patient_ref": _s("$.patient_ref"),
                "plan": _s("$.plan.key"),
                "segments": sfn.JsonPath.list_at("$.segments"),
            },
            (JoinOutput, {"redraw": "redraw"}),
        )
        merge = self._task(
            "Merge",
            {
                "step": "merge",
                "patient_ref": _s("$.patient_ref"),
                "plan": _s("$.plan.key"),
                "draws": sfn.JsonPath.list_at("$.redraws"),
            },
            (MergeOutput, {"session_ref": "session_ref", "events": "events", "samples": "samples"}),
        )
        failed = sfn.Fail(self, "Failed", error="LongVideoFailed", cause="See the upload's failure record.")
        record = self._task(
            "RecordFailure",
            {
                "step": "fail",
                "patient_ref": _s("$.patient_ref"),
                "key": _s("$.key"),
                "error": _s("$.error.Error"),
            },
            None,
        ).next(failed)
        redraws = self._redraws()
        for step in (plan, join, redraws, merge):
            step.add_catch(record, errors=["States.ALL"], result_path="$.error")
        assert set(RECORDED) == {"StepFailed", "StepRetryable"}  # what RecordFailure leaves alone
        return plan.next(
            sfn.Choice(self, "AlreadyProcessed?")
            .when(sfn.Condition.string_equals("$.plan.status", "done"), sfn.Succeed(self, "Done"))
            .otherwise(
                self._segments().next(join).next(redraws).next(merge).next(sfn.Succeed(self, "Processed"))
            )
        )
