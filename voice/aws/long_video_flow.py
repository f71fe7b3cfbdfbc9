"""What the long-video state machine's tasks take and return: one definition, used by the steps
(:mod:`voice.aws.long_videos`, ``lambdas/long_video.py``) and by
``infra/components/long_videos.py`` (to write the JSON paths).

Execution input (the video Lambda starts it; the state machine is encrypted with the stack's key
because keys name the patient)::

    {"key": "<patient>/<file>", "version": "<object version>", "patient_ref": "<ref>", "force": false}

Payloads and results hold keys, the patient's keyed reference, indices, counts and error names —
never narration.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ExecutionInput",
    "FailOutput",
    "IndexOutput",
    "JoinOutput",
    "MergeOutput",
    "PlanOutput",
    "SegmentOutcome",
    "Step",
    "StepEvent",
    "StepOutput",
]

Step = Literal["plan", "segment", "join", "draw", "merge", "fail"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExecutionInput(_Model):
    """What the video Lambda starts an execution with: the upload (its exact version) and the
    patient's keyed reference (for logs and the per-patient admission)."""

    key: str
    version: str | None
    patient_ref: str
    #: A new attempt asked for (``voice cloud reprocess``): processed even if the session is complete.
    force: bool = False


class SegmentOutcome(_Model):
    """One iteration of the Segments or Redraws map: its index and, when it failed, the error's name."""

    index: int
    error: str | None = None


class StepEvent(_Model):
    """A task's payload. ``plan``: the execution input, name and state machine; ``segment`` and
    ``draw``: the plan's key and an index; ``join``: the segments' outcomes; ``merge``: the
    redraws' outcomes; ``fail``: the error."""

    step: Step
    patient_ref: str = ""
    input: ExecutionInput | None = None
    execution: str = ""
    state_machine: str = ""
    plan: str = ""
    index: int = 0
    segments: list[SegmentOutcome] = []
    draws: list[SegmentOutcome] = []
    key: str = ""
    error: str = ""


class PlanOutput(_Model):
    """``planned`` (the plan's key, one index per segment) or ``done`` (already processed)."""

    status: Literal["planned", "done"]
    plan: str = ""
    segments: list[int] = []


class IndexOutput(_Model):
    """A segment passed or drawn again."""

    index: int


class JoinOutput(_Model):
    """The segments to draw again after the join."""

    redraw: list[int]


class MergeOutput(_Model):
    """The session written: its reference (not its id: the id holds the file stem) and counts."""

    session_ref: str
    events: int
    samples: int


class FailOutput(_Model):
    """Whether the fail step wrote a record (False: a step had recorded its own)."""

    recorded: bool


StepOutput = PlanOutput | IndexOutput | JoinOutput | MergeOutput | FailOutput
