"""The smoothing MediaPipe's Tasks ``PoseLandmarker`` applies in VIDEO mode with one pose.

With ``num_poses == 1`` the graph (``MultiplePoseLandmarksDetectorGraph`` of mediapipe 0.10.14,
``smooth_landmarks`` set in stream mode) smooths the person's landmarks before returning them:
visibilities by a low-pass filter (alpha 0.1), coordinates by MediaPipe's one-euro filter
(``min_cutoff=0.05``, ``beta=80``, ``derivate_cutoff=1``, speeds in object sizes per second, the
object size being the side of the region for the next frame), driven by the frames'
timestamps. A frame without the person resets both. The region for the next frame is computed
before smoothing, from the raw landmarks. This module reproduces those filters, quirks
included (a timestamp not after the last one returns the value as it is; the sampling rate is
taken from the timestamps only once a previous non-zero one exists, else it stays at the
default 30 Hz — measured against the graph: a video starting at time 0 runs its second frame at
30 Hz), so that :class:`voice.people.multi_pose.PeopleEstimator` returns what the graph returned.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LowPass", "OneEuroStream", "SinglePoseSmoothing"]


class LowPass:
    """MediaPipe's ``LowPassFilter`` on an array: the first value passes as it is."""

    def __init__(self) -> None:
        self.raw: np.ndarray | None = None
        self._stored: np.ndarray | None = None

    def __call__(self, value: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
        result = value if self._stored is None else alpha * value + (1.0 - alpha) * self._stored
        self.raw, self._stored = value, result
        return result


class OneEuroStream:
    """MediaPipe's ``OneEuroFilter`` (util/filtering), one per value of an array, in nanoseconds."""

    def __init__(
        self, min_cutoff: float, beta: float, derivate_cutoff: float, frequency: float = 30.0
    ) -> None:
        self.min_cutoff, self.beta, self.derivate_cutoff = min_cutoff, beta, derivate_cutoff
        self.frequency = frequency
        self._last_ns: int | None = None
        self._x, self._dx = LowPass(), LowPass()

    def _alpha(self, cutoff: float | np.ndarray) -> np.ndarray:
        te = 1.0 / self.frequency
        tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
        return np.asarray(1.0 / (1.0 + tau / te))

    def __call__(self, t_ns: int, value_scale: float, value: np.ndarray) -> np.ndarray:
        if self._last_ns is not None and self._last_ns >= t_ns:
            return value
        if self._last_ns and t_ns:
            self.frequency = 1.0 / ((t_ns - self._last_ns) * 1e-9)
        self._last_ns = t_ns
        raw = self._x.raw
        speed = (value - raw) * value_scale * self.frequency if raw is not None else np.zeros_like(value)
        smoothed_speed = self._dx(speed, self._alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * np.abs(smoothed_speed)
        return self._x(value, self._alpha(cutoff))


class SinglePoseSmoothing:
    """The one-pose graph's filters: ``(points (33, 3) px + visibility, region side px, time ns)``
    → the smoothed points; :meth:`reset` on a frame without the person."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._visibility = LowPass()
        self._coords = OneEuroStream(min_cutoff=0.05, beta=80.0, derivate_cutoff=1.0)

    def __call__(self, points: np.ndarray, object_size: float, t_ns: int) -> np.ndarray:
        out = points.copy()
        out[:, 2] = self._visibility(points[:, 2], 0.1)
        if object_size >= 1e-6:  # below it MediaPipe returns the landmarks unfiltered
            out[:, :2] = self._coords(t_ns, 1.0 / object_size, points[:, :2])
        return out
