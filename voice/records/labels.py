"""A session's effective labels as people and programs read them (``voice labels list --json``,
the review page), and what a derivation of samples did (``docs/labels.md``)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from voice.records.base import Record
from voice.records.reviews import LabelSummary, ReviewRecord
from voice.records.session import RecordedAtRecord

__all__ = [
    "LABELS_SCHEMA",
    "DerivationRecord",
    "LabelRecord",
    "LabelStatus",
    "ReviewOutcome",
    "SessionLabels",
    "SessionSummary",
]

LABELS_SCHEMA: Final = "voice.labels/1"

LabelStatus = Literal["narrated", "ignored", "confirmed", "changed", "counted", "added", "rejected"]


class LabelRecord(Record):
    """One effective label. ``kind``: narrated (an event of the narration) or added (by a review).
    ``start``/``end``: the window its sample is taken from (a narrated event's window, an added
    label's range); ``time``, ``keyword``, ``text``: a narrated event's time, emotion word and
    sentence. ``emotion``: as it stands after the reviews;
    ``narrated_emotion``: what the narration said; ``ignored``: why the narration does not count it
    (``negated`` or the parser's reason). ``counts``: it is a label after its last review;
    ``trains``: it counts and conflicts with nothing (``conflicts``: the ids it conflicts with).
    ``author``/``source``/``reason``/``reviewed_at``: of the review that decided it (``narration``
    when none did); ``reviews``: how many reviews it has."""

    id: str
    kind: Literal["narrated", "added"]
    start: float
    end: float
    time: float | None = None
    emotion: str
    narrated_emotion: str | None = None
    keyword: str | None = None
    text: str | None = None
    ignored: str | None = None
    status: LabelStatus
    counts: bool
    trains: bool
    author: str
    source: str
    reason: str | None = None
    reviewed_at: str | None = None
    reviews: int = 0
    conflicts: list[str] = Field(default_factory=list)


class SessionLabels(Record):
    """``voice labels list PATIENT SESSION --json``: the session's labels in time order, the
    reviews whose event no longer exists (``orphans``), the tallies, and ``version``: the reviews
    file's version tag (None: no review yet) — pass it back with a change, and a change someone
    made meanwhile is a conflict instead of being overwritten. ``pose_track``: the session has its
    whole pose track (without it, reprocess the session before changing its labels)."""

    schema_: Literal["voice.labels/1"] = Field(LABELS_SCHEMA, alias="schema")
    patient: str
    session: str
    recorded_at: RecordedAtRecord | None = None
    duration_s: float
    pose_track: bool
    version: str | None = None
    labels: list[LabelRecord]
    orphans: list[ReviewRecord] = Field(default_factory=list)
    summary: LabelSummary


class SessionSummary(Record):
    """One session in ``voice labels list PATIENT``: when it was recorded, its samples and labels."""

    session: str
    recorded_at: RecordedAtRecord | None = None
    samples: int
    labels: LabelSummary | None = None
    pose_track: bool


class DerivationRecord(Record):
    """What writing a session's samples from its labels did: the sample folders written and
    deleted (``patients/``-relative prefixes), how many were already right (``unchanged``), the
    labels whose windows do not show the patient (``no_patient``: no sample), the tallies, and
    whether the session index was rewritten (on AWS that starts the training gate)."""

    session: str
    samples: int
    written: list[str] = Field(default_factory=list)
    deleted: list[str] = Field(default_factory=list)
    unchanged: int = 0
    no_patient: list[str] = Field(default_factory=list)
    summary: LabelSummary
    index_written: bool = False


class ReviewOutcome(Record):
    """What a change to a session's labels did: the reviews written, the reviews file's new
    version tag, the samples written from the labels (``derivation``; None when the stack derives
    them, as with ``--store s3``), and the labels as they now stand."""

    reviews: list[ReviewRecord]
    version: str
    derivation: DerivationRecord | None = None
    labels: SessionLabels
