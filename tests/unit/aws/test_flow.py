"""The training state machine's task inputs and outputs: the sample events parse, flags from a console
start are read as the state machine means them, nothing unexpected passes, JSON paths exist."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.support.aws import load_event
from voice.aws.flow import AnalyzeEvent, AnalyzeOutput, ExecutionInput, PromoteInput, PromoteOutput, path


def test_the_sample_task_events_parse() -> None:
    analyze = AnalyzeEvent.model_validate(load_event("sfn_analyze.json"))
    assert analyze.input == ExecutionInput(patient="maria", patient_ref="906f90e76f2d6755")
    assert analyze.execution.startswith(analyze.input.patient_ref)
    promote = PromoteInput.model_validate(load_event("sfn_promote.json"))
    assert promote.model_artifacts.endswith(f"/{promote.training_job_name}/output/model.tar.gz")


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        (True, True),
        ("true", True),
        (" TRUE ", True),
        (False, False),
        ("false", False),
        ("yes", False),
        (1, False),
    ],
)
def test_force_and_gate_are_true_only_when_they_say_true(value: object, flag: bool) -> None:
    execution = ExecutionInput.model_validate(
        {"patient": "maria", "patient_ref": "r", "force": value, "gate": value}
    )
    assert (execution.force, execution.gate) == (flag, flag)


def test_an_unknown_field_or_a_missing_one_is_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ExecutionInput.model_validate({"patient": "maria", "patient_ref": "r", "forse": True})
    with pytest.raises(ValidationError, match="patient_ref"):
        PromoteInput.model_validate(
            {"patient": "maria", "training_job_name": "j", "model_artifacts": "s3://b/k"}
        )


def test_outputs_are_frozen_and_hyperparameters_are_strings() -> None:
    out = PromoteOutput(promoted=True, reason="promoted: …", run_id="20261121T120000Z-abcdef12")
    with pytest.raises(ValidationError):
        out.promoted = False  # type: ignore[misc]
    fields = {
        "train": True,
        "reasons_text": "enough data",
        "counts_json": "{}",
        "training_job_name": "voice-r-1",
        "train_uri": "s3://p/maria/",
        "output_uri": "s3://p/models/maria/",
        "gate": True,
        "cooldown_s": 3600,
    }
    assert AnalyzeOutput(**fields, force="true").force == "true"
    with pytest.raises(ValidationError):
        AnalyzeOutput(**fields, force=True)  # type: ignore[arg-type]


def test_paths_name_real_fields_only() -> None:
    assert path(AnalyzeOutput, "train") == "$.train"
    assert path(PromoteInput, "model_artifacts", at="$.promote") == "$.promote.model_artifacts"
    with pytest.raises(KeyError, match="AnalyzeOutput has no field 'trian'"):
        path(AnalyzeOutput, "trian")
