"""What people say about a session's labels: ``patients/<patient>/reviews/<session>.json``, and
the tallies of how a session's labels stand (``docs/labels.md``).

A review refers to a label by id (a narrated event's stable id, or the id an ``add`` gave a new
label), has an author and a source (``review``: a person in VOICE; importers name theirs), a time,
and what it says. The file is only ever appended to; the narration record never changes.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, model_validator

from voice.config import EMOTIONS
from voice.records.base import Record

__all__ = [
    "ACTIONS",
    "REVIEWS_SCHEMA",
    "Action",
    "LabelSummary",
    "ReviewRecord",
    "ReviewsDoc",
]

REVIEWS_SCHEMA: Final = "voice.reviews/1"

Action = Literal["confirm", "set", "reject", "count", "add"]
ACTIONS: tuple[Action, ...] = ("confirm", "set", "reject", "count", "add")


class ReviewRecord(Record):
    """One review. ``event``: the id of the label it refers to (for ``add``, the new label's id).
    ``emotion``: for ``set`` and ``add``; ``start``/``end``: an added label's range in seconds;
    ``reason``: why (optional; ``count`` needs one). ``at``: when it was made (ISO 8601, UTC).
    ``event_time``: the event's time when it was reviewed (finds it again after a re-run moved its
    time across an id's bucket: ``docs/labels.md``)."""

    event: str = Field(pattern=r"^[ea][0-9a-f]{10}$")
    action: Action
    emotion: str | None = None
    start: float | None = None
    end: float | None = None
    reason: str | None = Field(None, max_length=500)
    author: str = Field(min_length=1, max_length=100)
    source: str = Field("review", min_length=1, max_length=100)
    at: str
    event_time: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> ReviewRecord:
        if self.emotion is not None and self.emotion not in EMOTIONS:
            raise ValueError(f"emotion {self.emotion!r} is not one of {', '.join(EMOTIONS)}")
        if self.action in ("set", "add") and self.emotion is None:
            raise ValueError(f"a {self.action} review names an emotion")
        if self.action == "add":
            if self.start is None or self.end is None or not 0 <= self.start < self.end:
                raise ValueError("an add review has a range: 0 <= start < end")
            if not self.event.startswith("a"):
                raise ValueError("an added label's id starts with 'a'")
        return self


class ReviewsDoc(Record):
    """The reviews file of one session, oldest review first."""

    schema_: Literal["voice.reviews/1"] = Field(REVIEWS_SCHEMA, alias="schema")
    session: str
    reviews: list[ReviewRecord] = Field(default_factory=list)


class LabelSummary(Record):
    """How a session's labels stand. ``narration``: narrated events that count as narrated, with no
    review; ``confirmed``, ``changed`` (emotion set), ``counted`` (an ignored or negated event
    counted), ``added``: labels that count after their last review; ``rejected``: labels a review
    took out; ``ignored``: narrated events that do not count, unreviewed; ``conflicts``: labels
    held back because they conflict; ``orphans``: reviews whose event no longer exists."""

    narration: int = 0
    confirmed: int = 0
    changed: int = 0
    counted: int = 0
    added: int = 0
    rejected: int = 0
    ignored: int = 0
    conflicts: int = 0
    orphans: int = 0
