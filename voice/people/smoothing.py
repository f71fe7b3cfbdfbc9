"""Landmark smoothing per person, as the legacy single-person solution did it.

The multi-person estimator returns raw landmarks when it follows several people (with one, the
Tasks graph it reproduces has smoothed them once already: :mod:`voice.pose.stream_smoothing`;
that double smoothing is what the outputs have always had); MediaPipe's legacy pose graph smoothed them
(its ``PoseLandmarkFiltering`` subgraph, read from the wheel): a one-euro filter on the
coordinates (``min_cutoff=0.05``, ``beta=80``, ``derivate_cutoff=1``, speeds measured in object
sizes per second) and a low-pass filter on the visibilities (``alpha=0.1``). Applied here to each
track on the sampled frames, so features of still and moving people mean what they meant with
the single-person tracker. Neck and MidHip are set again from the smoothed shoulders and hips.
A track's filter starts afresh when it was out of view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from voice.pose.body25 import with_midpoints

__all__ = ["LandmarkSmoother", "OneEuro"]


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
    return np.asarray(1.0 / (1.0 + tau / dt))


@dataclass
class OneEuro:
    """The one-euro filter (Casiez et al. 2012) on an array of values, in MediaPipe's variant:
    the speed that opens the cutoff is measured in units of ``scale`` per second."""

    min_cutoff: float = 0.05
    beta: float = 80.0
    derivate_cutoff: float = 1.0
    _last_t: float | None = None
    _raw: np.ndarray | None = None
    _value: np.ndarray | None = None
    _speed: np.ndarray | None = None

    def __call__(self, t: float, x: np.ndarray, scale: float) -> np.ndarray:
        if self._last_t is None or self._raw is None or self._value is None or t <= self._last_t:
            self._last_t, self._raw, self._value, self._speed = t, x.copy(), x.copy(), np.zeros_like(x)
            return x.copy()
        dt = t - self._last_t
        speed = (x - self._raw) / max(scale, 1e-6) / dt
        a_d = _alpha(self.derivate_cutoff, dt)
        self._speed = a_d * speed + (1 - a_d) * (self._speed if self._speed is not None else 0.0)
        a = _alpha(self.min_cutoff + self.beta * np.abs(self._speed), dt)
        self._value = a * x + (1 - a) * self._value
        self._last_t, self._raw = t, x.copy()
        return np.asarray(self._value.copy())


class LandmarkSmoother:
    """One filter per track: coordinates by one-euro, visibility by a low-pass (``alpha``)."""

    def __init__(self, *, reset_after_s: float = 0.5, visibility_alpha: float = 0.1) -> None:
        self.reset_after_s = reset_after_s
        self.visibility_alpha = visibility_alpha
        self._coords: dict[int, OneEuro] = {}
        self._visibility: dict[int, np.ndarray] = {}
        self._last: dict[int, float] = {}

    def __call__(self, track_id: int, t: float, keypoints: np.ndarray) -> np.ndarray:
        """The smoothed copy of one person's BODY_25 (slots without a landmark stay zero)."""
        if t - self._last.get(track_id, -math.inf) > self.reset_after_s:
            self._coords[track_id] = OneEuro()
            self._visibility.pop(track_id, None)
        self._last[track_id] = t
        empty = np.all(keypoints == 0, axis=1)
        x0, y0 = keypoints[~empty, :2].min(axis=0) if (~empty).any() else (0.0, 0.0)
        x1, y1 = keypoints[~empty, :2].max(axis=0) if (~empty).any() else (1.0, 1.0)
        out = keypoints.copy()
        out[:, :2] = self._coords[track_id](t, keypoints[:, :2], ((x1 - x0) + (y1 - y0)) / 2.0)
        old = self._visibility.get(track_id)
        vis = (
            keypoints[:, 2]
            if old is None
            else self.visibility_alpha * keypoints[:, 2] + (1 - self.visibility_alpha) * old
        )
        self._visibility[track_id] = vis
        out[:, 2] = vis
        out[empty] = 0.0
        return with_midpoints(out)
