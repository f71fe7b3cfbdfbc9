"""Per-track statistics: how long each person is in view, how big, where.

The default patient rule (:mod:`voice.people.patient`) and the session metadata's ``people`` read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice.people.tracking import box_of, centre_of
from voice.records.session import PersonRecord

__all__ = ["TrackStats", "TrackTally", "track_stats"]


@dataclass(frozen=True)
class TrackStats:
    """One person over a video: how long, how big, where (pixels of the upright frame)."""

    track_id: int
    frames: int
    share: float
    first_s: float
    last_s: float
    mean_box: tuple[float, float]
    mean_position: tuple[float, float]

    @property
    def mean_area(self) -> float:
        return self.mean_box[0] * self.mean_box[1]

    def record(self) -> PersonRecord:
        """The track in the session metadata's ``people``."""
        return PersonRecord(
            id=self.track_id,
            frames=self.frames,
            share=round(self.share, 4),
            first_s=round(self.first_s, 3),
            last_s=round(self.last_s, 3),
            mean_box=(round(self.mean_box[0], 1), round(self.mean_box[1], 1)),
            mean_position=(round(self.mean_position[0], 1), round(self.mean_position[1], 1)),
        )


class TrackTally:
    """Per-track statistics, accumulated one sampled frame at a time (cheap to ask at any point)."""

    def __init__(self) -> None:
        self.frames = 0
        self._count: dict[int, int] = {}
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._size: dict[int, np.ndarray] = {}
        self._centre: dict[int, np.ndarray] = {}

    def add(self, time_s: float, people: Sequence[tuple[int, np.ndarray]]) -> None:
        """One sampled frame: ``(track_id, keypoints)`` of everyone in it (may be empty)."""
        self.frames += 1
        for track_id, keypoints in people:
            box = box_of(keypoints)
            self._count[track_id] = self._count.get(track_id, 0) + 1
            self._first.setdefault(track_id, time_s)
            self._last[track_id] = time_s
            self._size[track_id] = self._size.get(track_id, np.zeros(2)) + (box[2:] - box[:2])
            self._centre[track_id] = self._centre.get(track_id, np.zeros(2)) + centre_of(box)

    def count(self, track_id: int) -> int:
        return self._count.get(track_id, 0)

    def stats(self) -> list[TrackStats]:
        """Every track seen so far, by id; ``share`` is over all frames added so far."""
        out = []
        for track_id in sorted(self._count):
            n = self._count[track_id]
            size, centre = self._size[track_id] / n, self._centre[track_id] / n
            out.append(
                TrackStats(
                    track_id=track_id,
                    frames=n,
                    share=n / max(1, self.frames),
                    first_s=self._first[track_id],
                    last_s=self._last[track_id],
                    mean_box=(float(size[0]), float(size[1])),
                    mean_position=(float(centre[0]), float(centre[1])),
                )
            )
        return out


def track_stats(frames: Sequence[tuple[float, Sequence[tuple[int, np.ndarray]]]]) -> list[TrackStats]:
    """Per-track statistics from ``(time_s, [(track_id, keypoints), ...])`` per sampled frame."""
    tally = TrackTally()
    for time_s, people in frames:
        tally.add(time_s, people)
    return tally.stats()
