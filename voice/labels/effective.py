"""A session's effective labels: its narrated events, then every review in time order (pure).

``docs/labels.md`` is the contract. In short: each narrated event is a label (counting when the
narration counts it); reviews apply oldest first — ``confirm`` (it counts), ``set`` (it counts,
with this emotion), ``reject`` (it does not count), ``count`` (an ignored or negated event counts),
``add`` (a new label on a range). The emotion is the last ``set`` (else the narrated or added one);
whether it counts is the last verdict. A review whose event is gone is an orphan: kept, reported,
applied to nothing. A label's author is whoever decided it last (``narration`` for an unreviewed
event). Two counting labels of different authors that overlap with different emotions, one of them
added, are in conflict: neither trains until one is changed. (Narrated events never conflict with
each other: their windows overlap by the window rule, which clips each at its neighbours'
statements, not because anyone disagrees.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from voice.narration.event_ids import NEAR_S, near_ids, with_ids
from voice.records.labels import LabelRecord, LabelStatus
from voice.records.reviews import LabelSummary, ReviewRecord
from voice.records.session import EventRecord

__all__ = ["NARRATION", "Resolution", "resolve"]

#: The author and source of a label no review has decided.
NARRATION = "narration"

#: A label's status after each verdict (an added label stays "added" while it counts).
_VERDICT: dict[str, LabelStatus] = {
    "confirm": "confirmed",
    "set": "changed",
    "count": "counted",
    "reject": "rejected",
}
#: Overlaps shorter than this (seconds) are windows that only touch.
_TOUCH_S = 1e-6


@dataclass
class _Label:
    """A label while the reviews are applied."""

    id: str
    kind: str
    start: float
    end: float
    emotion: str
    counts: bool
    status: LabelStatus
    event: EventRecord | None = None
    index: int | None = None  # the narrated event's position in the metadata (its sample tag)
    author: str = NARRATION
    source: str = NARRATION
    reason: str | None = None
    reviewed_at: str | None = None
    reviews: int = 0
    conflicts: list[str] = field(default_factory=list)

    def apply(self, review: ReviewRecord) -> None:
        if review.action == "set":
            assert review.emotion is not None
            self.emotion = review.emotion
        self.counts = review.action != "reject"
        self.status = "added" if self.kind == "added" and self.counts else _VERDICT[review.action]
        self.author, self.source = review.author, review.source
        self.reason, self.reviewed_at = review.reason, review.at
        self.reviews += 1

    def record(self) -> LabelRecord:
        ev = self.event
        ignored = None if ev is None else ("negated" if ev.negated else ev.ignored)
        return LabelRecord(
            id=self.id,
            kind="narrated" if ev is not None else "added",
            start=self.start,
            end=self.end,
            time=None if ev is None else ev.time,
            emotion=self.emotion,
            narrated_emotion=None if ev is None else ev.emotion,
            keyword=None if ev is None else ev.keyword,
            text=None if ev is None else ev.text,
            ignored=ignored,
            status=self.status,
            counts=self.counts,
            trains=self.counts and not self.conflicts,
            author=self.author,
            source=self.source,
            reason=self.reason,
            reviewed_at=self.reviewed_at,
            reviews=self.reviews,
            conflicts=sorted(self.conflicts),
        )


@dataclass(frozen=True)
class Resolution:
    """The effective labels in time order, each narrated one's event index (``tags``: its sample
    folder is ``e<index>``), and the orphaned reviews."""

    labels: list[LabelRecord]
    indexes: dict[str, int]
    orphans: list[ReviewRecord]

    def label(self, label_id: str) -> LabelRecord | None:
        return next((label for label in self.labels if label.id == label_id), None)

    def summary(self) -> LabelSummary:
        out = LabelSummary(orphans=len(self.orphans))
        for label in self.labels:
            if label.conflicts and label.counts:
                out.conflicts += 1
            elif label.status == "narrated":
                out.narration += 1
            else:
                setattr(out, label.status, getattr(out, label.status) + 1)
        return out


def _narrated(events: Sequence[EventRecord]) -> dict[str, _Label]:
    labels = {}
    for k, ev in enumerate(with_ids(events)):
        assert ev.id is not None
        status: LabelStatus = "narrated" if ev.counts else "ignored"
        labels[ev.id] = _Label(
            ev.id, "narrated", ev.window[0], ev.window[1], ev.emotion, ev.counts, status, ev, k
        )
    return labels


def _moved(labels: dict[str, _Label], review: ReviewRecord) -> _Label | None:
    """The narrated event a review finds after its time moved into a neighbouring id bucket: the
    same sentence and keyword, within :data:`NEAR_S` of where it was, and the only such event."""
    if review.event_time is None:
        return None
    found = [
        label
        for label in labels.values()
        if label.event is not None
        and review.event in near_ids(label.event.text, label.event.keyword, label.event.time)
        and abs(label.event.time - review.event_time) <= NEAR_S
    ]
    return found[0] if len(found) == 1 else None


def _added(review: ReviewRecord) -> _Label:
    assert review.start is not None
    assert review.end is not None
    assert review.emotion is not None
    label = _Label(review.event, "added", review.start, review.end, review.emotion, True, "added")
    label.author, label.source, label.reason = review.author, review.source, review.reason
    label.reviewed_at, label.reviews = review.at, 1
    return label


def _overlap(a: _Label, b: _Label) -> bool:
    return min(a.end, b.end) - max(a.start, b.start) > _TOUCH_S


def _mark_conflicts(labels: Sequence[_Label]) -> None:
    counting = sorted((label for label in labels if label.counts), key=lambda label: label.start)
    for i, a in enumerate(counting):
        for b in counting[i + 1 :]:
            if b.start >= a.end:
                break
            if a.kind == b.kind == "narrated":
                continue  # the window rule's overlaps between statements are no disagreement
            if _overlap(a, b) and a.emotion != b.emotion and a.author != b.author:
                a.conflicts.append(b.id)
                b.conflicts.append(a.id)


def in_time_order(reviews: Sequence[ReviewRecord]) -> list[ReviewRecord]:
    """Oldest first; reviews made at the same instant in the order the file holds them."""
    return [r for _, r in sorted(enumerate(reviews), key=lambda pair: (pair[1].at, pair[0]))]


def resolve(events: Sequence[EventRecord], reviews: Sequence[ReviewRecord]) -> Resolution:
    """The session's effective labels from its narrated events and its reviews (module notes)."""
    labels = _narrated(events)
    orphans = []
    for review in in_time_order(reviews):
        if review.action == "add":
            labels.setdefault(review.event, _added(review))
            continue
        target = labels.get(review.event) or _moved(labels, review)
        if target is None:
            orphans.append(review)
        else:
            target.apply(review)
    _mark_conflicts(list(labels.values()))
    ordered = sorted(labels.values(), key=lambda label: (label.start, label.end, label.id))
    indexes = {label.id: label.index for label in ordered if label.index is not None}
    return Resolution([label.record() for label in ordered], indexes, orphans)
