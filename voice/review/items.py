"""The "To review" list: moments across a patient's sessions most worth a person's look.

An item says where (session, start, end in seconds of the video), what kind of moment it is, how
much it is worth a look (``score`` in [0, 1], higher first) and why, in words the page shows. Parts
of VOICE add kinds by registering a *provider*: a function ``(store, patient) -> items``. The
review page lists :func:`to_review`; each item opens the player at ``start``.

Kinds (each provider owns one; the page may filter by kind):

- ``model_uncertain``: the model's least certain windows in videos nobody narrated;
- ``narration_vs_model``: a counted narrated label the model's prediction disagrees with;
- ``people_disagree``: two label sources (reviewers, imported coders) disagree (agreement);
- ``unsure``: a window the calibrated model calls "unsure".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import Field, model_validator

from voice.errors import VoiceError
from voice.records.base import Record
from voice.storage import Store

__all__ = ["ItemKind", "Provider", "ReviewItem", "provider", "providers", "to_review"]

log = logging.getLogger("voice")

ItemKind = Literal["model_uncertain", "narration_vs_model", "people_disagree", "unsure"]


class ReviewItem(Record):
    """One moment worth a look. ``why`` is shown to the person reviewing (never logged)."""

    session: str
    start: float = Field(ge=0)
    end: float
    kind: ItemKind
    score: float = Field(ge=0, le=1)
    why: str

    @model_validator(mode="after")
    def _ordered(self) -> ReviewItem:
        if self.end < self.start:
            raise ValueError(f"end {self.end} before start {self.start}")
        return self


Provider = Callable[[Store, str], Iterable[ReviewItem]]

_PROVIDERS: dict[str, Provider] = {}


def provider(name: str) -> Callable[[Provider], Provider]:
    """Register a provider under ``name`` (registering the same name again replaces it)."""

    def register(fn: Provider) -> Provider:
        _PROVIDERS[name] = fn
        return fn

    return register


def providers() -> dict[str, Provider]:
    """The registered providers by name (a copy)."""
    return dict(_PROVIDERS)


def to_review(
    store: Store, patient: str, *, limit: int | None = None, using: dict[str, Provider] | None = None
) -> list[ReviewItem]:
    """Every provider's items for ``patient``, highest score first (ties: session, then time);
    a moment (session, start, end) given twice — by one kind or by two, e.g. a window both
    ``model_uncertain`` and ``unsure`` — is listed once, as the item with the higher score."""
    best: dict[tuple[str, float, float], ReviewItem] = {}
    for name, fn in (providers() if using is None else using).items():
        try:
            items = list(fn(store, patient))
        except VoiceError as exc:  # one kind that cannot be read never empties the list
            log.warning("to-review provider %s left out: %s", name, type(exc).__name__)
            continue
        for item in items:
            key = (item.session, item.start, item.end)
            if key not in best or best[key].score < item.score:
                best[key] = item
    ranked = sorted(best.values(), key=lambda i: (-i.score, i.session, i.start, i.kind))
    return ranked if limit is None else ranked[:limit]
