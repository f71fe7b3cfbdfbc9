"""NaN-aware statistics and time-series helpers for pose features.

Every helper treats NaN as "not seen": statistics ignore it and return NaN when nothing is left;
derivatives use each joint's own valid timestamps. Used by :mod:`voice.model.body_features`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = [
    "angle_at",
    "derivative",
    "dist",
    "lean",
    "line_angle",
    "nan_max",
    "nan_mean",
    "nan_median",
    "nan_percentile",
    "nan_std",
    "periodicity",
    "quiet",
    "trend",
]

GRID_HZ = 10.0  # uniform resampling rate for the autocorrelation
MIN_LAG_S, MAX_LAG_S = 0.3, 2.0


@contextmanager
def quiet() -> Iterator[None]:
    """All-NaN slices are expected (legs out of view); their NaN result is the answer."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def nan_median(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else np.nan


def nan_mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else np.nan


def nan_std(x: np.ndarray, *, min_n: int = 2) -> float:
    x = x[np.isfinite(x)]
    return float(np.std(x)) if x.size >= min_n else np.nan


def nan_percentile(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else np.nan


def nan_max(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.max(x)) if x.size else np.nan


def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance of two (..., 2) point arrays."""
    return np.asarray(np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1]))


def angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees (0–180) per frame."""
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / (np.hypot(u[..., 0], u[..., 1]) * np.hypot(v[..., 0], v[..., 1]))
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def line_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle of the line a→b against the image horizontal, degrees (positive: b lower than a)."""
    return np.asarray(np.degrees(np.arctan2(b[..., 1] - a[..., 1], b[..., 0] - a[..., 0])))


def lean(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Angle of bottom→top against the vertical, degrees (positive: top to the image right)."""
    return np.asarray(np.degrees(np.arctan2(top[..., 0] - bottom[..., 0], bottom[..., 1] - top[..., 1])))


def derivative(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """d values / dt per joint over the frames where that joint was seen (T, J, 2) → (T, J, 2).

    Each joint is differentiated over its own valid timestamps, so a dropout does not spread
    NaN to its neighbours and a gap is bridged by the real elapsed time.
    """
    out = np.full_like(values, np.nan)
    for j in range(values.shape[1]):
        ok = np.isfinite(values[:, j, 0]) & np.isfinite(values[:, j, 1])
        if ok.sum() < 2:
            continue
        t = times[ok]
        if np.any(np.diff(t) <= 0):
            t, first = np.unique(t, return_index=True)
            if t.size < 2:
                continue
            idx = np.flatnonzero(ok)[first]
        else:
            idx = np.flatnonzero(ok)
        out[idx, j, :] = np.gradient(values[idx, j, :], t, axis=0)
    return out


def periodicity(signal: np.ndarray, times: np.ndarray) -> tuple[float, float]:
    """Dominant period (s) and its autocorrelation, on a uniform grid (frame-rate free)."""
    ok = np.isfinite(signal)
    if ok.sum() < 4:
        return np.nan, np.nan
    t0, t1 = times[ok][0], times[ok][-1]
    grid = np.arange(t0, t1 + 1e-9, 1.0 / GRID_HZ)
    min_lag = round(MIN_LAG_S * GRID_HZ)
    max_lag = min(round(MAX_LAG_S * GRID_HZ), grid.size // 2)
    if max_lag <= min_lag:
        return np.nan, np.nan
    s = np.interp(grid, times[ok], signal[ok])
    s = s - np.polyval(np.polyfit(grid - grid[0], s, 1), grid - grid[0])  # remove drift
    energy = float(np.dot(s, s))
    if energy <= 1e-12:
        return np.nan, np.nan
    lags = np.arange(min_lag, max_lag + 1)
    ac = np.array([np.dot(s[:-k], s[k:]) / energy for k in lags])
    best = int(np.argmax(ac))
    return float(lags[best] / GRID_HZ), float(ac[best])


def trend(y: np.ndarray, times: np.ndarray) -> float:
    """Least-squares slope of y over time (units per second)."""
    ok = np.isfinite(y)
    if ok.sum() < 3 or np.ptp(times[ok]) <= 0:
        return np.nan
    return float(np.polyfit(times[ok], y[ok], 1)[0])
