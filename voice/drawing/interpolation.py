"""The pose drawn on each frame: interpolated between the pose samples before and after it.

Poses are sampled a few times a second (``settings.pose_fps``); the annotated video shows many
more frames. Drawing the latest sample on every frame in between makes the skeleton trail the
body by up to one sample interval. Instead each frame gets the two samples around it,
interpolated in time (:func:`pose_between`), which needs the *next* sample before a frame can be
drawn: :class:`Lookahead` holds frames until it exists (at most one sample interval of frames).
No frame is ever drawn with a pose older than one interval.
"""

from __future__ import annotations

from collections import deque
from dataclasses import fields, replace
from typing import Generic, TypeVar

import numpy as np

from voice.pose.body25 import PoseFrame

__all__ = ["Lookahead", "interpolate", "pose_between"]

T = TypeVar("T")


def _lerp_points(a: np.ndarray, b: np.ndarray, f: float) -> np.ndarray:
    """(N, 3) points [x, y, confidence] at fraction ``f`` from ``a`` to ``b``.

    A point seen in both samples moves linearly; one seen in one sample only keeps that
    sample's position while that sample is the nearer one (``f`` < 0.5 for ``a``) and is not
    drawn otherwise (confidence 0).
    """
    seen_a, seen_b = a[:, 2:] > 0, b[:, 2:] > 0  # (N, 1): whole rows are picked
    nearer, seen_near, seen_far = (a, seen_a, seen_b) if f < 0.5 else (b, seen_b, seen_a)
    # Whole arrays and a selection (the same numbers as computing only the rows picked, in a
    # third of the time: the face's 468 points are interpolated on every frame drawn).
    moved = np.where(seen_a & seen_b, a + (b - a) * f, 0.0)
    return np.where(seen_near & ~seen_far, nearer, moved)


def _points(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 3


def interpolate(a: PoseFrame, b: PoseFrame, time_s: float) -> PoseFrame:
    """The pose at ``time_s`` between samples ``a`` (earlier) and ``b`` (later).

    Every (N, 3) point array the two samples both hold (the patient's BODY_25, face or hand
    points where present) is interpolated, and so is every person in both (same track id); the
    rest is the nearer sample's.
    """
    span = b.time_s - a.time_s
    f = 0.0 if span <= 0 else min(1.0, max(0.0, (time_s - a.time_s) / span))
    nearer = a if f < 0.5 else b
    changes: dict[str, object] = {"time_s": time_s}
    for field in fields(PoseFrame):
        va, vb = getattr(a, field.name), getattr(b, field.name)
        if _points(va) and _points(vb) and va.shape == vb.shape:
            changes[field.name] = _lerp_points(va, vb, f)
    later = {p.person_id: p.keypoints for p in b.people}
    earlier = {p.person_id: p.keypoints for p in a.people}
    changes["people"] = tuple(
        replace(p, keypoints=_lerp_points(earlier[p.person_id], later[p.person_id], f))
        if p.person_id in earlier and p.person_id in later
        else p
        for p in nearer.people
    )
    return replace(nearer, **changes)  # type: ignore[arg-type]


def pose_between(before: PoseFrame | None, after: PoseFrame | None, time_s: float) -> PoseFrame | None:
    """The pose to draw at ``time_s``, given the samples around it (either may be missing).

    Both detected: interpolated. One detected: that one while it is the nearer sample,
    otherwise "not found" (a pose without keypoints, drawn as a marker). None only when there
    is no sample at all.
    """
    if before is None or after is None:
        return before or after
    if before.keypoints is not None and after.keypoints is not None:
        return interpolate(before, after, time_s)
    nearer = before if time_s - before.time_s < after.time_s - time_s else after
    return replace(nearer, time_s=time_s)


class Lookahead(Generic[T]):
    """Holds items (frames) until the pose sample after them arrives; then they are ready.

    ``push`` each item in order with the pose sampled on it (None between samples); it returns
    the items that can now be drawn, each with its pose. ``flush`` at the end releases the rest
    with the last sample. At most one sample interval of items is held.
    """

    def __init__(self) -> None:
        self._pending: deque[tuple[T, float]] = deque()
        self._before: PoseFrame | None = None

    def push(self, item: T, time_s: float, sample: PoseFrame | None) -> list[tuple[T, PoseFrame | None]]:
        if sample is None:
            self._pending.append((item, time_s))
            return []
        ready = [(held, pose_between(self._before, sample, t)) for held, t in self._pending]
        self._pending.clear()
        ready.append((item, sample))
        self._before = sample
        return ready

    @property
    def last_sample(self) -> PoseFrame | None:
        """The latest sample pushed: the one before every item still held."""
        return self._before

    def flush(self) -> list[tuple[T, PoseFrame | None]]:
        ready = [(held, pose_between(self._before, None, t)) for held, t in self._pending]
        self._pending.clear()
        return ready

    def __len__(self) -> int:
        return len(self._pending)
