"""What the training state machine's tasks take and return: one definition, used by the handlers
(to parse and to answer) and by ``infra/components/training.py`` (to write the JSON paths).

Execution input (the gate and ``voice cloud train`` start it; the state machine is encrypted
with the stack's key because the input names the patient)::

    {"patient": "<name>", "patient_ref": "<ref>", "force": false, "gate": true}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["AnalyzeEvent", "AnalyzeOutput", "ExecutionInput", "PromoteInput", "PromoteOutput", "path"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _flag(value: object) -> bool:
    """``true`` as JSON or as text (a console start); anything else is false."""
    return str(value).strip().lower() == "true"


class ExecutionInput(_Model):
    patient: str
    patient_ref: str
    force: bool = False
    gate: bool = False  # started by the gate: it holds the patient's lock through the cooldown

    @field_validator("force", "gate", mode="before")
    @classmethod
    def _as_flag(cls, value: object) -> bool:
        return _flag(value)


class AnalyzeEvent(_Model):
    """The Analyze task's payload: the execution input and the execution's name."""

    input: ExecutionInput
    execution: str


class AnalyzeOutput(_Model):
    """The gate's decision, ready for the history row and the training job (no patient name)."""

    train: bool
    reasons_text: str
    counts_json: str
    training_job_name: str
    train_uri: str
    output_uri: str
    #: SageMaker hyperparameters are strings; training/train.py reads "true".
    force: Literal["true", "false"]
    gate: bool
    cooldown_s: int


class PromoteInput(_Model):
    patient: str
    patient_ref: str
    training_job_name: str
    model_artifacts: str


class PromoteOutput(_Model):
    promoted: bool
    reason: str
    run_id: str


def path(model: type[BaseModel], field: str, *, at: str = "$") -> str:
    """``<at>.<field>`` for a field the model really has (a typo fails at synth, not at run time)."""
    if field not in model.model_fields:
        raise KeyError(f"{model.__name__} has no field {field!r}")
    return f"{at}.{field}"
