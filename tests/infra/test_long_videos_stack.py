"""The long-video state machine and its steps function in the synthesized stack."""

from __future__ import annotations

from typing import Any

from tests.infra import template
from tests.infra.conftest import FAKE_ACCOUNT, FAKE_REGION, Synth, fake_refs

TOP_TASKS = ("Plan", "Join", "Merge")


def _steps_function(synth: Synth) -> tuple[str, dict[str, Any]]:
    return synth.one("AWS::Lambda::Function", "LongVideosStepsFunction")


def _map_tasks(asl: dict[str, Any], map_state: str) -> dict[str, Any]:
    return dict(asl["States"][map_state]["ItemProcessor"]["States"])


def test_the_state_machine_is_encrypted_traced_and_logs_no_execution_data(synth: Synth) -> None:
    _, sm = synth.one("AWS::StepFunctions::StateMachine", "LongVideosStateMachine")
    props = sm["Properties"]
    key_id, _ = synth.one("AWS::KMS::Key", "StorageDataKey")
    assert props["StateMachineName"] == "VoiceStack-long-videos"
    assert props["EncryptionConfiguration"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False
    (group_id, _attr) = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"]
    group = synth.template["Resources"][group_id]["Properties"]
    assert group["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert "long-videos" in str(group["LogGroupName"])


def test_the_flow_plans_maps_segments_joins_redraws_and_merges(long_asl: dict[str, Any]) -> None:
    states = long_asl["States"]
    assert long_asl["StartAt"] == "Plan"
    assert long_asl["TimeoutSeconds"] == 12 * 3600
    assert states["Plan"]["Next"] == "AlreadyProcessed?"
    choice = states["AlreadyProcessed?"]
    assert choice["Choices"] == [{"Variable": "$.plan.status", "StringEquals": "done", "Next": "Done"}]
    assert choice["Default"] == "Segments"
    assert [states[s]["Next"] for s in ("Segments", "Join", "Redraws", "Merge")] == [
        "Join",
        "Redraws",
        "Merge",
        "Processed",
    ]
    for name, items in (("Segments", "$.plan.segments"), ("Redraws", "$.join.redraw")):
        state = states[name]
        assert state["Type"] == "Map"
        assert state["ItemsPath"] == items
        assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}  # 60 segments: inline
        assert state["MaxConcurrency"] == 10
        assert state["ItemSelector"]["index.$"] == "$$.Map.Item.Value"


def test_every_step_is_the_steps_function_with_a_small_payload(
    synth: Synth, long_asl: dict[str, Any]
) -> None:
    """Keys, indices, the patient's reference, error names: nothing else enters a task."""
    fn_id, _ = _steps_function(synth)
    tasks = {n: s for n, s in long_asl["States"].items() if s["Type"] == "Task"}
    tasks.update(_map_tasks(long_asl, "Segments"))
    tasks.update(_map_tasks(long_asl, "Redraws"))
    tasks = {n: s for n, s in tasks.items() if s["Type"] == "Task"}
    assert set(tasks) == {"Plan", "Segment", "Join", "Draw", "Merge", "RecordFailure"}
    allowed = {"step", "patient_ref", "input.$", "execution.$", "state_machine.$", "plan.$", "index.$"}
    allowed |= {"segments.$", "draws.$", "key.$", "error.$", "patient_ref.$"}
    for name, task in tasks.items():
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"].endswith(f":function:{fn_id.lower()}")
        payload = task["Parameters"]["Payload"]
        assert set(payload) <= allowed, (name, payload)
        assert payload["step"] == {"RecordFailure": "fail"}.get(name, name.lower())


def test_errors_are_retried_when_they_may_pass_and_recorded_when_they_do_not(
    long_asl: dict[str, Any],
) -> None:
    states = long_asl["States"]
    for name in (*TOP_TASKS, "Redraws"):
        (catch,) = states[name]["Catch"]
        assert catch == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}
    assert states["RecordFailure"]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"
    # A failed segment, or a failed redraw, is caught inside its Map: every item runs, and the next
    # step (the Join, the Merge) names each failed one in the failure record.
    for map_state, step in (("Segments", "Segment"), ("Redraws", "Draw")):
        task = _map_tasks(long_asl, map_state)[step]
        (catch,) = task["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"]
        assert catch["Next"] == f"{step}Failed"
        failed = _map_tasks(long_asl, map_state)[f"{step}Failed"]
        assert failed["Parameters"] == {"index.$": "$.index", "error.$": "$.error.Error"}
    assert states["Redraws"]["ResultPath"] == "$.redraws"
    assert states["Merge"]["Parameters"]["Payload"]["draws.$"] == "$.redraws"
    segment, draw = _map_tasks(long_asl, "Segments")["Segment"], _map_tasks(long_asl, "Redraws")["Draw"]
    for task in (*(states[n] for n in TOP_TASKS), segment, draw):
        retried = {e for r in task["Retry"] for e in r["ErrorEquals"]}
        assert {"Lambda.ServiceException", "Lambda.TooManyRequestsException", "StepRetryable"} <= retried
        # Not even the failure record could be written: retried, then RecordFailure writes it.
        assert "StepNotRecorded" in retried
        assert "StepFailed" not in retried
    (busy,) = [r for r in states["Plan"]["Retry"] if r["ErrorEquals"] == ["PatientBusyError"]]
    waited = sum(
        min(busy["IntervalSeconds"] * busy["BackoffRate"] ** k, busy["MaxDelaySeconds"]) for k in range(49)
    )
    assert 3 * 3600 < waited < long_asl["TimeoutSeconds"] - 3 * 3600  # hours of patience, then work


def test_the_steps_function_is_sized_like_the_video_function_with_reserved_concurrency(synth: Synth) -> None:
    _, fn = _steps_function(synth)
    props = fn["Properties"]
    assert props["ImageConfig"]["Command"] == ["lambdas.long_video.handler"]
    assert (props["MemorySize"], props["Timeout"]) == (3538, 900)
    assert props["EphemeralStorage"] == {"Size": 10240}
    assert props["ReservedConcurrentExecutions"] == 20
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Environment"]["Variables"]["VOICE_LONG_VIDEOS_PER_PATIENT"] == "1"


def test_one_patient_may_use_at_most_half_the_reserved_concurrency(
    synth: Synth, long_asl: dict[str, Any]
) -> None:
    """One patient's long videos at once × each video's Map width ≤ half the steps function's
    reservation: another patient's video always finds room. The stack refuses anything else."""
    import aws_cdk as cdk
    import pytest

    from infra.components.long_videos import check_patient_share
    from infra.stack import VoiceStack

    _, fn = _steps_function(synth)
    reserved = fn["Properties"]["ReservedConcurrentExecutions"]
    per_patient = int(fn["Properties"]["Environment"]["Variables"]["VOICE_LONG_VIDEOS_PER_PATIENT"])
    widths = {long_asl["States"][m]["MaxConcurrency"] for m in ("Segments", "Redraws")}
    assert per_patient * max(widths) * 2 <= reserved
    check_patient_share(2, 5, 20)  # 10 of 20: allowed
    check_patient_share(2, 10, None)  # nothing reserved: nothing to share
    with pytest.raises(ValueError, match="at most half"):
        check_patient_share(2, 10, 20)  # the old defaults: one patient could take all 20
    with pytest.raises(ValueError, match="at most half"):
        VoiceStack(cdk.App(), "Greedy", long_videos_per_patient=3, long_video_map_concurrency=4)


def test_the_video_function_may_start_executions_and_encrypt_their_input(synth: Synth) -> None:
    sm_id, _ = synth.one("AWS::StepFunctions::StateMachine", "LongVideosStateMachine")
    env = template.video_function(synth)[1]["Properties"]["Environment"]["Variables"]
    assert env["VOICE_LONG_VIDEO_STATE_MACHINE_ARN"] == {"Ref": sm_id}
    refs = fake_refs(synth.template)
    statements = template.statements(synth, "ProcessingVideoProcessorRole")
    assert template.resources_for(statements, "states:StartExecution") == {refs[sm_id]}
    (key_statement,) = [st for st in statements if st.get("Sid") == "ExecutionInputKey"]
    assert set(key_statement["Condition"]["StringEquals"]) == {
        "kms:EncryptionContext:aws:states:stateMachineArn"
    }


def test_the_steps_role_does_the_video_work_and_writes_and_deletes_only_segment_work_files(
    synth: Synth,
) -> None:
    refs = fake_refs(synth.template)
    videos = refs[f"{template.bucket(synth, 'Videos')[0]}.Arn"]
    patients = refs[f"{template.bucket(synth, 'Patients')[0]}.Arn"]
    steps = template.statements(synth, "LongVideosStepsFunctionRole")
    video = template.statements(synth, "ProcessingVideoProcessorRole")
    for action in ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"):
        assert template.resources_for(steps, action) == template.resources_for(video, action), action
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert template.resources_for(steps, action) == template.resources_for(video, action) | {
            f"{videos}/work/segments/*"
        }, action
    (deny,) = [st for st in steps if st["Effect"] == "Deny"]
    assert deny["Resource"] == [f"{patients}/models/*", f"{patients}/work/*"]
    # It counts the running executions of its own state machine only (the per-patient admission).
    arn = f"arn:aws:states:{FAKE_REGION}:{FAKE_ACCOUNT}:stateMachine:VoiceStack-long-videos"
    assert template.resources_for(steps, "states:ListExecutions") == {arn}
    assert not any(
        a.startswith("states:") and a != "states:ListExecutions" for st in steps for a in template.actions(st)
    )


def test_failed_long_videos_raise_an_alarm(synth: Synth) -> None:
    sm_id, _ = synth.one("AWS::StepFunctions::StateMachine", "LongVideosStateMachine")
    watched = {
        (a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"].get("Ref"))
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
    }
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"):
        assert (metric, sm_id) in watched
