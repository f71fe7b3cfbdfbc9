"""Per-sample pose features: one named row per window of BODY_25 poses (see docs/features.md).

Design rules (each fixes a fault of the original feature code):

- **Resolution-free.** Every length is in *body units*: pixels divided by the window's median
  shoulder width (the neck–mid-hip torso length when the shoulders are never seen). The same
  motion filmed bigger or at a higher resolution gives the same features.
- **Per second.** Velocities and accelerations use the real timestamps (``np.gradient`` over
  ``time_s``), so 5, 25 or 30 fps give the same numbers for the same motion.
- **Missing is missing.** A keypoint below :data:`MIN_CONFIDENCE`, or at (0, 0) (OpenPose's
  "not detected"), or a frame without a person, becomes NaN. Statistics are NaN-aware; a
  feature that has no data is NaN (the model imputes it), never a fake zero. Explicit
  ``visible_*`` features say how much of each body part was seen.
- **Named and non-redundant by design.** :data:`FEATURE_NAMES` lists every column of
  :func:`extract_features`; no feature is a constant or a copy of another for any input
  (body proportions that are fixed for one person, the window length, and sums of other
  features were left out on purpose).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voice.model.signals import (
    angle_at,
    derivative,
    dist,
    lean,
    line_angle,
    nan_max,
    nan_mean,
    nan_median,
    nan_percentile,
    nan_std,
    periodicity,
    quiet,
    trend,
)
from voice.pose.body25 import PoseFrame

__all__ = ["FEATURE_NAMES", "MIN_CONFIDENCE", "extract_feature_matrix", "extract_features"]

#: Keypoints below this confidence (MediaPipe visibility) are treated as not seen.
MIN_CONFIDENCE = 0.3

# BODY_25 indices.
NOSE, NECK, RSHO, RELB, RWRI, LSHO, LELB, LWRI, MIDHIP, RHIP, RKNE, RANK, LHIP, LKNE, LANK = range(15)
REYE, LEYE, REAR, LEAR = 15, 16, 17, 18
LBIGTOE, LHEEL, RBIGTOE, RHEEL = 19, 21, 22, 24

#: Body parts for visibility, speed and movement distribution. The small toes (20, 23) are
#: left out: MediaPipe has no such landmark, so they are never seen.
GROUPS: dict[str, tuple[int, ...]] = {
    "head": (NOSE, REYE, LEYE, REAR, LEAR),
    "arms": (RELB, RWRI, LELB, LWRI),
    "torso": (NECK, RSHO, LSHO, MIDHIP, RHIP, LHIP),
    "legs": (RKNE, RANK, LKNE, LANK, LBIGTOE, LHEEL, RBIGTOE, RHEEL),
}
_ALL_JOINTS = tuple(j for g in GROUPS.values() for j in g)

_ANGLES = (
    "elbow_r",
    "elbow_l",
    "shoulder_r",
    "shoulder_l",
    "head_roll",
    "head_lean",
    "shoulder_tilt",
    "trunk_lean",
    "knee_r",
    "knee_l",
)

#: Parts whose visibility is a feature. Head and torso are what the detector anchors on: whenever a
#: person is detected they are seen (on the bundled samples their visibility was a constant 1.0).
#: How often the detector found anyone is a fact about the detector, not the person, so it is
#: not a feature either; windows with too few detections get no prediction instead.
VISIBILITY_GROUPS: tuple[str, ...] = ("arms", "legs")

#: Every column of :func:`extract_features`, in order.
FEATURE_NAMES: tuple[str, ...] = (
    # visibility
    *(f"visible_{g}" for g in VISIBILITY_GROUPS),
    # joint angles: posture (median) and how much they change (std)
    *(f"angle_{a}_med" for a in _ANGLES),
    *(f"angle_{a}_std" for a in _ANGLES),
    # posture: positions and distances relative to the neck
    "pos_wrist_height_r",
    "pos_wrist_height_l",
    "pos_head_height",
    "dist_wrists",
    "dist_elbows",
    "dist_hand_face_r",
    "dist_hand_face_l",
    "dist_torso_length",
    "dist_ankles",
    # left/right symmetry
    "sym_wrist_height",
    "sym_elbow_angle",
    "sym_wrist_reach",
    "sym_arm_speed",
    # velocity (body units per second)
    *(f"speed_{g}" for g in GROUPS),
    "speed_all_mean",
    "speed_all_p95",
    "speed_wrist_max",
    "vel_neck_x_std",
    "vel_neck_y_std",
    # acceleration (body units per second squared)
    "accel_all_mean",
    "accel_all_p95",
    "accel_arms_mean",
    "accel_head_mean",
    "accel_neck_y_std",
    # movement distribution over body parts
    *(f"share_{g}" for g in GROUPS),
    # periodicity
    "period_neck_y_s",
    "autocorr_neck_y",
    "period_wrists_x_s",
    "autocorr_wrists_x",
    # bounding box of the visible keypoints
    "bbox_width",
    "bbox_height",
    "bbox_aspect",
    "bbox_area_cv",
    # overall movement of the body
    "neck_range_x",
    "neck_range_y",
    "neck_trend_x",
    "neck_trend_y",
)

_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


class _Row:
    """One feature row being filled, by name."""

    def __init__(self, row: np.ndarray) -> None:
        self.row = row

    def put(self, name: str, value: float) -> None:
        self.row[_INDEX[name]] = value


def _positions(
    frames: Sequence[PoseFrame], min_confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (T,), positions (T, 25, 2) in pixels with NaN where unseen, detected flags (T,)."""
    ordered = sorted(frames, key=lambda f: f.time_s)
    times = np.array([f.time_s for f in ordered], dtype=np.float64)
    xy = np.full((len(ordered), 25, 2), np.nan)
    detected = np.zeros(len(ordered), dtype=bool)
    for i, f in enumerate(ordered):
        if f.keypoints is None:
            continue
        kp = np.asarray(f.keypoints, dtype=np.float64)
        seen = (kp[:, 2] >= min_confidence) & ~((kp[:, 0] == 0) & (kp[:, 1] == 0))
        seen &= np.isfinite(kp[:, 0]) & np.isfinite(kp[:, 1])
        xy[i, seen] = kp[seen, :2]
        detected[i] = True
    return times, xy, detected


def extract_features(frames: Sequence[PoseFrame], *, min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
    """The feature row of one sample (a window of poses), aligned with :data:`FEATURE_NAMES`."""
    row = np.full(len(FEATURE_NAMES), np.nan)
    if not frames:
        return row
    with quiet():
        _fill(_Row(row), frames, min_confidence)
    return row


def _body_scale(px: np.ndarray) -> float:
    """Median shoulder width in pixels, else the torso length; NaN when neither was seen."""
    scale = nan_median(dist(px[:, RSHO], px[:, LSHO]))
    if not np.isfinite(scale) or scale <= 0:
        scale = nan_median(dist(px[:, NECK], px[:, MIDHIP]))
    return scale if np.isfinite(scale) and scale > 0 else np.nan


def _fill(out: _Row, frames: Sequence[PoseFrame], min_confidence: float) -> None:
    times, px, detected = _positions(frames, min_confidence)
    if not detected.any():
        return
    seen = np.isfinite(px[..., 0])
    for g in VISIBILITY_GROUPS:
        out.put(f"visible_{g}", float(seen[detected][:, list(GROUPS[g])].mean()))
    scale = _body_scale(px)
    if not np.isfinite(scale):
        return  # no body scale: every length would be in pixels; leave them NaN
    body = px / scale  # absolute positions, body units
    angles = _angles(body)
    _posture(out, body, angles)
    _motion(out, body, times)
    _shape(out, body, times)


def _angles(body: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "elbow_r": angle_at(body[:, RSHO], body[:, RELB], body[:, RWRI]),
        "elbow_l": angle_at(body[:, LSHO], body[:, LELB], body[:, LWRI]),
        "shoulder_r": angle_at(body[:, NECK], body[:, RSHO], body[:, RELB]),
        "shoulder_l": angle_at(body[:, NECK], body[:, LSHO], body[:, LELB]),
        "head_roll": line_angle(
            np.where(np.isfinite(body[:, REYE]), body[:, REYE], body[:, REAR]),
            np.where(np.isfinite(body[:, LEYE]), body[:, LEYE], body[:, LEAR]),
        ),
        "head_lean": lean(body[:, NOSE], body[:, NECK]),
        "shoulder_tilt": line_angle(body[:, RSHO], body[:, LSHO]),
        "trunk_lean": lean(body[:, NECK], body[:, MIDHIP]),
        "knee_r": angle_at(body[:, RHIP], body[:, RKNE], body[:, RANK]),
        "knee_l": angle_at(body[:, LHIP], body[:, LKNE], body[:, LANK]),
    }


def _posture(out: _Row, body: np.ndarray, angles: dict[str, np.ndarray]) -> None:
    """Joint angles, positions and distances relative to the neck, left/right symmetry."""
    for name, values in angles.items():
        out.put(f"angle_{name}_med", nan_median(values))
        out.put(f"angle_{name}_std", nan_std(values))
    rel = body - body[:, NECK : NECK + 1, :]  # relative to the neck, per frame
    # Heights are positive upwards (image y points down).
    wrist_h_r = -rel[:, RWRI, 1]
    wrist_h_l = -rel[:, LWRI, 1]
    out.put("pos_wrist_height_r", nan_median(wrist_h_r))
    out.put("pos_wrist_height_l", nan_median(wrist_h_l))
    out.put("pos_head_height", nan_median(-rel[:, NOSE, 1]))
    for name, (a, b) in _DISTANCES.items():
        out.put(name, nan_median(dist(body[:, a], body[:, b])))
    out.put("sym_wrist_height", nan_median(wrist_h_r - wrist_h_l))
    out.put("sym_elbow_angle", nan_median(np.abs(angles["elbow_r"] - angles["elbow_l"])))
    reach = dist(body[:, RWRI], body[:, NECK]) - dist(body[:, LWRI], body[:, NECK])
    out.put("sym_wrist_reach", nan_median(reach))


_DISTANCES: dict[str, tuple[int, int]] = {
    "dist_wrists": (RWRI, LWRI),
    "dist_elbows": (RELB, LELB),
    "dist_hand_face_r": (RWRI, NOSE),
    "dist_hand_face_l": (LWRI, NOSE),
    "dist_torso_length": (NECK, MIDHIP),
    "dist_ankles": (RANK, LANK),
}


def _motion(out: _Row, body: np.ndarray, times: np.ndarray) -> None:
    """Velocity and acceleration per second, arm-speed symmetry, movement share per body part."""
    vel = derivative(body, times)
    speed = np.hypot(vel[..., 0], vel[..., 1])  # (T, 25)
    acc = derivative(vel, times)
    accel = np.hypot(acc[..., 0], acc[..., 1])
    group_speed = {g: nan_mean(speed[:, list(j)]) for g, j in GROUPS.items()}
    for g, value in group_speed.items():
        out.put(f"speed_{g}", value)
    all_speed = speed[:, list(_ALL_JOINTS)]
    out.put("speed_all_mean", nan_mean(all_speed))
    out.put("speed_all_p95", nan_percentile(all_speed, 95))
    out.put("speed_wrist_max", nan_max(speed[:, [RWRI, LWRI]]))
    out.put("vel_neck_x_std", nan_std(vel[:, NECK, 0]))
    out.put("vel_neck_y_std", nan_std(vel[:, NECK, 1]))
    arm_r, arm_l = nan_mean(speed[:, [RELB, RWRI]]), nan_mean(speed[:, [LELB, LWRI]])
    out.put("sym_arm_speed", (arm_r - arm_l) / (arm_r + arm_l) if arm_r + arm_l > 0 else np.nan)
    out.put("accel_all_mean", nan_mean(accel[:, list(_ALL_JOINTS)]))
    out.put("accel_all_p95", nan_percentile(accel[:, list(_ALL_JOINTS)], 95))
    out.put("accel_arms_mean", nan_mean(accel[:, list(GROUPS["arms"])]))
    out.put("accel_head_mean", nan_mean(accel[:, list(GROUPS["head"])]))
    out.put("accel_neck_y_std", nan_std(acc[:, NECK, 1]))
    # Share of the movement per body part, over the parts that were seen at all.
    total = sum(v for v in group_speed.values() if np.isfinite(v))
    for g, value in group_speed.items():
        out.put(f"share_{g}", value / total if np.isfinite(value) and total > 0 else np.nan)


def _shape(out: _Row, body: np.ndarray, times: np.ndarray) -> None:
    """Periodicity, bounding box, and the overall movement of the neck."""
    period, strength = periodicity(body[:, NECK, 1], times)
    out.put("period_neck_y_s", period)
    out.put("autocorr_neck_y", strength)
    wrists_x = np.nanmean(body[:, [RWRI, LWRI], 0], axis=1)
    period, strength = periodicity(wrists_x, times)
    out.put("period_wrists_x_s", period)
    out.put("autocorr_wrists_x", strength)

    width = np.nanmax(body[..., 0], axis=1) - np.nanmin(body[..., 0], axis=1)
    height = np.nanmax(body[..., 1], axis=1) - np.nanmin(body[..., 1], axis=1)
    out.put("bbox_width", nan_median(width))
    out.put("bbox_height", nan_median(height))
    out.put("bbox_aspect", nan_median(width / np.where(height > 0, height, np.nan)))
    area = width * height
    mean_area = nan_mean(area)
    cv = nan_std(area) / mean_area if np.isfinite(mean_area) and mean_area > 0 else np.nan
    out.put("bbox_area_cv", cv)

    neck = body[:, NECK]
    finite_x, finite_y = neck[np.isfinite(neck[:, 0]), 0], neck[np.isfinite(neck[:, 1]), 1]
    out.put("neck_range_x", float(np.ptp(finite_x)) if finite_x.size >= 2 else np.nan)
    out.put("neck_range_y", float(np.ptp(finite_y)) if finite_y.size >= 2 else np.nan)
    out.put("neck_trend_x", trend(neck[:, 0], times))
    out.put("neck_trend_y", trend(neck[:, 1], times))


def extract_feature_matrix(
    samples: Sequence[Sequence[PoseFrame]], *, min_confidence: float = MIN_CONFIDENCE
) -> np.ndarray:
    """Features of many samples: an (n, len(FEATURE_NAMES)) matrix, NaN where a feature has no data."""
    matrix = np.full((len(samples), len(FEATURE_NAMES)), np.nan)
    for i, frames in enumerate(samples):
        matrix[i] = extract_features(frames, min_confidence=min_confidence)
    return matrix
