"""What a person looks like, coarsely: the colour histogram of the torso.

Used to tell people apart when motion cannot (someone back in frame after a while) and to
recognise the patient in later videos (``patients/<patient>/profile.json``). The torso is the
quadrilateral of the shoulders and hips (or, when the hips are not in view, a square hanging
from the shoulders); its pixels are binned in HSV: 8 hues × 3 saturations × 3 values, so grey
clothes are still told apart by brightness. Histograms sum to 1; similarity is the
Bhattacharyya coefficient (1 = identical colour distributions, 0 = no overlap).
"""

from __future__ import annotations

import numpy as np

__all__ = ["BINS", "similarity", "torso_histogram"]

#: Hue, saturation, value bins.
BINS: tuple[int, int, int] = (8, 3, 3)
_MIN_CONFIDENCE = 0.5
_MIN_PIXELS = 64


def _torso_polygon(keypoints: np.ndarray) -> np.ndarray | None:
    """Shoulders (2, 5) and hips (12, 9) in BODY_25, or shoulders plus a square below them."""
    r_sh, l_sh, l_hip, r_hip = keypoints[2], keypoints[5], keypoints[12], keypoints[9]
    if min(r_sh[2], l_sh[2]) < _MIN_CONFIDENCE:
        return None
    if min(l_hip[2], r_hip[2]) >= _MIN_CONFIDENCE:
        return np.array([r_sh[:2], l_sh[:2], l_hip[:2], r_hip[:2]])
    across = l_sh[:2] - r_sh[:2]
    down = np.array([-across[1], across[0]])
    if down[1] < 0:
        down = -down
    return np.array([r_sh[:2], l_sh[:2], l_sh[:2] + down, r_sh[:2] + down])


def torso_histogram(
    rgb: np.ndarray, keypoints: np.ndarray, scale: float = 1.0, *, bgr: bool = False
) -> np.ndarray | None:
    """The torso's HSV histogram (sums to 1) in the RGB image (BGR with ``bgr``: the same
    histogram); ``keypoints`` are in pixels / ``scale``.

    None when the shoulders are not confidently seen or the torso covers too few pixels.
    """
    import cv2

    polygon = _torso_polygon(keypoints)
    if polygon is None:
        return None
    pts = np.round(polygon * scale).astype(np.int32)
    h, w = rgb.shape[:2]
    x0, y0 = np.clip(pts.min(axis=0), 0, [w, h])
    x1, y1 = np.clip(pts.max(axis=0) + 1, 0, [w, h])
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = rgb[y0:y1, x0:x1]
    mask = np.zeros(crop.shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, pts - [x0, y0], 255)
    if int(np.count_nonzero(mask)) < _MIN_PIXELS:
        return None
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV if bgr else cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], mask, list(BINS), [0, 180, 0, 256, 0, 256]).reshape(-1)
    total = float(hist.sum())
    return (hist / total).astype(np.float64) if total > 0 else None


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya coefficient of two histograms that each sum to 1."""
    return float(np.sum(np.sqrt(np.clip(a, 0, None) * np.clip(b, 0, None))))
