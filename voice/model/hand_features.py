"""Hand features of one sample (a window of poses with OpenPose hand points), see docs/features.md.

Same rules as the body features (:mod:`voice.model.body_features`):

- **Resolution-free.** Hand lengths are in *hand units*: pixels divided by the window's median
  palm length of that hand (wrist to the middle finger's base, points 0–9); distances to the face
  are in face units (:mod:`voice.model.face_features`).
- **Per second.** Speeds use the real timestamps; periodicity is measured on a 10 Hz grid.
- **Missing is missing.** A hand that was not found is NaN, never zeros; ``hand_visible_*`` say
  how often each hand was found (NaN when hands were not looked for).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voice.model.body_features import MIN_CONFIDENCE
from voice.model.face_features import MIN_FACE_SHARE, Put, feature_row, part_positions, rate
from voice.model.signals import nan_mean, nan_median, periodicity
from voice.pose.body25 import PoseFrame

__all__ = ["HAND_FEATURE_NAMES", "MOUTH_REACH", "extract_hand_features"]

HAND_FEATURE_NAMES: tuple[str, ...] = (
    "hand_visible_r",
    "hand_visible_l",
    "hand_speed_r",
    "hand_speed_l",
    "hand_open_r",
    "hand_open_l",
    "hand_face_dist_r",
    "hand_face_dist_l",
    "hand_dist_hands",
    "hand_period_s",
    "hand_autocorr",
    "hand_clap_autocorr",
    "hand_mouth_share",
    "hand_mouth_events",
)

WRIST, MIDDLE_BASE = 0, 9
TIPS = (4, 8, 12, 16, 20)
PALM = (0, 5, 9, 13, 17)
MOUTH = list(range(48, 68))
#: A hand is at the mouth when one of its points is within this many face units of the mouth centre.
MOUTH_REACH = 0.5
#: A hand counts as found in a frame when at least this share of its 21 points was seen.
MIN_HAND_SHARE = 0.5


def _hand(
    frames: Sequence[PoseFrame], attr: str, min_confidence: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Points (T, 21, 2) px (NaN unless the hand was found), looked-for flags (T,), hand unit px."""
    _, xy, looked = part_positions(frames, attr, 21, min_confidence)
    found = np.isfinite(xy[..., 0]).mean(axis=1) >= MIN_HAND_SHARE
    xy[~found] = np.nan
    palm = xy[:, MIDDLE_BASE] - xy[:, WRIST]
    return xy, looked, nan_median(np.hypot(palm[:, 0], palm[:, 1]))


def extract_hand_features(
    frames: Sequence[PoseFrame], *, min_confidence: float = MIN_CONFIDENCE
) -> np.ndarray:
    """The hand feature row of one sample, aligned with :data:`HAND_FEATURE_NAMES`."""
    return feature_row(HAND_FEATURE_NAMES, _fill, frames, min_confidence)


def _mouth(frames: Sequence[PoseFrame], min_confidence: float) -> tuple[np.ndarray, float]:
    """Mouth centre per frame (T, 2) px (NaN without a face) and the face unit px (outer eye corners)."""
    _, face, _ = part_positions(frames, "face", 70, min_confidence)
    found = np.isfinite(face[..., 0]).mean(axis=1) >= MIN_FACE_SHARE
    face[~found] = np.nan
    eyes = face[:, 45] - face[:, 36]
    return np.nanmean(face[:, MOUTH], axis=1), nan_median(np.hypot(eyes[:, 0], eyes[:, 1]))


def _fill(put: Put, frames: Sequence[PoseFrame], min_confidence: float) -> None:
    times = np.array(sorted(f.time_s for f in frames), dtype=np.float64)
    hands = {
        side: _hand(frames, f"hand_{name}", min_confidence) for side, name in (("r", "right"), ("l", "left"))
    }
    if not any(looked.any() for _, looked, _ in hands.values()):
        return
    mouth, face_unit = _mouth(frames, min_confidence)
    centres, near_mouth = {}, []
    for side, (xy, looked, unit) in hands.items():
        found = np.isfinite(xy[:, WRIST, 0])
        put(f"hand_visible_{side}", float(found[looked].mean()) if looked.any() else np.nan)
        if not found.any() or not np.isfinite(unit) or unit <= 0:
            continue
        centre = np.nanmean(xy, axis=1)
        centres[side] = (centre, unit)
        velocity = np.stack([rate(centre[:, 0], times), rate(centre[:, 1], times)], axis=-1)
        put(f"hand_speed_{side}", nan_mean(np.hypot(velocity[:, 0], velocity[:, 1])) / unit)
        palm = np.nanmean(xy[:, list(PALM)], axis=1)
        tips = np.hypot(*(xy[:, list(TIPS)] - palm[:, None, :]).transpose(2, 0, 1))
        put(f"hand_open_{side}", nan_median(np.nanmean(tips, axis=1)) / unit)
        if np.isfinite(face_unit) and face_unit > 0:
            to_face = np.hypot(*(centre - mouth).T) / face_unit
            put(f"hand_face_dist_{side}", nan_median(to_face))
            reach = np.nanmin(np.hypot(*(xy - mouth[:, None, :]).transpose(2, 0, 1)), axis=1) / face_unit
            near_mouth.append(np.where(np.isfinite(reach), reach <= MOUTH_REACH, np.nan))
    _both_hands(put, centres, times)
    _mouth_events(put, near_mouth, times)


def _both_hands(put: Put, centres: dict[str, tuple[np.ndarray, float]], times: np.ndarray) -> None:
    """Distance between the hands, and how periodic the hands' movement is (flapping, clapping)."""
    if not centres:
        return
    unit = float(np.mean([u for _, u in centres.values()]))
    heights = np.nanmean(np.stack([-c[:, 1] for c, _ in centres.values()]), axis=0) / unit
    period, strength = periodicity(heights, times)
    put("hand_period_s", period)
    put("hand_autocorr", strength)
    if len(centres) == 2:
        gap = np.hypot(*(centres["r"][0] - centres["l"][0]).T) / unit
        put("hand_dist_hands", nan_median(gap))
        put("hand_clap_autocorr", periodicity(gap, times)[1])


def _mouth_events(put: Put, near_mouth: list[np.ndarray], times: np.ndarray) -> None:
    """Share of frames with a hand at the mouth, and hand-to-mouth episodes per second."""
    if not near_mouth:
        return
    stacked = np.stack(near_mouth)
    seen = np.isfinite(stacked).any(axis=0)
    if not seen.any():
        return
    at_mouth = np.nan_to_num(stacked, nan=0.0).max(axis=0) > 0
    put("hand_mouth_share", float(at_mouth[seen].mean()))
    onsets = int(at_mouth[seen][0]) + int(np.sum(np.diff(at_mouth[seen].astype(int)) == 1))
    span = float(times[seen][-1] - times[seen][0]) if seen.sum() > 1 else 0.0
    put("hand_mouth_events", onsets / span if span > 0 else np.nan)
