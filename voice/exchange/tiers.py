"""What an exported session shows, as tiers of non-overlapping annotations (ELAN's rule: one tier's
annotations never overlap) — independent of the file format that carries them.

Overlapping intervals of one source (narrated windows overlap by the window rule; prediction
windows slide) are cut where they meet: two overlapping intervals share their overlap at its
middle. Predictions become bins centred on their windows, each ending halfway to the next centre.
A person track's tier is the times it is in view (samples at most :data:`GAP_S` apart joined).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from voice.exchange.sources import Interval
from voice.pose.track import PoseTrack

__all__ = ["GAP_S", "Annotation", "Tier", "bins", "in_view", "non_overlapping"]

#: A person unseen for longer than this (seconds) leaves view.
GAP_S = 1.0


@dataclass(frozen=True)
class Annotation:
    """One annotation: seconds, its value and (optional) a note shown on a dependent tier."""

    start: float
    end: float
    value: str
    note: str = ""


@dataclass
class Tier:
    """A named tier. ``kind``: the vocabulary its values come from (``emotion``: the five emotions
    and "not counted"; ``text``: free text); ``author``: its ANNOTATOR; ``voice``: VOICE made it
    (importing it back changes nothing); ``coder``: the tier holds an imported coder's labels, which
    importing into another copy of the session brings back (``Import: NAME``)."""

    name: str
    kind: str
    author: str = ""
    voice: bool = True
    coder: bool = False
    annotations: list[Annotation] = field(default_factory=list)


def non_overlapping(items: Iterable[Annotation]) -> list[Annotation]:
    """The annotations in time order, each overlap cut at its middle; empty ones dropped."""
    ordered = sorted(items, key=lambda a: (a.start, a.end))
    starts = [a.start for a in ordered]
    ends = [a.end for a in ordered]
    for i in range(len(ordered) - 1):
        if ends[i] > starts[i + 1]:
            cut = (max(starts[i], starts[i + 1]) + min(ends[i], ends[i + 1])) / 2
            ends[i], starts[i + 1] = cut, max(starts[i + 1], cut)
            ends[i + 1] = max(ends[i + 1], starts[i + 1])
    out = []
    for a, s, e in zip(ordered, starts, ends, strict=True):
        if e - s >= 0.001:
            out.append(Annotation(round(s, 3), round(e, 3), a.value, a.note))
    return out


def bins(intervals: Sequence[Interval], duration: float) -> list[Annotation]:
    """Prediction windows as bins centred on them: from halfway to the previous centre to halfway
    to the next (the first and last half a window wide), inside the video."""
    ordered = sorted(intervals, key=lambda i: (i.start + i.end) / 2)
    centres = [(i.start + i.end) / 2 for i in ordered]
    out = []
    for k, item in enumerate(ordered):
        half = (item.end - item.start) / 2
        lo = centres[k] - half if k == 0 else (centres[k - 1] + centres[k]) / 2
        hi = centres[k] + half if k == len(ordered) - 1 else (centres[k] + centres[k + 1]) / 2
        lo, hi = max(0.0, lo), min(duration, hi)
        if hi - lo >= 0.001:
            out.append(Annotation(round(lo, 3), round(hi, 3), item.value, item.note))
    return out


def in_view(track: PoseTrack, duration: float) -> dict[int, list[Annotation]]:
    """Each person track's in-view intervals (value ``in view``), by track id."""
    seen: dict[int, list[float]] = {}
    for frame in track.frames:
        for person in frame.people:
            seen.setdefault(person.person_id, []).append(frame.time_s)
    out: dict[int, list[Annotation]] = {}
    for pid, times in sorted(seen.items()):
        spans: list[list[float]] = []
        for t in sorted(times):
            if spans and t - spans[-1][1] <= GAP_S:
                spans[-1][1] = t
            else:
                spans.append([t, t])
        step = 0.2 if len(times) < 2 else max(min(b - a for a, b in itertools.pairwise(times)), 0.01)
        out[pid] = [Annotation(round(a, 3), round(min(duration, b + step), 3), "in view") for a, b in spans]
    return out
