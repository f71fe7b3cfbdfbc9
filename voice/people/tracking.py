"""People across frames: duplicate merging, track ids with a motion model, per-track statistics.

Pure numpy (plus SciPy's assignment solver, imported when needed): the pose models produce
BODY_25 arrays per frame, this module says which array belongs to which person.

Association, frame by frame:

1. every live track predicts its box and keypoints at the new time from a constant-velocity
   model (the box centre's smoothed velocity, extrapolated for at most ``max_extrapolate_s``);
2. the similarity of a track and a detection is the mean of the predicted box's IoU and an
   OKS-like keypoint agreement, times how well the torso colours agree (a track's colours are
   learnt from sightings that overlap nobody else); the assignment maximising the total
   similarity wins (Hungarian), pairs below ``min_similarity`` are never matched;
3. detections still unmatched may re-join an unmatched track seen less than ``memory_s`` ago
   when they are about its size and near where it was last seen, or anywhere when their torso
   colours agree (a person who walks out and back in, or who was hidden behind someone);
4. anything left starts a new track.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from voice.people.appearance import similarity

__all__ = [
    "MIN_CONFIDENCE",
    "PersonTracker",
    "box_of",
    "centre_of",
    "merge_duplicates",
    "same_person",
]

#: Keypoints below this confidence are ignored for boxes and matching (as when drawing).
MIN_CONFIDENCE = 0.3
#: Nose, neck, shoulders, eyes, ears: what two detections of one person share most reliably.
_HEAD_AND_SHOULDERS = (0, 1, 2, 5, 15, 16, 17, 18)
#: Keypoint distance (in units of the box's size) at which agreement falls to exp(-0.5).
_KP_SIGMA = 0.1
#: Torso colour similarity at or below which two sightings cannot be one person, and the ramp
#: above it to full agreement (one person scores ~0.99 frame to frame; the composited test
#: people in orange and blue 0.35-0.5; real lighting changes lower the first).
_LOOK_APART = 0.5
_LOOK_RAMP = 0.3
#: How fast a track's colours follow new sightings.
_LOOK_EMA = 0.2


def box_of(keypoints: np.ndarray, min_conf: float = MIN_CONFIDENCE) -> np.ndarray:
    """``[x0, y0, x1, y1]`` around the confident keypoints (all non-empty ones if fewer than 3)."""
    pts = keypoints[keypoints[:, 2] >= min_conf, :2]
    if len(pts) < 3:
        pts = keypoints[np.any(keypoints != 0, axis=1), :2]
    if len(pts) == 0:
        return np.zeros(4)
    return np.array([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()], dtype=np.float64)


def _area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def _scale(box: np.ndarray) -> float:
    """The box's size in pixels: the square root of its area (at least 1)."""
    return max(1.0, math.sqrt(_area(box)))


def centre_of(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = _area(np.array([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])]))
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _keypoint_agreement(
    a: np.ndarray, b: np.ndarray, scale: float, joints: Sequence[int] | None = None
) -> float:
    """Mean of ``exp(-d² / 2(σ·scale)²)`` over the joints confident in both (0 when none are)."""
    idx = np.arange(len(a)) if joints is None else np.asarray(joints)
    both = idx[(a[idx, 2] >= MIN_CONFIDENCE) & (b[idx, 2] >= MIN_CONFIDENCE)]
    if len(both) == 0:
        return 0.0
    d = np.linalg.norm(a[both, :2] - b[both, :2], axis=1) / (_KP_SIGMA * scale)
    return float(np.mean(np.exp(-0.5 * d**2)))


def same_person(a: np.ndarray, b: np.ndarray, *, agreement: float = 0.5) -> bool:
    """Two poses of one body: their head-and-shoulder keypoints agree above ``agreement`` (at
    0.5 the joints are ~0.12 box sizes apart on average)."""
    scale = min(_scale(box_of(a)), _scale(box_of(b)))
    return _keypoint_agreement(a, b, scale, _HEAD_AND_SHOULDERS) >= agreement


def merge_duplicates(people: Sequence[np.ndarray], *, known: int = 0) -> list[np.ndarray]:
    """Drop second detections of one person (MediaPipe's tracked and newly detected regions can
    both yield the same body). The first ``known`` poses always stay (and a later double of
    one of them goes); among the others, the more confident pose of a pair stays. Order is kept.
    """
    confidence = [float(np.mean(p[:, 2])) for p in people]
    order = list(range(known)) + sorted(range(known, len(people)), key=lambda i: -confidence[i])
    kept: list[int] = []
    for i in order:
        if i < known or not any(same_person(people[i], people[k]) for k in kept):
            kept.append(i)
    return [people[i] for i in sorted(kept)]


@dataclass
class _Track:
    track_id: int
    keypoints: np.ndarray
    box: np.ndarray
    last_s: float
    appearance: np.ndarray | None = None
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    seen_last_update: bool = True

    def predicted(self, time_s: float, max_extrapolate_s: float) -> tuple[np.ndarray, np.ndarray]:
        shift = self.velocity * min(max(0.0, time_s - self.last_s), max_extrapolate_s)
        kp = self.keypoints.copy()
        kp[:, :2] += shift
        return kp, self.box + np.array([shift[0], shift[1], shift[0], shift[1]])

    def colour_match(self, appearance: np.ndarray | None) -> float | None:
        """1 when the torso colours agree, falling to 0 as they differ; None when either is unknown."""
        if self.appearance is None or appearance is None:
            return None
        return float(np.clip((similarity(self.appearance, appearance) - _LOOK_APART) / _LOOK_RAMP, 0.0, 1.0))

    def looks_like(self, appearance: np.ndarray | None) -> float:
        """:meth:`colour_match`, with unknown colours counting as agreeing."""
        match = self.colour_match(appearance)
        return 1.0 if match is None else match


@dataclass(frozen=True)
class _Seen:
    keypoints: np.ndarray
    box: np.ndarray
    appearance: np.ndarray | None
    apart: bool  # not overlapping anyone else in the frame: its colours are its own


def _observations(people: Sequence[np.ndarray], appearances: Sequence[np.ndarray | None]) -> list[_Seen]:
    boxes = [box_of(p) for p in people]
    return [
        _Seen(kp, box, app, all(iou(box, other) < 0.05 for j, other in enumerate(boxes) if j != i))
        for i, (kp, box, app) in enumerate(zip(people, boxes, appearances, strict=True))
    ]


class PersonTracker:
    """Gives each detected person a track id that holds across frames (see the module notes)."""

    def __init__(
        self,
        *,
        memory_s: float = 4.0,
        min_similarity: float = 0.2,
        max_extrapolate_s: float = 2.0,
        velocity_smoothing: float = 0.5,
    ) -> None:
        self.memory_s = memory_s
        self.min_similarity = min_similarity
        self.max_extrapolate_s = max_extrapolate_s
        self.velocity_smoothing = velocity_smoothing
        self._tracks: list[_Track] = []
        self._next_id = 0

    def reserve_ids(self, first: int) -> None:
        """New tracks from now on get ids from ``first`` on (ids already given stay)."""
        self._next_id = max(self._next_id, first)

    def update(
        self,
        time_s: float,
        people: Sequence[np.ndarray],
        appearances: Sequence[np.ndarray | None] | None = None,
    ) -> list[int]:
        """Track ids for ``people`` (one BODY_25 array each, with their torso histograms when
        known), in the same order."""
        self._tracks = [t for t in self._tracks if time_s - t.last_s <= self.memory_s]
        seen = _observations(people, appearances if appearances is not None else [None] * len(people))
        assigned = {di: ti for ti, di in self._match(time_s, seen)}
        unmatched = [d for d in range(len(seen)) if d not in assigned]
        free = [t for t in range(len(self._tracks)) if t not in assigned.values()]
        assigned.update({di: ti for ti, di in self._rejoin(seen, unmatched, free)})
        tracks = list(self._tracks)
        out = []
        for di, obs in enumerate(seen):
            if di in assigned:
                self._observe(tracks[assigned[di]], obs, time_s)
                out.append(tracks[assigned[di]].track_id)
            else:
                app = obs.appearance if obs.apart else None
                self._tracks.append(_Track(self._next_id, obs.keypoints.copy(), obs.box, time_s, app))
                out.append(self._next_id)
                self._next_id += 1
        for track in self._tracks:
            track.seen_last_update = track.track_id in out
        return out

    def _observe(self, track: _Track, obs: _Seen, time_s: float) -> None:
        dt = time_s - track.last_s
        if track.seen_last_update and 0 < dt <= self.max_extrapolate_s:
            observed = (centre_of(obs.box) - centre_of(track.box)) / dt
            a = self.velocity_smoothing
            track.velocity = a * track.velocity + (1 - a) * observed
        elif not track.seen_last_update:
            track.velocity = np.zeros(2)  # back after a gap: the old motion says little
        if obs.apart and obs.appearance is not None:
            old = track.appearance
            track.appearance = (
                obs.appearance if old is None else (1 - _LOOK_EMA) * old + _LOOK_EMA * obs.appearance
            )
        track.keypoints, track.box, track.last_s = obs.keypoints.copy(), obs.box, time_s

    def _match(self, time_s: float, seen: list[_Seen]) -> list[tuple[int, int]]:
        """Hungarian assignment on predicted-box IoU and keypoint agreement, gated by colours."""
        if not self._tracks or not seen:
            return []
        sim = np.zeros((len(self._tracks), len(seen)))
        for r, track in enumerate(self._tracks):
            kp, box = track.predicted(time_s, self.max_extrapolate_s)
            for c, obs in enumerate(seen):
                near = 0.5 * iou(box, obs.box) + 0.5 * _keypoint_agreement(kp, obs.keypoints, _scale(box))
                sim[r, c] = near * track.looks_like(obs.appearance)
        return _assign(sim, self.min_similarity)

    def _rejoin(self, seen: list[_Seen], dets: list[int], tracks: list[int]) -> list[tuple[int, int]]:
        """Unmatched tracks take back a detection of about their size near where they were last
        seen (someone back in view, or found again after being hidden behind someone)."""
        lost = tracks
        if not lost or not dets:
            return []
        sim = np.zeros((len(lost), len(dets)))
        for r, ti in enumerate(lost):
            track = self._tracks[ti]
            scale = _scale(track.box)
            for c, di in enumerate(dets):
                obs = seen[di]
                ratio = _size_ratio(obs.keypoints, track.keypoints)
                distance = float(np.linalg.norm(centre_of(obs.box) - centre_of(track.box))) / scale
                if 0.6 <= ratio <= 1.0 / 0.6:
                    sim[r, c] = _rejoin_score(distance, track.colour_match(obs.appearance))
        return [(lost[r], dets[c]) for r, c in _assign(sim, 0.1)]


def _size_ratio(a: np.ndarray, b: np.ndarray) -> float:
    """How much bigger pose ``a`` is than ``b``: by their head and shoulders when both show
    them (legs come and go with the region the landmarks were found in), else by their boxes."""
    upper = list(_HEAD_AND_SHOULDERS)
    if all(np.count_nonzero(p[upper, 2] >= MIN_CONFIDENCE) >= 3 for p in (a, b)):
        a, b = a[upper], b[upper]
    return _scale(box_of(a)) / _scale(box_of(b))


def _rejoin_score(distance: float, colours: float | None) -> float:
    """Near where the track was last seen; with known colours that agree, anywhere in view."""
    near = math.exp(-0.5 * distance**2)
    if colours is None:
        return near
    return colours * max(near, 0.5 * colours)


def _assign(sim: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """The (row, column) pairs of the assignment with the largest total similarity (Hungarian),
    less those below ``threshold``."""
    if min(sim.shape) == 1 and np.count_nonzero(sim == sim.max()) == 1:
        # One row or column: the assignment is its unique best pair (no SciPy for the common case).
        r, c = np.unravel_index(int(np.argmax(sim)), sim.shape)
        return [(int(r), int(c))] if sim[r, c] >= threshold else []
    # SciPy comes with scikit-learn; its type stubs are a separate package the project does not pin.
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    rows, cols = linear_sum_assignment(-sim)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if sim[r, c] >= threshold]
