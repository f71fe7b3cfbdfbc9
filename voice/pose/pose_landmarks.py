"""BlazePose's full landmark model on one person's region, as MediaPipe's landmark graph runs it.

The region (a turned square, :class:`voice.pose.regions.Roi`) is cut out at 256×256, values in
[0, 1], edges replicated (``ImageToTensorCalculator``'s default); the model gives 39 landmarks
(33 of the body and the alignment points), a presence score and a heatmap per landmark; its
segmentation mask and world landmarks are not read, so not computed (the model keeps only the
outputs read, :func:`voice.pose.litert.only_outputs`). As ``SinglePoseLandmarksDetectorGraph`` of
mediapipe 0.10.14 does:
a person whose presence is below ``min_presence`` is not there; visibilities are the sigmoid of
the model's values; each landmark is refined from its heatmap (the confidence-weighted mean cell
of a 7×7 window, when the window's best confidence reaches 0.5); landmarks go back to frame
pixels through the region; and the region for the next frame comes from the alignment points
(hip centre and scale point, :func:`voice.pose.pose_detector.rect_from_points`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice.pose.crops import BORDER_REPLICATE, crop_into
from voice.pose.litert import Model
from voice.pose.pose_detector import rect_from_points
from voice.pose.regions import Roi

__all__ = ["BodyLandmarks", "BodyModel", "refine_from_heatmap"]

_SIDE = 256
_POINTS = 39
_HEATMAP = 64
_KERNEL = 7
#: The outputs read (by their number of values): landmarks, presence, heatmaps.
_READS = (_POINTS * 5, 1, _HEATMAP * _HEATMAP * _POINTS)
_MIN_REFINE = 0.5


@dataclass(frozen=True)
class BodyLandmarks:
    """One person: 33 landmarks (x, y in frame pixels; visibility), their presence score, and the
    region to look at on the next frame."""

    points: np.ndarray
    presence: float
    next_roi: Roi


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def refine_from_heatmap(xy: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """Landmarks (N, 2) in [0, 1] of the model's input moved to the confidence-weighted mean cell
    of their heatmap window (``RefineLandmarksFromHeatmapCalculator``, its bounds check included:
    it compares the column with the height)."""
    rows_n, cols_n, _ = heatmap.shape
    out = xy.copy()
    cols = np.trunc(xy[:, 0] * cols_n).astype(np.int64)
    rows = np.trunc(xy[:, 1] * rows_n).astype(np.int64)
    inside = (cols >= 0) & (cols < cols_n) & (rows >= 0) & (cols < rows_n)
    half = (_KERNEL - 1) // 2
    offsets = np.arange(-half, half + 1)
    idx = np.flatnonzero(inside)
    r = rows[idx, None] + offsets  # (k, 7) heatmap rows of each window
    c = cols[idx, None] + offsets
    # Cells outside the heatmap count as zero confidence (the window shrinks at the edges).
    valid = ((r >= 0) & (r < rows_n))[:, :, None] & ((c >= 0) & (c < cols_n))[:, None, :]
    cells = heatmap[
        np.clip(r, 0, rows_n - 1)[:, :, None], np.clip(c, 0, cols_n - 1)[:, None, :], idx[:, None, None]
    ]
    conf = np.where(valid, _sigmoid(cells.astype(np.float64)), 0.0)
    total = conf.sum(axis=(1, 2))
    best = conf.max(axis=(1, 2))
    ok = (best >= _MIN_REFINE) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    col = (conf.sum(axis=1) * c).sum(axis=1) / safe
    row = (conf.sum(axis=2) * r).sum(axis=1) / safe
    out[idx[ok], 0] = col[ok] / cols_n
    out[idx[ok], 1] = row[ok] / rows_n
    return out


class BodyModel:
    """``find(bgr, roi)`` → the person's landmarks in ``roi``, or None when none is present."""

    def __init__(self, *, min_presence: float = 0.5) -> None:
        self._model = Model("pose_landmark/pose_landmark_full.tflite", reads=_READS)
        self._outputs = [self._model.output_index(size) for size in _READS]
        self.min_presence = min_presence

    def find(self, bgr: np.ndarray, roi: Roi) -> BodyLandmarks | None:
        to_frame, (raw, flag, heatmap) = self._model.run_on(
            lambda target: crop_into(target, bgr, roi, border=BORDER_REPLICATE), self._outputs
        )
        presence = float(flag.reshape(-1)[0])
        if presence < self.min_presence:
            return None
        values = raw.reshape(_POINTS, 5).astype(np.float64)
        xy = refine_from_heatmap(values[:, :2] / _SIDE, heatmap.reshape(_HEATMAP, _HEATMAP, _POINTS))
        px = (xy * _SIDE) @ to_frame[:, :2].T + to_frame[:, 2]
        size = (bgr.shape[1], bgr.shape[0])
        norm = px / size
        points = np.column_stack([px[:33], _sigmoid(values[:33, 3])])
        return BodyLandmarks(points, presence, rect_from_points(norm[33], norm[34], size))
