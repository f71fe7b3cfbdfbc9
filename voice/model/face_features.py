"""Facial features of one sample (a window of poses with OpenPose face points), see docs/features.md.

Same rules as the body features (:mod:`voice.model.body_features`):

- **Resolution-free.** Lengths are in *face units*: pixels divided by the window's median
  distance between the outer eye corners (face points 36 and 45). Eye openness is a ratio within
  each eye. Points are measured in the face's own frame (turned so the eye line is level), so a
  tilted head does not read as a smile.
- **Per second.** Rates use the real timestamps.
- **Missing is missing.** A face point below the confidence threshold or at (0, 0) is NaN; a
  window without a face gives NaN, never zeros. ``face_visible`` says how often the face was
  found; it is NaN when the face was not looked for (face detection off, or older pose files).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from voice.model.body_features import MIN_CONFIDENCE
from voice.model.signals import derivative, nan_mean, nan_median, nan_std, quiet, trend
from voice.pose.body25 import PoseFrame

__all__ = [
    "FACE_FEATURE_NAMES",
    "Put",
    "extract_face_features",
    "face_frame",
    "feature_row",
    "part_positions",
    "rate",
]

FACE_FEATURE_NAMES: tuple[str, ...] = (
    "face_visible",
    "face_mouth_open_med",
    "face_mouth_open_std",
    "face_mouth_speed",
    "face_mouth_width_med",
    "face_smile_med",
    "face_smile_trend",
    "face_eye_open_r_med",
    "face_eye_open_l_med",
    "face_eye_open_std",
    "face_brow_height_med",
    "face_brow_height_std",
    "face_head_roll_med",
    "face_head_yaw_med",
    "face_head_pitch_med",
    "face_head_turn_speed",
)

# OpenPose face points (voice.pose.face_layout).
R_EYE_OUT, L_EYE_OUT, NOSE_TIP, CHIN = 36, 45, 30, 8
MOUTH_R, MOUTH_L, OUTER_UP, OUTER_LOW, INNER_UP, INNER_LOW = 48, 54, 51, 57, 62, 66
R_EYE, L_EYE, BROWS = list(range(36, 42)), list(range(42, 48)), list(range(17, 27))
#: A frame's face counts as found when at least this share of its 70 points was seen.
MIN_FACE_SHARE = 0.5


def part_positions(
    frames: Sequence[PoseFrame], attr: str, n: int, min_confidence: float = MIN_CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (T,), points (T, n, 2) px with NaN where unseen, and which frames looked for the part
    (a person was detected and the part's array is present), for ``attr`` of each frame."""
    ordered = sorted(frames, key=lambda f: f.time_s)
    times = np.array([f.time_s for f in ordered], dtype=np.float64)
    xy = np.full((len(ordered), n, 2), np.nan)
    looked = np.zeros(len(ordered), dtype=bool)
    for i, f in enumerate(ordered):
        points = getattr(f, attr)
        if f.keypoints is None or points is None:
            continue
        kp = np.asarray(points, dtype=np.float64)
        seen = (kp[:, 2] >= min_confidence) & ~((kp[:, 0] == 0) & (kp[:, 1] == 0))
        seen &= np.isfinite(kp[:, 0]) & np.isfinite(kp[:, 1])
        xy[i, seen] = kp[seen, :2]
        looked[i] = True
    return times, xy, looked


def rate(signal: np.ndarray, times: np.ndarray) -> np.ndarray:
    """d signal / dt per second (T,), over the frames where the signal is finite."""
    return derivative(np.stack([signal, signal], axis=-1)[:, None, :], times)[:, 0, 0]


def face_frame(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Face points turned level (T, 70, 2) in face units around the eye midpoint, roll (T,) in
    degrees (positive: the person's left eye lower in the image), and the face unit in pixels."""
    eyes = xy[:, L_EYE_OUT] - xy[:, R_EYE_OUT]
    unit = nan_median(np.hypot(eyes[:, 0], eyes[:, 1]))
    roll = np.arctan2(eyes[:, 1], eyes[:, 0])
    centre = (xy[:, R_EYE_OUT] + xy[:, L_EYE_OUT]) / 2
    rel = xy - centre[:, None, :]
    cos, sin = np.cos(-roll)[:, None], np.sin(-roll)[:, None]
    level = np.stack([rel[..., 0] * cos - rel[..., 1] * sin, rel[..., 0] * sin + rel[..., 1] * cos], axis=-1)
    return level / unit, np.degrees(roll), unit


def _eye_openness(p: np.ndarray, eye: list[int]) -> np.ndarray:
    """Eye aspect ratio: the two lid gaps over the corner-to-corner width (scale-free)."""
    o, u1, u2, i, l1, l2 = eye

    def d(a: int, b: int) -> np.ndarray:
        return np.asarray(np.hypot(*(p[:, a] - p[:, b]).T))

    return np.asarray((d(u1, l2) + d(u2, l1)) / (2 * d(o, i)))


Put = Callable[[str, float], None]
Fill = Callable[[Put, Sequence[PoseFrame], float], None]


def feature_row(
    names: Sequence[str], fill: Fill, frames: Sequence[PoseFrame], min_confidence: float
) -> np.ndarray:
    """A row aligned with ``names``: NaN, then whatever ``fill(put, frames, min_confidence)`` puts."""
    row = np.full(len(names), np.nan)
    index = {name: i for i, name in enumerate(names)}

    def put(name: str, value: float) -> None:
        row[index[name]] = value

    if frames:
        with quiet():
            fill(put, frames, min_confidence)
    return row


def extract_face_features(
    frames: Sequence[PoseFrame], *, min_confidence: float = MIN_CONFIDENCE
) -> np.ndarray:
    """The facial feature row of one sample, aligned with :data:`FACE_FEATURE_NAMES`."""
    return feature_row(FACE_FEATURE_NAMES, _fill, frames, min_confidence)


def _fill(put: Put, frames: Sequence[PoseFrame], min_confidence: float) -> None:
    times, xy, looked = part_positions(frames, "face", 70, min_confidence)
    if not looked.any():
        return
    found = np.isfinite(xy[..., 0]).mean(axis=1) >= MIN_FACE_SHARE
    put("face_visible", float(found[looked].mean()))
    xy[~found] = np.nan
    if not found.any():
        return
    p, roll, unit = face_frame(xy)
    if not np.isfinite(unit) or unit <= 0:
        return
    u, v = p[..., 0], p[..., 1]  # face units; v points down the face

    mouth_open = np.abs(v[:, INNER_LOW] - v[:, INNER_UP])
    put("face_mouth_open_med", nan_median(mouth_open))
    put("face_mouth_open_std", nan_std(mouth_open))
    put("face_mouth_speed", nan_mean(np.abs(rate(mouth_open, times))))
    put("face_mouth_width_med", nan_median(np.abs(u[:, MOUTH_L] - u[:, MOUTH_R])))

    # Smile: how far the lip corners sit above the upper-lip centre (the jaw does not move it).
    upper_lip = (v[:, OUTER_UP] + v[:, INNER_UP]) / 2
    smile = upper_lip - (v[:, MOUTH_R] + v[:, MOUTH_L]) / 2
    put("face_smile_med", nan_median(smile))
    put("face_smile_trend", trend(smile, times))

    eye_r, eye_l = _eye_openness(p, R_EYE), _eye_openness(p, L_EYE)
    put("face_eye_open_r_med", nan_median(eye_r))
    put("face_eye_open_l_med", nan_median(eye_l))
    put("face_eye_open_std", nan_std((eye_r + eye_l) / 2))

    eye_line = np.nanmean(v[:, R_EYE + L_EYE], axis=1)
    brows = eye_line - np.nanmean(v[:, BROWS], axis=1)
    put("face_brow_height_med", nan_median(brows))
    put("face_brow_height_std", nan_std(brows))

    put("face_head_roll_med", nan_median(roll))
    # Yaw: where the nose tip sits between the jaw's ends (−1 … 1, positive: towards the person's left).
    jaw_r, jaw_l = u[:, 0], u[:, 16]
    yaw = ((u[:, NOSE_TIP] - jaw_r) - (jaw_l - u[:, NOSE_TIP])) / (jaw_l - jaw_r)
    put("face_head_yaw_med", nan_median(yaw))
    # Pitch: where the nose tip sits between the eye line and the mouth line (larger: chin down).
    mouth_line = (v[:, MOUTH_R] + v[:, MOUTH_L] + v[:, OUTER_UP] + v[:, OUTER_LOW]) / 4
    pitch = (v[:, NOSE_TIP] - eye_line) / (mouth_line - eye_line)
    put("face_head_pitch_med", nan_median(pitch))
    put("face_head_turn_speed", nan_mean(np.abs(rate(yaw, times))))
