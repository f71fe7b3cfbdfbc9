"""The "To review" kinds this package provides (registered on import):

- ``model_uncertain``: a prediction window no label covers (an un-narrated video, or an
  un-narrated stretch of one) where the model is least sure — score ``1 - top probability``
  (a window the model itself calls unsure scores at least 0.5).
- ``narration_vs_model``: a counting label whose overlapping predictions put another emotion
  first — score: how much more probable that emotion is than the label's, on average.

Both read the session's metadata (predictions) and its effective labels through
:mod:`voice.labels.service`; sessions without predictions give no items.
"""

from __future__ import annotations

from collections.abc import Iterator

from voice.labels.service import list_sessions, session_labels
from voice.labels.stored import load_session
from voice.records.labels import LabelRecord
from voice.records.session import PredictionRecord
from voice.review.items import ReviewItem, provider
from voice.storage import Store

__all__ = ["model_uncertain", "narration_vs_model"]

#: A window whose top probability is at least this is not worth a look for uncertainty alone.
CERTAIN = 0.8


def _sessions(store: Store, patient: str) -> Iterator[tuple[str, list[LabelRecord], list[PredictionRecord]]]:
    for summary in list_sessions(store, patient):
        meta = load_session(store, patient, summary.session).metadata
        if meta.predictions:
            yield meta.session, session_labels(store, patient, meta.session).labels, meta.predictions


def _covered(window: PredictionRecord, labels: list[LabelRecord]) -> bool:
    return any(label.counts and label.start < window.end and label.end > window.start for label in labels)


@provider("model_uncertain")
def model_uncertain(store: Store, patient: str) -> Iterator[ReviewItem]:
    """Prediction windows no counting label covers, where the model is least sure (module notes)."""
    for session, labels, predictions in _sessions(store, patient):
        for window in predictions:
            if _covered(window, labels):
                continue
            top = max(window.probabilities.values(), default=1.0)
            score = max(1.0 - top, 0.5 if window.unsure else 0.0)
            if top >= CERTAIN and not window.unsure:
                continue
            guess = "unsure" if window.unsure else f"leans {window.label}"
            yield ReviewItem(
                session=session,
                start=window.start,
                end=window.end,
                kind="model_uncertain",
                score=round(min(score, 1.0), 4),
                why=f"nobody narrated this; the model is not sure ({guess}, {top:.0%} at most)",
            )


@provider("narration_vs_model")
def narration_vs_model(store: Store, patient: str) -> Iterator[ReviewItem]:
    """Counting labels the model's predictions disagree with (module notes)."""
    for session, labels, predictions in _sessions(store, patient):
        for label in labels:
            over = [p for p in predictions if label.counts and p.start < label.end and p.end > label.start]
            if not over:
                continue
            emotions = over[0].probabilities.keys()
            mean = {e: sum(p.probabilities.get(e, 0.0) for p in over) / len(over) for e in emotions}
            best = max(mean, key=lambda e: mean[e])
            if best == label.emotion:
                continue
            gap = mean[best] - mean.get(label.emotion, 0.0)
            yield ReviewItem(
                session=session,
                start=label.start,
                end=label.end,
                kind="narration_vs_model",
                score=round(min(max(gap, 0.0), 1.0), 4),
                why=(
                    f"labelled {label.emotion} ({label.status}); the model says {best} "
                    f"({mean[best]:.0%} vs {mean.get(label.emotion, 0.0):.0%})"
                ),
            )
