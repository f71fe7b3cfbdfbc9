"""Every source's label intervals of one session: the narration, each reviewer, each imported coder,
the model's predictions and the effective labels (what trains).

A person's (or an importer's) coding is the labels as *their* reviews alone leave them: the
session's narrated events with only that author's reviews applied (:func:`voice.labels.effective.
resolve`), keeping the labels they decided. So a reviewer's coding holds what they confirmed,
changed, counted, rejected and added, and nothing they did not look at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from voice.labels.effective import NARRATION, resolve
from voice.records.reviews import ReviewRecord
from voice.records.session import SessionMetadata

__all__ = [
    "EFFECTIVE",
    "IMPORT",
    "MODEL",
    "NOT_COUNTED",
    "REVIEW",
    "Interval",
    "coder_intervals",
    "coder_keys",
    "effective_intervals",
    "narration_intervals",
    "prediction_intervals",
    "session_intervals",
]

#: Sources of labels (``ReviewRecord.source`` for people and importers).
REVIEW: Final = "review"
IMPORT: Final = "import"
MODEL: Final = "model"
EFFECTIVE: Final = "effective"
#: The value of an interval that is not a label (a rejected label, an ignored or negated event).
NOT_COUNTED: Final = "not counted"


@dataclass(frozen=True)
class Interval:
    """One labelled interval of one source. ``emotion`` None: not a label (``note`` says why);
    ``label``: the label's id ("" for a prediction); ``note``: the status, reason or probability."""

    session: str
    source: str
    author: str
    start: float
    end: float
    emotion: str | None
    label: str = ""
    note: str = ""

    @property
    def value(self) -> str:
        return self.emotion if self.emotion is not None else NOT_COUNTED


def narration_intervals(meta: SessionMetadata) -> list[Interval]:
    """The narrated events as the narration says them (every event; those that do not count with
    their reason)."""
    labels = resolve(meta.events, []).labels
    return [
        Interval(
            meta.session,
            NARRATION,
            NARRATION,
            label.start,
            label.end,
            label.emotion if label.counts else None,
            label.id,
            "" if label.counts else f"{label.emotion}: {label.ignored}",
        )
        for label in labels
    ]


def coder_keys(reviews: Sequence[ReviewRecord]) -> list[tuple[str, str]]:
    """The (source, author) pairs that reviewed or coded the session, in first-seen order."""
    return list(dict.fromkeys((r.source, r.author) for r in reviews))


def coder_intervals(
    meta: SessionMetadata, reviews: Sequence[ReviewRecord], source: str, author: str
) -> list[Interval]:
    """The labels one author's reviews decided, as only their reviews leave them."""
    own = [r for r in reviews if (r.source, r.author) == (source, author)]
    out = []
    for label in resolve(meta.events, own).labels:
        if label.reviews == 0:
            continue
        emotion = label.emotion if label.counts else None
        note = label.status if label.reason is None else f"{label.status}: {label.reason}"
        out.append(Interval(meta.session, source, author, label.start, label.end, emotion, label.id, note))
    return out


def effective_intervals(
    meta: SessionMetadata, reviews: Sequence[ReviewRecord], *, training_only: bool = True
) -> list[Interval]:
    """The effective labels that train (counting, no conflict); with ``training_only`` False every
    label: counting ones with their emotion (a conflict noted), the rest "not counted"."""
    return [
        Interval(
            meta.session,
            EFFECTIVE,
            label.author,
            label.start,
            label.end,
            label.emotion if label.counts else None,
            label.id,
            "conflict" if label.conflicts and label.counts else label.status,
        )
        for label in resolve(meta.events, reviews).labels
        if label.trains or not training_only
    ]


def prediction_intervals(meta: SessionMetadata) -> list[Interval]:
    """The promoted model's predictions stored with the session (windows may overlap; the top
    emotion even when the model is unsure, which the note says)."""
    return [
        Interval(
            meta.session,
            MODEL,
            MODEL,
            p.start,
            p.end,
            p.label,
            "",
            f"{p.label} p={max(p.probabilities.values(), default=0.0):.2f}" + (" unsure" if p.unsure else ""),
        )
        for p in meta.predictions
    ]


def session_intervals(meta: SessionMetadata, reviews: Sequence[ReviewRecord]) -> list[Interval]:
    """Every source's intervals: narration, each reviewer and coder, the model, the effective labels."""
    out = narration_intervals(meta)
    for source, author in coder_keys(reviews):
        out += coder_intervals(meta, reviews, source, author)
    return out + prediction_intervals(meta) + effective_intervals(meta, reviews)
