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

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from voice.body25 import PoseFrame

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
_GRID_HZ = 10.0  # uniform resampling rate for the autocorrelation
_MIN_LAG_S, _MAX_LAG_S = 0.3, 2.0


@contextmanager
def _quiet() -> Iterator[None]:
    # All-NaN slices are expected (legs out of view); their NaN result is the answer.
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _med(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else np.nan


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else np.nan


def _std(x: np.ndarray, *, min_n: int = 2) -> float:
    x = x[np.isfinite(x)]
    return float(np.std(x)) if x.size >= min_n else np.nan


def _pct(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else np.nan


def _max(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.max(x)) if x.size else np.nan


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


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1]))


def _angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees (0–180) per frame."""
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / (np.hypot(u[..., 0], u[..., 1]) * np.hypot(v[..., 0], v[..., 1]))
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _line_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle of the line a→b against the image horizontal, degrees (positive: b lower than a)."""
    return np.asarray(np.degrees(np.arctan2(b[..., 1] - a[..., 1], b[..., 0] - a[..., 0])))


def _lean(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Angle of bottom→top against the vertical, degrees (positive: top to the image right)."""
    return np.asarray(np.degrees(np.arctan2(top[..., 0] - bottom[..., 0], bottom[..., 1] - top[..., 1])))


def _derivative(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """d values / dt per joint over the frames where that joint was seen (T, J, 2) → (T, J, 2).

    Each joint is differentiated over its own valid timestamps, so a dropout does not spread
    NaN to its neighbours and a gap is bridged by the real elapsed time.
    """
    out = np.full_like(values, np.nan)
    for j in range(values.shape[1]):
        ok = np.isfinite(values[:, j, 0]) & np.isfinite(values[:, j, 1])
        if ok.sum() < 2:
            continue
        t = times[ok]
        if np.any(np.diff(t) <= 0):
            t, first = np.unique(t, return_index=True)
            if t.size < 2:
                continue
            idx = np.flatnonzero(ok)[first]
        else:
            idx = np.flatnonzero(ok)
        out[idx, j, :] = np.gradient(values[idx, j, :], t, axis=0)
    return out


def _periodicity(signal: np.ndarray, times: np.ndarray) -> tuple[float, float]:
    """Dominant period (s) and its autocorrelation, on a uniform grid (frame-rate free)."""
    ok = np.isfinite(signal)
    if ok.sum() < 4:
        return np.nan, np.nan
    t0, t1 = times[ok][0], times[ok][-1]
    grid = np.arange(t0, t1 + 1e-9, 1.0 / _GRID_HZ)
    min_lag = round(_MIN_LAG_S * _GRID_HZ)
    max_lag = min(round(_MAX_LAG_S * _GRID_HZ), grid.size // 2)
    if max_lag <= min_lag:
        return np.nan, np.nan
    s = np.interp(grid, times[ok], signal[ok])
    s = s - np.polyval(np.polyfit(grid - grid[0], s, 1), grid - grid[0])  # remove drift
    energy = float(np.dot(s, s))
    if energy <= 1e-12:
        return np.nan, np.nan
    lags = np.arange(min_lag, max_lag + 1)
    ac = np.array([np.dot(s[:-k], s[k:]) / energy for k in lags])
    best = int(np.argmax(ac))
    return float(lags[best] / _GRID_HZ), float(ac[best])


def _trend(y: np.ndarray, times: np.ndarray) -> float:
    """Least-squares slope of y over time (units per second)."""
    ok = np.isfinite(y)
    if ok.sum() < 3 or np.ptp(times[ok]) <= 0:
        return np.nan
    return float(np.polyfit(times[ok], y[ok], 1)[0])


def extract_features(frames: Sequence[PoseFrame], *, min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
    """The feature row of one sample (a window of poses), aligned with :data:`FEATURE_NAMES`."""
    row = np.full(len(FEATURE_NAMES), np.nan)
    if not frames:
        return row
    with _quiet():
        _fill(row, frames, min_confidence)
    return row


def _fill(row: np.ndarray, frames: Sequence[PoseFrame], min_confidence: float) -> None:
    def put(name: str, value: float) -> None:
        row[_INDEX[name]] = value

    times, px, detected = _positions(frames, min_confidence)
    if not detected.any():
        return
    seen = np.isfinite(px[..., 0])
    for g in VISIBILITY_GROUPS:
        put(f"visible_{g}", float(seen[detected][:, list(GROUPS[g])].mean()))

    scale = _med(_dist(px[:, RSHO], px[:, LSHO]))
    if not np.isfinite(scale) or scale <= 0:
        scale = _med(_dist(px[:, NECK], px[:, MIDHIP]))
    if not np.isfinite(scale) or scale <= 0:
        return  # no body scale: every length would be in pixels; leave them NaN
    body = px / scale  # absolute positions, body units
    rel = body - body[:, NECK : NECK + 1, :]  # relative to the neck, per frame

    angles = {
        "elbow_r": _angle_at(body[:, RSHO], body[:, RELB], body[:, RWRI]),
        "elbow_l": _angle_at(body[:, LSHO], body[:, LELB], body[:, LWRI]),
        "shoulder_r": _angle_at(body[:, NECK], body[:, RSHO], body[:, RELB]),
        "shoulder_l": _angle_at(body[:, NECK], body[:, LSHO], body[:, LELB]),
        "head_roll": _line_angle(
            np.where(np.isfinite(body[:, REYE]), body[:, REYE], body[:, REAR]),
            np.where(np.isfinite(body[:, LEYE]), body[:, LEYE], body[:, LEAR]),
        ),
        "head_lean": _lean(body[:, NOSE], body[:, NECK]),
        "shoulder_tilt": _line_angle(body[:, RSHO], body[:, LSHO]),
        "trunk_lean": _lean(body[:, NECK], body[:, MIDHIP]),
        "knee_r": _angle_at(body[:, RHIP], body[:, RKNE], body[:, RANK]),
        "knee_l": _angle_at(body[:, LHIP], body[:, LKNE], body[:, LANK]),
    }
    for name, values in angles.items():
        put(f"angle_{name}_med", _med(values))
        put(f"angle_{name}_std", _std(values))

    # Heights are positive upwards (image y points down).
    wrist_h_r = -rel[:, RWRI, 1]
    wrist_h_l = -rel[:, LWRI, 1]
    put("pos_wrist_height_r", _med(wrist_h_r))
    put("pos_wrist_height_l", _med(wrist_h_l))
    put("pos_head_height", _med(-rel[:, NOSE, 1]))
    put("dist_wrists", _med(_dist(body[:, RWRI], body[:, LWRI])))
    put("dist_elbows", _med(_dist(body[:, RELB], body[:, LELB])))
    put("dist_hand_face_r", _med(_dist(body[:, RWRI], body[:, NOSE])))
    put("dist_hand_face_l", _med(_dist(body[:, LWRI], body[:, NOSE])))
    put("dist_torso_length", _med(_dist(body[:, NECK], body[:, MIDHIP])))
    put("dist_ankles", _med(_dist(body[:, RANK], body[:, LANK])))

    put("sym_wrist_height", _med(wrist_h_r - wrist_h_l))
    put("sym_elbow_angle", _med(np.abs(angles["elbow_r"] - angles["elbow_l"])))
    put("sym_wrist_reach", _med(_dist(body[:, RWRI], body[:, NECK]) - _dist(body[:, LWRI], body[:, NECK])))

    vel = _derivative(body, times)
    speed = np.hypot(vel[..., 0], vel[..., 1])  # (T, 25)
    acc = _derivative(vel, times)
    accel = np.hypot(acc[..., 0], acc[..., 1])

    group_speed = {g: _mean(speed[:, list(j)]) for g, j in GROUPS.items()}
    for g, value in group_speed.items():
        put(f"speed_{g}", value)
    all_speed = speed[:, list(_ALL_JOINTS)]
    put("speed_all_mean", _mean(all_speed))
    put("speed_all_p95", _pct(all_speed, 95))
    put("speed_wrist_max", _max(speed[:, [RWRI, LWRI]]))
    put("vel_neck_x_std", _std(vel[:, NECK, 0]))
    put("vel_neck_y_std", _std(vel[:, NECK, 1]))
    arm_r, arm_l = _mean(speed[:, [RELB, RWRI]]), _mean(speed[:, [LELB, LWRI]])
    put("sym_arm_speed", (arm_r - arm_l) / (arm_r + arm_l) if arm_r + arm_l > 0 else np.nan)

    put("accel_all_mean", _mean(accel[:, list(_ALL_JOINTS)]))
    put("accel_all_p95", _pct(accel[:, list(_ALL_JOINTS)], 95))
    put("accel_arms_mean", _mean(accel[:, list(GROUPS["arms"])]))
    put("accel_head_mean", _mean(accel[:, list(GROUPS["head"])]))
    put("accel_neck_y_std", _std(acc[:, NECK, 1]))

    # Share of the movement per body part, over the parts that were seen at all.
    total = sum(v for v in group_speed.values() if np.isfinite(v))
    for g, value in group_speed.items():
        put(f"share_{g}", value / total if np.isfinite(value) and total > 0 else np.nan)

    period, strength = _periodicity(body[:, NECK, 1], times)
    put("period_neck_y_s", period)
    put("autocorr_neck_y", strength)
    wrists_x = np.nanmean(body[:, [RWRI, LWRI], 0], axis=1)
    period, strength = _periodicity(wrists_x, times)
    put("period_wrists_x_s", period)
    put("autocorr_wrists_x", strength)

    width = np.nanmax(body[..., 0], axis=1) - np.nanmin(body[..., 0], axis=1)
    height = np.nanmax(body[..., 1], axis=1) - np.nanmin(body[..., 1], axis=1)
    put("bbox_width", _med(width))
    put("bbox_height", _med(height))
    put("bbox_aspect", _med(width / np.where(height > 0, height, np.nan)))
    area = width * height
    mean_area = _mean(area)
    put("bbox_area_cv", _std(area) / mean_area if np.isfinite(mean_area) and mean_area > 0 else np.nan)

    neck = body[:, NECK]
    finite_x, finite_y = neck[np.isfinite(neck[:, 0]), 0], neck[np.isfinite(neck[:, 1]), 1]
    put("neck_range_x", float(np.ptp(finite_x)) if finite_x.size >= 2 else np.nan)
    put("neck_range_y", float(np.ptp(finite_y)) if finite_y.size >= 2 else np.nan)
    put("neck_trend_x", _trend(neck[:, 0], times))
    put("neck_trend_y", _trend(neck[:, 1], times))


def extract_feature_matrix(
    samples: Sequence[Sequence[PoseFrame]], *, min_confidence: float = MIN_CONFIDENCE
) -> np.ndarray:
    """Features of many samples: an (n, len(FEATURE_NAMES)) matrix, NaN where a feature has no data."""
    matrix = np.full((len(samples), len(FEATURE_NAMES)), np.nan)
    for i, frames in enumerate(samples):
        matrix[i] = extract_features(frames, min_confidence=min_confidence)
    return matrix
