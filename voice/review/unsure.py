"""The ``unsure`` provider of the "To review" list: windows the calibrated model called "unsure".

Reads every stored session's metadata (``annotated/<patient>/<session>_metadata.json``) and lists
each prediction window marked ``unsure`` (top probability below the run's threshold,
``docs/model.md``). The less sure the model, the higher the score: ``1 − top probability``.
"""

from __future__ import annotations

from collections.abc import Iterator

from voice.records.session import PredictionRecord
from voice.records.stored import session_metadata
from voice.review.items import ReviewItem, provider
from voice.storage import Store

__all__ = ["unsure_items", "why"]


def why(prediction: PredictionRecord) -> str:
    """ "The model is unsure here: happiness 41 %, sadness 35 %." (its two likeliest emotions)."""
    ranked = sorted(prediction.probabilities.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    guesses = ", ".join(f"{emotion} {100 * p:.0f} %" for emotion, p in ranked)
    return f"The model is unsure here: {guesses}." if guesses else "The model is unsure here."


@provider("unsure")
def unsure_items(store: Store, patient: str) -> Iterator[ReviewItem]:
    """One item per unsure prediction window of ``patient``'s stored sessions."""
    for meta in session_metadata(store, patient, skipped_in="the review list"):
        for p in meta.predictions:
            if not p.unsure:
                continue
            top = max(p.probabilities.values(), default=0.0)
            yield ReviewItem(
                session=meta.session,
                start=max(p.start, 0.0),
                end=max(p.end, p.start, 0.0),
                kind="unsure",
                score=min(max(1.0 - top, 0.0), 1.0),
                why=why(p),
            )
