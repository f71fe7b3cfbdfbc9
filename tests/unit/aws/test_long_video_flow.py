"""The long-video state machine's payloads: what a step accepts, what it answers, and the paths
infra writes from their field names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voice.aws.flow import path
from voice.aws.long_video_flow import ExecutionInput, JoinOutput, PlanOutput, StepEvent


def test_a_plan_task_payload_parses_with_its_execution_input() -> None:
    event = StepEvent.model_validate(
        {
            "step": "plan",
            "patient_ref": "p-1a2b",
            "input": {"key": "maria/visit.MOV", "version": "v3", "patient_ref": "p-1a2b"},
            "execution": "p-1a2b-0f",
            "state_machine": "arn:aws:states:eu-west-1:123456789012:stateMachine:long",
        }
    )
    assert event.input == ExecutionInput(key="maria/visit.MOV", version="v3", patient_ref="p-1a2b")
    assert (event.index, event.segments) == (0, [])


def test_an_unknown_step_or_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        StepEvent.model_validate({"step": "transcode"})
    with pytest.raises(ValidationError, match="pln"):
        StepEvent.model_validate({"step": "segment", "pln": "k"})


def test_a_plan_answer_is_done_or_planned_and_infra_paths_name_real_fields() -> None:
    assert PlanOutput(status="done").model_dump() == {"status": "done", "plan": "", "segments": []}
    with pytest.raises(ValidationError):
        PlanOutput(status="maybe")  # type: ignore[arg-type]
    assert path(PlanOutput, "segments", at="$.Payload") == "$.Payload.segments"
    assert path(JoinOutput, "redraw", at="$.Payload") == "$.Payload.redraw"
    with pytest.raises(KeyError):
        path(JoinOutput, "redraws")
