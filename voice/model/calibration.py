"""How far the model's probabilities can be trusted, and when a window is "unsure".

- **Temperature scaling**: ``p → softmax(log p / T)``, one number ``T`` fitted by minimising the
  log loss of out-of-fold probabilities (:func:`fit_temperature`), ``T`` within
  :data:`TEMPERATURES` (out-of-fold predictions that are all right would otherwise push ``T``
  towards 0 and every probability to 0 or 1). It keeps the order of the classes (the label never
  changes) and only makes the model more or less sure of itself; one parameter is what a few
  dozen samples can support.
- **Brier score**: the mean over samples of the squared distance between the probability vector
  and the one-hot narrated emotion (0 is perfect; always saying ``1/k`` scores ``1 - 1/k``).
- **Expected calibration error** (ECE): the top probability ("confidence") binned in
  :data:`BINS` equal-width bins; the mean over samples of ``|accuracy of its bin - confidence of
  its bin|`` (0: the model is right exactly as often as it says).
- **Unsure threshold** (:func:`unsure_threshold`): how often a prediction is right as a function
  of its calibrated top probability is estimated from the out-of-fold predictions (isotonic
  regression: never less often for a higher probability); the threshold is the lowest top
  probability from which it is at least ``target``. Where every out-of-fold prediction clears the
  target the data cannot say how low that goes, and the calibrated probability itself is taken
  at its word: the threshold is then at most ``target``. A window whose top probability is below
  it is "unsure": shown so, never as a confident label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "BINS",
    "MIN_CONFIDENT",
    "TEMPERATURES",
    "Reliability",
    "apply_temperature",
    "brier_score",
    "expected_calibration_error",
    "fit_temperature",
    "reliability",
    "unsure_threshold",
]

#: Equal-width bins of the top probability for the ECE and the reliability plot.
BINS = 10
#: At least this many out-of-fold predictions must lie at or above a threshold for it to count.
MIN_CONFIDENT = 5
#: The range a fitted temperature is kept in.
TEMPERATURES = (0.25, 4.0)
#: Temperatures tried within that range (1.0 is one of them).
_GRID = 161
_EPS = 1e-6


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``proba`` sharpened (T < 1) or softened (T > 1); rows still sum to 1."""
    p = np.clip(np.asarray(proba, dtype=np.float64), _EPS, 1.0)
    logits = np.log(p) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return np.asarray(out / out.sum(axis=1, keepdims=True))


def _log_loss(proba: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(proba[np.arange(y.size), y], _EPS, 1.0))))


def fit_temperature(proba: np.ndarray, y: np.ndarray) -> float:
    """The temperature within :data:`TEMPERATURES` that minimises the log loss of ``proba``
    against the class indices ``y`` (a grid of :data:`_GRID` steps evenly spaced in log T: the
    loss is smooth in T and one number needs no optimiser); 1 when there is nothing to fit."""
    if y.size == 0:
        return 1.0
    grid = np.exp(np.linspace(np.log(TEMPERATURES[0]), np.log(TEMPERATURES[1]), _GRID))
    losses = [_log_loss(apply_temperature(proba, float(t)), y) for t in grid]
    return float(grid[int(np.argmin(losses))])


def brier_score(proba: np.ndarray, y: np.ndarray) -> float:
    """Mean squared distance between each probability vector and its one-hot class."""
    onehot = np.zeros_like(proba)
    onehot[np.arange(y.size), y] = 1.0
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


@dataclass(frozen=True)
class Reliability:
    """Per bin of the top probability: its edges, how many predictions, their mean top
    probability and how often they were right (NaN for an empty bin)."""

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray


def reliability(proba: np.ndarray, y: np.ndarray, bins: int = BINS) -> Reliability:
    top = proba.max(axis=1)
    right = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(top, edges[1:-1], right=True), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore"):
        confidence = np.bincount(which, weights=top, minlength=bins) / counts
        accuracy = np.bincount(which, weights=right.astype(float), minlength=bins) / counts
    return Reliability(edges, counts, confidence, accuracy)


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = BINS) -> float:
    r = reliability(proba, y, bins)
    used = r.counts > 0
    gaps = np.abs(r.accuracy[used] - r.confidence[used])
    return float(np.sum(gaps * r.counts[used]) / max(int(r.counts.sum()), 1))


def unsure_threshold(proba: np.ndarray, y: np.ndarray, *, target: float) -> float:
    """The lowest top probability from which predictions are right at least ``target`` of the
    time (module notes), among at least :data:`MIN_CONFIDENT` out-of-fold predictions at or above
    it; 1.0 (every window unsure) when there is no such probability."""
    from sklearn.isotonic import IsotonicRegression

    top = proba.max(axis=1)
    right = (proba.argmax(axis=1) == y).astype(float)
    if top.size < MIN_CONFIDENT:
        return 1.0
    rate = IsotonicRegression(increasing=True, y_min=0.0, y_max=1.0).fit(top, right).predict(top)
    order = np.argsort(-top, kind="stable")
    top, rate = top[order], rate[order]
    clears = np.flatnonzero(rate >= target)
    if clears.size == 0:
        return 1.0
    # rate is monotone in top: the predictions that clear the target are the most confident ones
    lowest = int(clears.max())
    if lowest + 1 < MIN_CONFIDENT:
        return 1.0
    threshold = float(top[lowest])
    return min(threshold, target) if lowest == top.size - 1 else threshold
