"""Which person in the video is the patient.

Rules, in this order:

1. **Pinned** — the user pointed at the patient (``voice process … --person x,y[@t]``, or the
   upload's ``<file>.person.json`` sidecar): the person whose box holds that point (pixels of
   the upright frame) at time ``t`` (default: the first frame). When several boxes hold it, the
   one whose torso centre is nearest wins; when none does within ``PIN_MARGIN`` of a box's size,
   nobody is the patient and the reason says so (a wrong pin never falls back to a guess).
2. **Appearance** — the patient's profile holds the colour histogram of their torso from a video
   where they were pinned; a track whose colours match it (similarity ≥ ``APPEARANCE_MIN``, and
   ``APPEARANCE_MARGIN`` ahead of the next track) is the patient.
3. **Longest in view** (the default) — the track seen in the largest share of sampled frames;
   shares within ``SHARE_TIE`` of each other tie, ties go to the larger mean box (areas within
   ``AREA_TIE`` tie), then to the track whose mean position is closest to the frame's centre.

The choice is made as the video streams (:meth:`PatientChooser.current`, used to draw) and final
at its end (:meth:`PatientChooser.final`); the two agree at the last frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from voice.people.appearance import similarity
from voice.people.pin import PersonPin
from voice.people.track_stats import TrackStats, TrackTally
from voice.people.tracking import box_of
from voice.pose.body25 import PoseFrame
from voice.records.session import PatientTrackRecord

__all__ = [
    "APPEARANCE_MARGIN",
    "APPEARANCE_MIN",
    "PatientChoice",
    "PatientChooser",
    "longest_in_view",
]

SHARE_TIE = 0.02
AREA_TIE = 0.10
PIN_MARGIN = 0.15
APPEARANCE_MIN = 0.6
APPEARANCE_MARGIN = 0.1
#: A pin at time t is looked for in the sampled frames from t - 0.1 s to t + this many seconds.
PIN_SEARCH_S = 1.0


@dataclass(frozen=True)
class PatientChoice:
    """The patient's track (None: nobody), the rule that chose it and why, in words."""

    track_id: int | None
    rule: str
    reason: str

    def record(self, pin: PersonPin | None = None) -> PatientTrackRecord:
        """The choice in the session metadata's ``patient_track`` (with the pin it used)."""
        return PatientTrackRecord(
            id=self.track_id,
            rule=self.rule,  # type: ignore[arg-type]  # one of the rules this module names
            reason=self.reason,
            pin=None if pin is None else pin.record(),
        )


def longest_in_view(stats: list[TrackStats], size: tuple[int, int]) -> PatientChoice:
    """The default rule (module notes, 3)."""
    if not stats:
        return PatientChoice(None, "none", "nobody was detected in the video")
    top = max(s.share for s in stats)
    tied = [s for s in stats if s.share >= top - SHARE_TIE]
    biggest = max(s.mean_area for s in tied)
    tied = [s for s in tied if s.mean_area >= biggest * (1 - AREA_TIE)]
    centre = (size[0] / 2.0, size[1] / 2.0)
    best = min(tied, key=lambda s: (math.dist(s.mean_position, centre), s.track_id))
    if len(stats) == 1:
        return PatientChoice(best.track_id, "longest", "the only person in the video")
    why = f"in view longest ({best.share:.0%} of sampled frames)"
    if len(tied) > 1:
        why += f", tied with {len(tied) - 1} other(s) on time and size: the one nearest the centre"
    return PatientChoice(best.track_id, "longest", why)


def _under(pin: PersonPin, frame: PoseFrame) -> int | None:
    """The track id of the person under the pin in ``frame`` (module notes, 1)."""
    best: tuple[float, int] | None = None
    for person in frame.people:
        x0, y0, x1, y1 = box_of(person.keypoints)
        margin = PIN_MARGIN * max(x1 - x0, y1 - y0)
        if x0 - margin <= pin.x <= x1 + margin and y0 - margin <= pin.y <= y1 + margin:
            torso = person.keypoints[[1, 8], :2].mean(axis=0) if person.keypoints[8, 2] > 0 else None
            centre = torso if torso is not None else np.array([(x0 + x1) / 2, (y0 + y1) / 2])
            d = float(np.hypot(*(centre - (pin.x, pin.y))))
            if best is None or d < best[0]:
                best = (d, person.person_id)
    return None if best is None else best[1]


class PatientChooser:
    """Follows the video frame by frame and says who the patient is (module notes)."""

    def __init__(
        self,
        size: tuple[int, int],
        *,
        pin: PersonPin | None = None,
        appearance: np.ndarray | None = None,
    ) -> None:
        self.size = size
        self.pin = pin
        self.profile = appearance
        self.tally = TrackTally()
        self._colours: dict[int, tuple[np.ndarray, int]] = {}
        self._pinned: int | None = None
        self._pin_done = pin is None

    def observe(self, frame: PoseFrame, appearances: Mapping[int, np.ndarray | None] | None = None) -> None:
        """One sampled frame (``people`` with track ids) and the torso histograms of its people."""
        self.tally.add(frame.time_s, [(p.person_id, p.keypoints) for p in frame.people])
        for track_id, hist in (appearances or {}).items():
            if hist is not None:
                total, n = self._colours.get(track_id, (np.zeros_like(hist), 0))
                self._colours[track_id] = (total + hist, n + 1)
        if not self._pin_done and self.pin is not None and frame.time_s >= self.pin.t - 0.1:
            self._pinned = _under(self.pin, frame)
            self._pin_done = self._pinned is not None or frame.time_s > self.pin.t + PIN_SEARCH_S

    def add_colours(self, track_id: int, total: np.ndarray, count: int) -> None:
        """Torso histograms of ``count`` sightings of a track, summed (a segment's, when the
        choice is made over a whole video processed in parts: :mod:`voice.segments.joining`)."""
        if count > 0:
            old, n = self._colours.get(track_id, (np.zeros_like(total), 0))
            self._colours[track_id] = (old + total, n + count)

    def appearance(self, track_id: int) -> np.ndarray | None:
        """The track's mean torso histogram so far."""
        if track_id not in self._colours:
            return None
        total, n = self._colours[track_id]
        return total / n

    def _by_appearance(self) -> PatientChoice | None:
        if self.profile is None:
            return None
        scored = sorted(
            (
                (similarity(self.profile, h), t)
                for t in self._colours
                if (h := self.appearance(t)) is not None
            ),
            reverse=True,
        )
        if not scored or scored[0][0] < APPEARANCE_MIN:
            return None
        if len(scored) > 1 and scored[0][0] - scored[1][0] < APPEARANCE_MARGIN:
            return None
        score, track_id = scored[0]
        return PatientChoice(track_id, "appearance", f"matches the patient's profile colours ({score:.2f})")

    def current(self) -> int | None:
        """The patient as far as the video has been seen (a pin not yet reached: the default rule)."""
        if self.pin is not None and not self._pin_done:
            return longest_in_view(self.tally.stats(), self.size).track_id
        return self.final().track_id

    def final(self) -> PatientChoice:
        """The choice once the whole video has been observed."""
        if self.pin is not None:
            return self._pin_choice()
        stats = self.tally.stats()
        if len(stats) > 1 and (chosen := self._by_appearance()) is not None:
            return chosen
        return longest_in_view(stats, self.size)

    def _pin_choice(self) -> PatientChoice:
        assert self.pin is not None
        where = f"({self.pin.x:g}, {self.pin.y:g}) at {self.pin.t:g} s"
        if self._pinned is not None:
            return PatientChoice(self._pinned, "pinned", f"the person under the pinned point {where}")
        return PatientChoice(
            None, "pinned", f"nobody was detected under the pinned point {where}: no patient, no samples"
        )

    def stats(self) -> list[TrackStats]:
        return self.tally.stats()
