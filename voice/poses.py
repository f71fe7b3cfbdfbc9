"""MediaPipe Pose (0.10.14, full model, tracking mode) → OpenPose BODY_25 per frame.

Only ``model_complexity=1`` ships with the wheel; 0 and 2 would download and fail offline.
Frames larger than ``max_side`` are downscaled before inference (landmarks are normalised, so
the BODY_25 pixels are still those of the original frame, whatever size the frame source gave).
"""

from __future__ import annotations

import bisect
import contextlib
import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.body25 import PoseFrame, from_mediapipe

__all__ = [
    "MODEL_NAME",
    "PoseEstimator",
    "PoseTrack",
    "downscaled_rgb",
    "native_stderr_muted",
    "sample_stride",
    "track_poses",
]

MODEL_NAME = "mediapipe-0.10.14/full"

# MediaPipe (glog/absl/TFLite) is chatty on stderr; keep it to errors.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# mediapipe 0.10.14 calls a protobuf API that newer protobuf deprecates, once per graph.
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")


@contextlib.contextmanager
def native_stderr_muted() -> Iterator[None]:
    """Silence file descriptor 2 while MediaPipe builds and starts its graph.

    Its C++ side (absl, TFLite) prints warnings such as "Feedback manager requires a model with
    a single signature" straight to fd 2 before GLOG settings apply; they say nothing to a user.
    Python errors still propagate as exceptions.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def downscaled_rgb(bgr: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The frame as RGB, downscaled so its longer side is at most ``max_side``; and the scale."""
    import cv2

    height, width = bgr.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    small = (
        cv2.resize(bgr, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else bgr
    )
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB), scale


def sample_stride(video_fps: float, pose_fps: float) -> int:
    """Every ``stride``-th frame is a pose frame: the nearest integer stride to the wanted rate."""
    return max(1, round(video_fps / pose_fps))


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


def track_poses(
    frames: Iterable[Any], track: PoseTrack, *, stride: int, settings: Any, timer: list[float] | None = None
) -> Iterator[Any]:
    """Pass every frame through, after running pose (tracking mode) on every ``stride``-th one.

    Poses are appended to ``track`` as they come, so a caller handling frame ``i`` already has
    its pose; ``timer[0]`` accumulates the seconds spent in pose. Frames may be downscaled
    (:class:`voice.frames.Frame`): poses are in pixels of the full frame (``source_size``).
    """
    with PoseEstimator(
        max_side=settings.pose_max_side,
        min_detection=settings.pose_min_detection,
        min_tracking=settings.pose_min_tracking,
    ) as est:
        for fr in frames:
            if fr.index % stride == 0:
                t0 = time.perf_counter()
                pose = est.estimate(fr.bgr, frame=fr.index, time_s=fr.time_s, size=fr.source_size)
                track.frames.append(pose)
                if timer is not None:
                    timer[0] += time.perf_counter() - t0
            yield fr


@dataclass
class PoseTrack:
    """The sampled poses of a whole video, in time order."""

    frames: list[PoseFrame]

    @property
    def detected(self) -> int:
        return sum(1 for f in self.frames if f.keypoints is not None)

    def between(self, start: float, end: float) -> list[PoseFrame]:
        times = [f.time_s for f in self.frames]
        lo = bisect.bisect_left(times, start - 1e-6)
        hi = bisect.bisect_right(times, end + 1e-6)
        return self.frames[lo:hi]

    def nearest(self, time_s: float) -> PoseFrame | None:
        if not self.frames:
            return None
        times = [f.time_s for f in self.frames]
        i = bisect.bisect_left(times, time_s)
        candidates = self.frames[max(0, i - 1) : i + 1]
        return min(candidates, key=lambda f: abs(f.time_s - time_s))
