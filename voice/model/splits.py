"""The encoded training problem and its grouped splits (outer and inner).

- Splits are grouped by source video (session): the samples of one video are never on both sides,
  so a score says how well the model does on a *new* video. Outer: repeated
  ``StratifiedGroupKFold`` when every class has at least ``cv_folds`` videos (one repeat from
  ``cv_large_samples`` samples on), else leave-one-video-out. Inner (the model search inside an
  outer training part): ``StratifiedGroupKFold`` with ``inner_folds`` folds (fewer when the part
  has fewer videos; none below two).
- Balanced accuracy is sklearn's definition (mean recall over the classes present), in numpy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice.config import Settings
from voice.errors import NotEnoughDataError
from voice.model.patient_model import class_order

__all__ = ["Data", "Splits", "balanced_accuracy", "cv_splits", "encode", "inner_splits"]

Splits = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Data:
    """The encoded problem: features, labels as class indices, the video of each sample."""

    x: np.ndarray
    y: np.ndarray
    g: np.ndarray
    classes: tuple[str, ...]

    @property
    def k(self) -> int:
        return len(self.classes)


def encode(features: np.ndarray, labels: Sequence[str], groups: Sequence[str]) -> Data:
    classes = class_order(labels)
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    data = Data(np.asarray(features, dtype=np.float64), y, np.asarray(groups), classes)
    if data.k < 2:
        raise NotEnoughDataError("training needs samples of at least two emotions.")
    if len(set(data.g.tolist())) < 2:
        raise NotEnoughDataError("grouped cross-validation needs samples from at least two videos.")
    return data


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in ``y_true`` (sklearn's definition), in numpy."""
    totals = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    present = totals > 0
    return float(np.mean(hits[present] / totals[present]))


def cv_splits(y: np.ndarray, groups: np.ndarray, settings: Settings) -> tuple[str, int, list[Splits]]:
    """The outer CV scheme, folds per repeat, and the (train, test) index splits of every repeat.

    ``y`` are encoded labels; ``groups`` the video (session) of each sample.
    """
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

    min_groups = min(len(set(groups[y == c])) for c in np.unique(y))
    dummy = np.zeros((y.size, 1))
    if min_groups >= settings.cv_folds >= 2:
        n_repeats = 1 if y.size >= settings.cv_large_samples else max(settings.cv_repeats, 1)
        repeats = []
        for r in range(n_repeats):
            cv = StratifiedGroupKFold(
                n_splits=settings.cv_folds, shuffle=True, random_state=settings.random_seed + r
            )
            repeats.append(list(cv.split(dummy, y, groups)))
        return "stratified-group-kfold", settings.cv_folds, repeats
    logo = LeaveOneGroupOut()
    return "leave-one-video-out", int(logo.get_n_splits(groups=groups)), [list(logo.split(dummy, y, groups))]


def inner_splits(data: Data, train: np.ndarray, settings: Settings) -> Splits:
    """Grouped folds inside ``train`` (indices into ``data``), as indices into ``data``; empty
    when ``train`` holds fewer than two videos (nothing to search with)."""
    from sklearn.model_selection import StratifiedGroupKFold

    videos = np.unique(data.g[train]).size
    n_splits = min(settings.inner_folds, videos)
    if n_splits < 2:
        return []
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=settings.random_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class with fewer videos than folds
        folds = list(cv.split(np.zeros((train.size, 1)), data.y[train], data.g[train]))
    return [(train[a], train[b]) for a, b in folds]
