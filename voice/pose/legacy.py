"""The legacy single-person MediaPipe Pose solution (0.10.14, full model, tracking mode) → BODY_25.

The pipeline finds everyone with :mod:`voice.people.estimator`; this one-person tracker stays as
the reference the benchmarks and the face/hands tests compare with. Only ``model_complexity=1``
ships with the wheel; 0 and 2 would download and fail offline. Frames larger than ``max_side``
are downscaled before inference (landmarks are normalised, so the BODY_25 pixels are still those
of the original frame, whatever size the frame source gave).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from voice.media.frames import downscaled_rgb
from voice.pose.body25 import PoseFrame, from_mediapipe
from voice.pose.mediapipe_logs import native_stderr_muted

__all__ = ["MODEL_NAME", "PoseEstimator"]

MODEL_NAME = "mediapipe-0.10.14/full"


class PoseEstimator:
    """One person's pose per frame, in tracking mode over a whole video (use one per video)."""

    def __init__(self, *, max_side: int = 640, min_detection: float = 0.5, min_tracking: float = 0.5):
        import mediapipe as mp

        self.max_side = max_side
        self._warmup = 3  # first calls start the detector and then the landmark model
        with native_stderr_muted():
            self._pose: Any = mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=1,
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=min_detection,
                min_tracking_confidence=min_tracking,
            )

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pose.close()

    def estimate(
        self, bgr: np.ndarray, *, frame: int, time_s: float, size: tuple[int, int] | None = None
    ) -> PoseFrame:
        """The pose in ``bgr``, in pixels of a frame of ``size`` (default: ``bgr``'s own size).

        ``bgr`` may be a downscaled copy of the frame: landmarks are normalised, so the BODY_25
        pixels are those of the full frame whatever size the model was given.
        """
        height, width = bgr.shape[:2]
        full = size or (width, height)
        rgb, _ = downscaled_rgb(bgr, self.max_side)
        if self._warmup <= 0:
            result = self._pose.process(rgb)
        else:  # the graph's models start on the first frames and log before any config applies
            with native_stderr_muted():
                result = self._pose.process(rgb)
            self._warmup -= 1
        keypoints = None
        if result.pose_landmarks is not None:
            lm = np.array(
                [(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64
            )
            keypoints = from_mediapipe(lm, *full)
        return PoseFrame(frame=frame, time_s=time_s, width=full[0], height=full[1], keypoints=keypoints)
