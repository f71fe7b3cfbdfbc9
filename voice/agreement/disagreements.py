"""The "To review" list's ``people_disagree`` items: where two people (reviewers, imported coders,
or the narration against a coder) gave different emotions, longest stretches first.

Registered on import (``voice.review.items.provider``); whatever lists the "To review" items for
people imports this module (the CLI does; the review page, above this layer, does too).
"""

from __future__ import annotations

from voice.agreement.patient import patient_agreement
from voice.config import get_settings
from voice.exchange.sources import MODEL
from voice.records.exchange import Disagreement
from voice.review.items import ReviewItem, provider
from voice.storage import Store

__all__ = ["FULL_SCORE_S", "people_disagree", "review_item"]

#: A disagreement this long (seconds) or longer scores 1; shorter ones from 0.5 up.
FULL_SCORE_S = 5.0


def review_item(d: Disagreement) -> ReviewItem:
    """One disagreement as a "To review" item."""
    length = d.end - d.start
    return ReviewItem(
        session=d.session,
        start=d.start,
        end=d.end,
        kind="people_disagree",
        score=round(0.5 + 0.5 * min(1.0, length / FULL_SCORE_S), 4),
        why=f"{d.a.name} says {d.a_emotion}, {d.b.name} says {d.b_emotion} ({length:g} s)",
    )


@provider("people_disagree")
def people_disagree(store: Store, patient: str) -> list[ReviewItem]:
    """Every stretch where two people's labels disagree (the model's are ``narration_vs_model``'s)."""
    doc = patient_agreement(store, patient, settings=get_settings(), resamples=0)
    return [review_item(d) for d in doc.disagreements if MODEL not in (d.a.source, d.b.source)]
