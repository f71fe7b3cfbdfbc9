"""Why the model said what it said: SHAP attributions of its predictions, and their top signals in words.

- :func:`attributions`: for each sample, feature and class, how much the feature's value moved
  the model's output towards that class, against the model's average output (SHAP values; the
  ``shap`` package's tree explainer for the forest and boosting, its linear explainer for the
  logistic regression). Computed on the pipeline's scaled input, whose columns are the features
  one to one, so they are the features' attributions. Units differ by family
  (:data:`OUTPUT_SPACE`): probability for the forest, log-odds for the others; compare features
  within one sample, or shares (:func:`shares`) across samples.
- :func:`top_signals`: the features that pushed a window most towards its label, each with the
  short words of :mod:`voice.model.signal_words` in the direction its value lies from the
  patient's usual (the training mean), e.g. "smiling". A feature that was not seen in the window
  (imputed) is never named.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.model.families import single_thread
from voice.model.signal_words import WORDS

__all__ = ["OUTPUT_SPACE", "Signal", "attributions", "family_of", "shares", "top_signals"]

#: Family → what its SHAP values are in.
OUTPUT_SPACE: dict[str, str] = {"forest": "probability", "boosting": "log-odds", "logistic": "log-odds"}

#: How many signals a prediction carries.
TOP = 3


def family_of(pipeline: Any) -> str:
    """The family of a fitted pipeline's last step (``forest``, ``boosting`` or ``logistic``)."""
    name = type(pipeline[-1]).__name__
    families = {
        "RandomForestClassifier": "forest",
        "HistGradientBoostingClassifier": "boosting",
        "LogisticRegression": "logistic",
    }
    if name not in families:
        raise ValueError(f"no explainer for {name}")
    return families[name]


def _explainer(model: Any, family: str, width: int) -> Any:
    import shap

    if family == "logistic":
        # The scaler centres every column on its training mean: zero is the usual sample.
        return shap.LinearExplainer(model, np.zeros((1, width)))
    return shap.TreeExplainer(model)


def attributions(pipeline: Any, x: np.ndarray, k: int) -> np.ndarray:
    """(n, features, k) SHAP values of ``pipeline`` (from :mod:`voice.model.families`) on the raw
    feature rows ``x``, towards each of the ``k`` classes (0 for a class the model never saw)."""
    family = family_of(pipeline)
    with single_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xt = np.asarray(pipeline[:-1].transform(x), dtype=np.float64)
        model = pipeline[-1]
        explainer = _explainer(model, family, xt.shape[1])
        if family == "logistic":
            values = np.asarray(explainer.shap_values(xt))
        else:
            values = np.asarray(explainer.shap_values(xt, check_additivity=False))
    if values.ndim == 2:  # two classes, one output: the second class's log-odds
        values = np.stack([-values, values], axis=2)
    out = np.zeros((xt.shape[0], xt.shape[1], k))
    out[:, :, np.asarray(model.classes_, dtype=int)] = values
    return out


def shares(values: np.ndarray) -> np.ndarray:
    """Attributions (n, features, k) as shares of each sample's total |attribution| (unit-free)."""
    total = np.abs(values).sum(axis=(1, 2), keepdims=True)
    return np.asarray(values / np.where(total > 0, total, 1.0))


@dataclass(frozen=True)
class Signal:
    """One feature that pushed a prediction: its name, its words, and its attribution."""

    feature: str
    words: str
    contribution: float


def top_signals(
    contributions: np.ndarray,
    scaled: np.ndarray,
    seen: np.ndarray,
    feature_names: Sequence[str],
    *,
    top: int = TOP,
) -> list[Signal]:
    """The ``top`` features with the largest positive contribution towards the label.

    ``contributions``: one window's attributions towards its label (features,); ``scaled``: its
    values after the pipeline's scaling (above 0: above the usual); ``seen``: which features had
    data in the window.
    """
    order = np.argsort(-contributions, kind="stable")
    out: list[Signal] = []
    for j in order:
        if contributions[j] <= 0 or len(out) == top:
            break
        name = feature_names[j]
        if not seen[j] or name not in WORDS:
            continue
        out.append(Signal(name, WORDS[name].label(bool(scaled[j] > 0)), float(contributions[j])))
    return out
