"""MediaPipe's face- and hand-landmark models run directly on a region of the frame.

The models are the ``.tflite`` files the ``mediapipe==0.10.14`` wheel ships
(``modules/face_landmark/face_landmark.tflite``, ``modules/hand_landmark/hand_landmark_{lite,full}.tflite``),
run by the LiteRT interpreter (``ai-edge-litert``) in the calling thread, one thread each. This is
what MediaPipe's own ``FaceLandmarkCpu``/``HandLandmarkCpu`` graphs do for a given region (same
crop, same input range, same thresholds: the landmarks agree to 0.01 px), without a graph's
thread hand-offs, which cost more than the face model itself (measured: docs/performance.md).

A region is cut out turned upright (:class:`voice.pose.regions.Roi`), scaled to the model's input
(192² for the face, 224² for a hand), RGB in [0, 1], zero outside the frame. The answer is the
landmarks in frame pixels, or None when the model's presence score is below 0.5.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from voice.pose.regions import Roi

__all__ = ["LandmarkModel", "face_model", "hand_model"]

#: A part counts as present above this score (MediaPipe's default for both models).
MIN_PRESENCE = 0.5


def _module_file(relative: str) -> str:
    import mediapipe

    path = Path(mediapipe.__file__).parent / "modules" / relative
    if not path.is_file():
        raise FileNotFoundError(f"{relative} is not in this mediapipe wheel; install mediapipe==0.10.14")
    return str(path)


class LandmarkModel:
    """One landmark model: ``points(bgr, roi)`` → (N, 2) frame pixels or None."""

    def __init__(self, relative_path: str, *, points: int, presence_is_logit: bool) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter: Any = Interpreter(model_path=_module_file(relative_path), num_threads=1)
        self._interpreter.allocate_tensors()
        inp = self._interpreter.get_input_details()[0]
        self._input = int(inp["index"])
        self.side = int(inp["shape"][1])
        outputs = self._interpreter.get_output_details()
        # Landmarks: the output with points × 3 values; presence: the first single value.
        self._landmarks = next(int(o["index"]) for o in outputs if int(np.prod(o["shape"])) == points * 3)
        self._presence = next(int(o["index"]) for o in outputs if int(np.prod(o["shape"])) == 1)
        self._points = points
        self._logit = presence_is_logit

    def _crop(self, bgr: np.ndarray, roi: Roi) -> tuple[np.ndarray, np.ndarray]:
        """The model's input and the affine map from input pixels to frame pixels (2×3)."""
        import cv2

        cos, sin = math.cos(roi.rotation), math.sin(roi.rotation)
        k = roi.size / self.side
        half = roi.size / 2
        to_frame = np.array(
            [
                [k * cos, -k * sin, roi.cx - half * (cos - sin)],
                [k * sin, k * cos, roi.cy - half * (sin + cos)],
            ],
            dtype=np.float64,
        )
        crop = cv2.warpAffine(
            bgr,
            to_frame,
            (self.side, self.side),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) * np.float32(1 / 255)
        return rgb[None], to_frame

    def points(self, bgr: np.ndarray, roi: Roi) -> np.ndarray | None:
        if roi.size < 8:
            return None
        tensor, to_frame = self._crop(bgr, roi)
        self._interpreter.set_tensor(self._input, tensor)
        self._interpreter.invoke()
        score = float(self._interpreter.get_tensor(self._presence).reshape(-1)[0])
        if self._logit:
            score = 1.0 / (1.0 + math.exp(-score))
        if score < MIN_PRESENCE:
            return None
        xy = self._interpreter.get_tensor(self._landmarks).reshape(self._points, 3)[:, :2].astype(np.float64)
        return np.asarray(xy @ to_frame[:, :2].T + to_frame[:, 2])


def face_model() -> LandmarkModel:
    """The 468-point face mesh (its presence output is a logit)."""
    return LandmarkModel("face_landmark/face_landmark.tflite", points=468, presence_is_logit=True)


def hand_model(kind: str = "lite") -> LandmarkModel:
    """The 21-point hand model, ``lite`` or ``full`` (its presence output is a probability)."""
    if kind not in ("lite", "full"):
        raise ValueError(f"hand model must be 'lite' or 'full', not {kind!r}")
    return LandmarkModel(f"hand_landmark/hand_landmark_{kind}.tflite", points=21, presence_is_logit=False)
