"""MediaPipe Pose (0.10.14, full model, tracking mode) → OpenPose BODY_25 per frame.

Only ``model_complexity=1`` ships with the wheel; 0 and 2 would download and fail offline.
Frames larger than ``max_side`` are downscaled before inference (landmarks are normalised, so
the BODY_25 pixels are still those of the original frame, whatever size the frame source gave).
"""

from __future__ import annotations

import bisect
import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from voice.body25 import PoseFrame, from_mediapipe
from voice.mp_quiet import native_stderr_muted

__all__ = [
    "MODEL_NAME",
    "PoseEstimator",
    "PoseTrack",
    "downscaled_rgb",
    "face_hands_estimator",
    "face_hands_model_name",
    "patient_parts",
    "sample_stride",
    "track_poses",
]

MODEL_NAME = "mediapipe-0.10.14/full"


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


def face_hands_model_name(settings: Any) -> str | None:
    """What found the face and hands (the metadata's ``models.face_hands``); None when both are off."""
    parts = []
    if settings.pose_face:
        parts.append("face_landmark")
    if settings.pose_hands:
        parts.append(f"hand_landmark_{settings.hand_model}")
    return f"mediapipe-0.10.14/{'+'.join(parts)}+litert" if parts else None


def face_hands_estimator(settings: Any) -> Any:
    """The face/hands estimator the settings ask for, or None when both are off."""
    if not (settings.pose_face or settings.pose_hands):
        return None
    from voice.face_hands import FaceHandsEstimator

    return FaceHandsEstimator(
        face=settings.pose_face,
        hands=settings.pose_hands,
        hand_model=settings.hand_model,
        search_every=settings.hand_search_every,
    )


def _rescaled(points: np.ndarray | None, sx: float, sy: float) -> np.ndarray | None:
    """Points found on a scaled image, in the full frame's pixels (not-found zeros stay zeros)."""
    if points is None:
        return None
    out = np.array(points, dtype=np.float64)
    found = out[:, 2] > 0
    out[found, 0] /= sx
    out[found, 1] /= sy
    return out


def patient_parts(
    estimator: Any, bgr: np.ndarray, keypoints: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The face and hands of the person whose BODY_25 is ``keypoints`` (pixels of a frame of
    ``size``), found on ``bgr`` (that frame, maybe scaled down); in pixels of the full frame."""
    height, width = bgr.shape[:2]
    sx, sy = width / size[0], height / size[1]
    body = np.array(keypoints, dtype=np.float64)
    body[:, 0] *= sx
    body[:, 1] *= sy
    found = estimator.estimate(bgr, body)
    return (
        _rescaled(found.face, sx, sy),
        _rescaled(found.hand_left, sx, sy),
        _rescaled(found.hand_right, sx, sy),
    )


def track_poses(
    frames: Iterable[Any], track: PoseTrack, *, stride: int, settings: Any, timer: list[float] | None = None
) -> Iterator[Any]:
    """Pass every frame through, after running pose (tracking mode) on every ``stride``-th one.

    Poses are appended to ``track`` as they come, so a caller handling frame ``i`` already has
    its pose; ``timer[0]`` accumulates the seconds spent in pose (with the face and hands, when
    ``settings.pose_face``/``pose_hands`` are on: :mod:`voice.face_hands`). Frames may be
    downscaled (:class:`voice.frames.Frame`): poses are in pixels of the full frame (``source_size``).
    """
    extra = face_hands_estimator(settings)
    with contextlib.ExitStack() as stack:
        est = stack.enter_context(
            PoseEstimator(
                max_side=settings.pose_max_side,
                min_detection=settings.pose_min_detection,
                min_tracking=settings.pose_min_tracking,
            )
        )
        if extra is not None:
            stack.enter_context(extra)
        for fr in frames:
            if fr.index % stride == 0:
                t0 = time.perf_counter()
                pose = est.estimate(fr.bgr, frame=fr.index, time_s=fr.time_s, size=fr.source_size)
                if extra is not None and pose.keypoints is not None:
                    face, left, right = patient_parts(extra, fr.bgr, pose.keypoints, fr.source_size)
                    pose = replace(pose, face=face, hand_left=left, hand_right=right)
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

    @property
    def faces(self) -> int:
        """Frames in which the face was found."""
        return sum(1 for f in self.frames if f.face is not None and f.face[:, 2].any())

    @property
    def hands(self) -> int:
        """Hands found, summed over the frames (0–2 per frame)."""
        return sum(
            1 for f in self.frames for h in (f.hand_left, f.hand_right) if h is not None and h[:, 2].any()
        )

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
