"""MediaPipe's face- and hand-landmark models run directly on a region of the frame.

The models are the ``.tflite`` files the ``mediapipe==0.10.14`` wheel ships
(``modules/face_landmark/face_landmark.tflite``, ``modules/hand_landmark/hand_landmark_{lite,full}.tflite``),
run by LiteRT (:mod:`voice.pose.litert`) in the calling thread, one thread each. This is
what MediaPipe's own ``FaceLandmarkCpu``/``HandLandmarkCpu`` graphs do for a given region (same
crop, same input range, same thresholds: the landmarks agree to 0.01 px), without a graph's
thread hand-offs, which cost more than the face model itself (measured: docs/performance.md).

A region is cut out turned upright (:class:`voice.pose.regions.Roi`, :mod:`voice.pose.crops`),
scaled to the model's input (192² for the face, 224² for a hand), RGB in [0, 1], zero outside
the frame (or the edge repeated, as the hand graph's own regions have it: the palm search). The
answer is the landmarks in frame pixels, or None when the model's presence score is below 0.5.
"""

from __future__ import annotations

import math

import numpy as np

from voice.pose.crops import BORDER_ZERO, crop_into
from voice.pose.litert import Model
from voice.pose.regions import Roi

__all__ = ["LandmarkModel", "face_model", "hand_model"]

#: A part counts as present above this score (MediaPipe's default for both models).
MIN_PRESENCE = 0.5


class LandmarkModel:
    """One landmark model: ``points(bgr, roi)`` → (N, 2) frame pixels or None."""

    def __init__(self, relative_path: str, *, points: int, presence_is_logit: bool) -> None:
        self._model = Model(relative_path)
        self.side = self._model.side
        # Landmarks: the output with points × 3 values; presence: the first single value.
        self._outputs = [self._model.output_index(points * 3), self._model.output_index(1)]
        self._points = points
        self._logit = presence_is_logit

    def points(self, bgr: np.ndarray, roi: Roi, *, border: int = BORDER_ZERO) -> np.ndarray | None:
        """The landmarks in ``roi`` of ``bgr`` (outside the frame: zeros, or the edge pixels
        repeated with ``border=BORDER_REPLICATE``), or None when the part is not there."""
        if roi.size < 8:
            return None
        to_frame, (landmarks, presence) = self._model.run_on(
            lambda target: crop_into(target, bgr, roi, border=border), self._outputs
        )
        score = float(presence.reshape(-1)[0])
        if self._logit:
            score = 1.0 / (1.0 + math.exp(-score))
        if score < MIN_PRESENCE:
            return None
        xy = landmarks.reshape(self._points, 3)[:, :2].astype(np.float64)
        return np.asarray(xy @ to_frame[:, :2].T + to_frame[:, 2])


def face_model() -> LandmarkModel:
    """The 468-point face mesh (its presence output is a logit)."""
    return LandmarkModel("face_landmark/face_landmark.tflite", points=468, presence_is_logit=True)


def hand_model(kind: str = "lite") -> LandmarkModel:
    """The 21-point hand model, ``lite`` or ``full`` (its presence output is a probability)."""
    if kind not in ("lite", "full"):
        raise ValueError(f"hand model must be 'lite' or 'full', not {kind!r}")
    return LandmarkModel(f"hand_landmark/hand_landmark_{kind}.tflite", points=21, presence_is_logit=False)
