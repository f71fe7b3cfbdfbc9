"""BlazePose's person detector on a whole frame, as MediaPipe's ``PoseDetectorGraph`` runs it.

The frame is letterboxed into 224×224 (values in [-1, 1]), the model gives 2,254 anchored boxes,
each with four keypoints (hip centre, full-body scale point, shoulder centre, upper-body scale
point) and a score; boxes above ``min_score`` are merged by weighted non-maximum suppression (IoU
above ``min_suppression``), the letterbox is taken off, and each detection becomes the region the
landmark model looks at: centred on the hip centre, twice the hip-to-scale-point distance turned
upright, × 1.25. The settings are the Tasks graph's (``pose_detector_graph.cc`` of mediapipe
0.10.14: anchors of ``pose_detection_gpu.pbtxt``, NMS threshold 0.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from voice.pose.crops import letterbox_into
from voice.pose.litert import Model
from voice.pose.regions import Roi

__all__ = [
    "Detection",
    "PoseDetector",
    "anchors",
    "associate",
    "decode",
    "overlap",
    "rect_from_points",
    "weighted_nms",
]

_SIDE = 224
_STRIDES = (8, 16, 32, 32, 32)
_SCORE_CLIP = 100.0
#: The region of a body around its alignment points: 2 × (centre → scale point), × 1.25.
ROI_SCALE = 1.25


def anchors(side: int = _SIDE, strides: tuple[int, ...] = _STRIDES) -> np.ndarray:
    """(N, 2) anchor centres (x, y) in [0, 1]: SSD anchors of fixed size (so their scales do
    not enter), layers of equal stride merged (``SsdAnchorsCalculator`` with MediaPipe's
    detector options; the pose detector's by default: 2,254 anchors)."""
    out: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        per_cell = 0
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            per_cell += 2  # aspect ratio 1.0 and the interpolated scale
            last += 1
        cells = math.ceil(side / strides[layer])
        for y in range(cells):
            for x in range(cells):
                out += [((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell
        layer = last
    return np.array(out, dtype=np.float64)


@dataclass(frozen=True)
class Detection:
    """A detection (a person, a palm): score, box (xmin, ymin, width, height) and keypoints
    (K, 2) in [0, 1] of the image."""

    score: float
    box: np.ndarray
    keypoints: np.ndarray


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two (xmin, ymin, width, height) boxes."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def weighted_nms(
    scores: np.ndarray, boxes: np.ndarray, points: np.ndarray, threshold: float
) -> list[Detection]:
    """MediaPipe's weighted non-maximum suppression: the best remaining box takes every box that
    overlaps it by more than ``threshold`` (itself included) and becomes their score-weighted mean."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    out: list[Detection] = []
    while order:
        top = order[0]
        near = [i for i in order if _iou(boxes[i], boxes[top]) > threshold]
        rest = [i for i in order if i not in near]
        w = scores[near][:, None]
        corners = np.concatenate([boxes[near, :2], boxes[near, :2] + boxes[near, 2:]], axis=1)
        mean = (corners * w).sum(axis=0) / w.sum()
        pts = (points[near].reshape(len(near), -1) * w).sum(axis=0) / w.sum()
        box = np.array([mean[0], mean[1], mean[2] - mean[0], mean[3] - mean[1]])
        out.append(Detection(float(scores[top]), box, pts.reshape(-1, 2)))
        if len(rest) == len(order):
            break
        order = rest
    return out


def decode(
    outputs: tuple[np.ndarray, np.ndarray],
    centres: np.ndarray,
    side: int,
    pad: tuple[float, float],
    *,
    min_score: float,
    threshold: float,
) -> list[Detection]:
    """An SSD detector's ``(boxes, score logits)`` (box centre, size and keypoints relative to
    anchors of fixed size, in pixels of its ``side``² input) → detections in [0, 1] of the image
    that was letterboxed by ``pad``, best first (``TensorsToDetections``, score clipped at ±100
    and above ``min_score``, weighted NMS at ``threshold``, ``DetectionLetterboxRemoval``)."""
    raw, logits = outputs
    logits = np.clip(logits.reshape(-1).astype(np.float64), -_SCORE_CLIP, _SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.flatnonzero(scores >= min_score)
    if keep.size == 0:
        return []
    values = raw.reshape(len(centres), -1)[keep].astype(np.float64) / side
    anchor = centres[keep]
    xy = values[:, :2] + anchor
    wh = values[:, 2:4]
    boxes = np.concatenate([xy - wh / 2, wh], axis=1)
    points = values[:, 4:].reshape(len(keep), -1, 2) + anchor[:, None, :]
    found = weighted_nms(scores[keep], boxes, points, threshold)
    # Letterbox off: [pad, 1 - pad] of the square → [0, 1] of the image.
    span = np.array([1 - 2 * pad[0], 1 - 2 * pad[1]])
    shift = np.array(pad)
    return [
        Detection(
            d.score,
            np.concatenate([(d.box[:2] - shift) / span, d.box[2:] / span]),
            (d.keypoints - shift) / span,
        )
        for d in found
    ]


def rect_from_points(centre: np.ndarray, scale_point: np.ndarray, size: tuple[int, int]) -> Roi:
    """The landmark model's region (pixels) from two alignment points in [0, 1] of a frame of
    ``size``: centred on ``centre``, side 2 × |centre → scale point| × 1.25, turned so the
    direction to the scale point points up (``AlignmentPointsRects`` + ``RectTransformation``)."""
    width, height = size
    x0, y0 = float(centre[0]) * width, float(centre[1]) * height
    x1, y1 = float(scale_point[0]) * width, float(scale_point[1]) * height
    box = 2.0 * math.hypot(x1 - x0, y1 - y0)
    angle = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    rotation = angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
    return Roi(x0, y0, box * ROI_SCALE, rotation)


def overlap(a: Roi, b: Roi) -> float:
    """IoU of two regions as upright squares (rotation ignored, as MediaPipe's association does)."""
    half_a, half_b = a.size / 2, b.size / 2
    w = max(0.0, min(a.cx + half_a, b.cx + half_b) - max(a.cx - half_a, b.cx - half_b))
    h = max(0.0, min(a.cy + half_a, b.cy + half_b) - max(a.cy - half_a, b.cy - half_b))
    union = a.size**2 + b.size**2 - w * h
    return w * h / union if union > 0 else 0.0


def associate(groups: list[list[Roi]], threshold: float) -> list[Roi]:
    """MediaPipe's association of region lists (``AssociationNormRectCalculator``), later ones
    first: each region replaces the kept ones it overlaps by more than ``threshold`` and goes last."""
    kept: list[Roi] = []
    for group in groups:
        for roi in group:
            kept = [k for k in kept if overlap(roi, k) <= threshold]
            kept.append(roi)
    return kept


class PoseDetector:
    """``detect(bgr)`` → the people in the frame, best first (after NMS), as detections."""

    def __init__(self, *, min_score: float = 0.5, min_suppression: float = 0.5) -> None:
        self._model = Model("pose_detection/pose_detection.tflite")
        self._boxes = self._model.output_index(2254 * 12)
        self._scores = self._model.output_index(2254)
        self._anchors = anchors()
        self.min_score, self.min_suppression = min_score, min_suppression

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """The people in ``bgr``, best first."""
        pad, (boxes, scores) = self._model.run_on(
            lambda target: letterbox_into(target, bgr, scale=2 / 255, offset=-1.0),
            [self._boxes, self._scores],
        )
        return decode(
            (boxes, scores),
            self._anchors,
            _SIDE,
            pad,
            min_score=self.min_score,
            threshold=self.min_suppression,
        )

    def regions(self, bgr: np.ndarray) -> list[Roi]:
        """The landmark model's region of each person detected, best first."""
        size = (bgr.shape[1], bgr.shape[0])
        return [rect_from_points(d.keypoints[0], d.keypoints[1], size) for d in self.detect(bgr)]
