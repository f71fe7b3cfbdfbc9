"""Hands anywhere in a box of the frame: MediaPipe Hands in static-image mode, run directly.

What ``mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2)`` does on an image
(``HandLandmarkTrackingCpu`` with its ``PalmDetectionCpu`` and ``HandLandmarkCpu`` subgraphs of
mediapipe 0.10.14), without the graph: the palm detector on the image letterboxed into 192×192
(values in [0, 1], zero bars; 2,016 anchors, score ≥ ``min_score``, weighted NMS at IoU 0.3), at
most two palms, each palm's box turned so wrist → middle-finger base points up, shifted half its
height that way, squared and × 2.6 (``PalmDetectionDetectionToRoi``), overlapping regions
merged (IoU above 0.5), and the hand-landmark model in each region (the image's edge repeated,
presence ≥ 0.5).
"""

from __future__ import annotations

import math

import numpy as np

from voice.pose.crops import BORDER_REPLICATE, letterbox_into
from voice.pose.landmark_models import LandmarkModel
from voice.pose.litert import Model
from voice.pose.pose_detector import Detection, anchors, associate, decode
from voice.pose.regions import Roi

__all__ = ["PalmSearch", "palm_region"]

_SIDE = 192
_STRIDES = (8, 16, 16, 16)
_BOXES = 2016
_WRIST, _MIDDLE_BASE = 0, 2  # palm keypoints
_SCALE, _SHIFT_Y = 2.6, -0.5


def palm_region(palm: Detection, size: tuple[int, int]) -> Roi:
    """The hand's region (pixels of an image of ``size``) from a palm detection."""
    width, height = size
    box_w, box_h = palm.box[2] * width, palm.box[3] * height
    cx, cy = (palm.box[0] + palm.box[2] / 2) * width, (palm.box[1] + palm.box[3] / 2) * height
    (x0, y0), (x1, y1) = palm.keypoints[_WRIST] * size, palm.keypoints[_MIDDLE_BASE] * size
    angle = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    rotation = angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
    cx -= box_h * _SHIFT_Y * math.sin(rotation)
    cy += box_h * _SHIFT_Y * math.cos(rotation)
    return Roi(cx, cy, max(box_w, box_h) * _SCALE, rotation)


class PalmSearch:
    """``hands(bgr, box)`` → the hands (21, 2) in frame pixels found in ``box`` (x0, y0, x1, y1)."""

    def __init__(
        self, hand_model: LandmarkModel, *, kind: str = "lite", max_hands: int = 2, min_score: float = 0.5
    ) -> None:
        self._model = Model(f"palm_detection/palm_detection_{kind}.tflite")
        self._outputs = [self._model.output_index(_BOXES * 18), self._model.output_index(_BOXES)]
        self._anchors = anchors(_SIDE, _STRIDES)
        self._hand = hand_model
        self.max_hands, self.min_score = max_hands, min_score

    def hands(self, bgr: np.ndarray, box: tuple[int, int, int, int]) -> list[np.ndarray]:
        x0, y0, x1, y1 = box
        image = bgr[y0:y1, x0:x1]
        size = (x1 - x0, y1 - y0)
        pad, (boxes, scores) = self._model.run_on(
            lambda target: letterbox_into(target, image, scale=1 / 255, offset=0.0), self._outputs
        )
        palms = decode((boxes, scores), self._anchors, _SIDE, pad, min_score=self.min_score, threshold=0.3)
        regions = associate([[palm_region(p, size) for p in palms[: self.max_hands]]], 0.5)
        found = (self._hand.points(image, roi, border=BORDER_REPLICATE) for roi in regions)
        return [pts + np.array([x0, y0]) for pts in found if pts is not None]
