"""Honest evaluation of a patient's model, the promotion rule, and the final fit.

- Cross-validation is grouped by source video (session): the samples of one video are never on
  both sides of a split, so the score says how well the model does on a *new* video. Repeated
  ``StratifiedGroupKFold`` when every class has at least ``cv_folds`` videos, else
  leave-one-video-out.
- The headline score is the balanced accuracy of the pooled out-of-fold predictions (mean over
  repeats); its spread is a bootstrap over videos. The baseline is the majority class:
  balanced accuracy ``1 / n_classes``.
- A run is promoted only if ``mean - std > baseline`` (see :func:`promotion`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.config import Settings
from voice.errors import ModelError, NotEnoughDataError
from voice.model.features import FEATURE_NAMES
from voice.model.patient_model import PatientModel, build_pipeline, class_order
from voice.records.training import (
    Accuracy,
    BalancedAccuracy,
    Baseline,
    ConfusionMatrix,
    CrossValidation,
    CvScheme,
    FeatureImportance,
    FoldRecord,
    Promotion,
    TrainingMetrics,
)

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "cross_validate",
    "cv_balanced_accuracy",
    "cv_splits",
    "promotion",
    "train_model",
]

BOOTSTRAP_RESAMPLES = 200

Splits = list[tuple[np.ndarray, np.ndarray]]


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in ``y_true`` (sklearn's definition), in numpy."""
    totals = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    present = totals > 0
    return float(np.mean(hits[present] / totals[present]))


def cv_splits(y: np.ndarray, groups: np.ndarray, settings: Settings) -> tuple[str, int, list[Splits]]:
    """The CV scheme, folds per repeat, and the (train, test) index splits of every repeat.

    ``y`` are encoded labels; ``groups`` the video (session) of each sample.
    """
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

    min_groups = min(len(set(groups[y == c])) for c in np.unique(y))
    dummy = np.zeros((y.size, 1))
    if min_groups >= settings.cv_folds >= 2:
        repeats = []
        for r in range(max(settings.cv_repeats, 1)):
            cv = StratifiedGroupKFold(
                n_splits=settings.cv_folds, shuffle=True, random_state=settings.random_seed + r
            )
            repeats.append(list(cv.split(dummy, y, groups)))
        return "stratified-group-kfold", settings.cv_folds, repeats
    logo = LeaveOneGroupOut()
    return "leave-one-video-out", int(logo.get_n_splits(groups=groups)), [list(logo.split(dummy, y, groups))]


@dataclass(frozen=True)
class _Data:
    """The encoded problem: features, labels as class indices, the video of each sample."""

    x: np.ndarray
    y: np.ndarray
    g: np.ndarray
    classes: tuple[str, ...]

    @property
    def k(self) -> int:
        return len(self.classes)


def _encode(features: np.ndarray, labels: Sequence[str], groups: Sequence[str]) -> _Data:
    classes = class_order(labels)
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    data = _Data(np.asarray(features, dtype=np.float64), y, np.asarray(groups), classes)
    if data.k < 2:
        raise NotEnoughDataError("training needs samples of at least two emotions.")
    if len(set(data.g.tolist())) < 2:
        raise NotEnoughDataError("grouped cross-validation needs samples from at least two videos.")
    return data


def _fold(data: _Data, template: Any, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Out-of-fold predictions for ``test`` from a fresh pipeline fitted on ``train``."""
    from sklearn.base import clone

    if len(np.unique(data.y[train])) < 2:
        # Only one class left to learn from: it can only ever predict that class.
        return np.full(test.size, data.y[train][0], dtype=np.int64)
    model = clone(template)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(data.x[train], data.y[train])
        return np.asarray(model.predict(data.x[test]), dtype=np.int64)


def _fold_record(data: _Data, oof: np.ndarray, test: np.ndarray, repeat: int, fold: int) -> FoldRecord:
    in_test = np.unique(data.y[test])
    return FoldRecord(
        repeat=repeat,
        fold=fold,
        n_test=int(test.size),
        test_videos=len(set(data.g[test].tolist())),
        test_classes=[data.classes[i] for i in in_test],
        accuracy=float(np.mean(oof[test] == data.y[test])),
        balanced_accuracy=_balanced_accuracy(data.y[test], oof[test], data.k) if in_test.size > 1 else None,
    )


def _out_of_fold(
    data: _Data, repeats: list[Splits], settings: Settings
) -> tuple[list[np.ndarray], list[FoldRecord]]:
    """Pooled out-of-fold predictions per repeat, and one record per fold."""
    template = build_pipeline(settings)
    per_fold: list[FoldRecord] = []
    oof_all = []
    for r, splits in enumerate(repeats):
        oof = np.full(data.y.size, -1, dtype=np.int64)
        for f, (train, test) in enumerate(splits):
            oof[test] = _fold(data, template, train, test)
            per_fold.append(_fold_record(data, oof, test, r, f))
        oof_all.append(oof)
    return oof_all, per_fold


def _bootstrap(data: _Data, oof_all: list[np.ndarray], seed: int) -> list[float]:
    """Balanced accuracy over resamples of videos (with replacement), for the spread."""
    rng = np.random.default_rng(seed)
    uniq = np.unique(data.g)
    members = [np.flatnonzero(data.g == u) for u in uniq]
    boot = []
    for oof in oof_all:
        for _ in range(BOOTSTRAP_RESAMPLES):
            pick = rng.integers(0, uniq.size, uniq.size)
            idx = np.concatenate([members[i] for i in pick])
            boot.append(_balanced_accuracy(data.y[idx], oof[idx], data.k))
    return boot


@dataclass(frozen=True)
class _Scores:
    """The scores of the pooled out-of-fold predictions (module notes)."""

    balanced_accuracy: BalancedAccuracy
    accuracy: Accuracy
    baseline: Baseline
    per_class_recall: dict[str, float]
    confusion_matrix: ConfusionMatrix


def _score(data: _Data, oof_all: list[np.ndarray], boot: list[float]) -> _Scores:
    per_repeat = [_balanced_accuracy(data.y, oof, data.k) for oof in oof_all]
    confusion = np.zeros((data.k, data.k), dtype=np.int64)
    for oof in oof_all:
        np.add.at(confusion, (data.y, oof), 1)
    counts = np.bincount(data.y, minlength=data.k)
    recall = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    return _Scores(
        balanced_accuracy=BalancedAccuracy(
            mean=float(np.mean(per_repeat)),
            std=float(np.std(boot)),
            ci95=(float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))),
            per_repeat=per_repeat,
            definition="balanced accuracy of the pooled out-of-fold predictions, mean over repeats",
            spread=f"std over {BOOTSTRAP_RESAMPLES} bootstrap resamples of videos per repeat",
        ),
        accuracy=Accuracy(mean=float(np.mean([np.mean(oof == data.y) for oof in oof_all]))),
        baseline=Baseline(
            strategy="always predict the majority class",
            balanced_accuracy=1.0 / data.k,
            accuracy=float(counts.max() / counts.sum()),
        ),
        per_class_recall={c: float(v) for c, v in zip(data.classes, recall, strict=True)},
        confusion_matrix=ConfusionMatrix(
            labels=list(data.classes),
            matrix=confusion.tolist(),
            note="rows: narrated emotion, columns: predicted; "
            f"summed over all folds of {len(oof_all)} repeat(s)",
        ),
    )


def cross_validate(
    features: np.ndarray, labels: Sequence[str], groups: Sequence[str], *, settings: Settings
) -> CrossValidation:
    """Grouped cross-validation metrics (see the module docstring). Labels are emotion names."""
    data = _encode(features, labels, groups)
    scheme, n_folds, repeats = cv_splits(data.y, data.g, settings)
    oof_all, per_fold = _out_of_fold(data, repeats, settings)
    counts = np.bincount(data.y, minlength=data.k)
    scores = _score(data, oof_all, _bootstrap(data, oof_all, settings.random_seed))
    return CrossValidation(
        n_samples=int(data.y.size),
        n_videos=int(np.unique(data.g).size),
        classes=list(data.classes),
        class_counts={c: int(n) for c, n in zip(data.classes, counts, strict=True)},
        class_videos={c: len(set(data.g[data.y == i].tolist())) for i, c in enumerate(data.classes)},
        cv=CvScheme(
            scheme=scheme,
            grouped_by="video (session)",
            folds=n_folds,
            repeats=len(repeats),
            per_fold=per_fold,
        ),
        balanced_accuracy=scores.balanced_accuracy,
        accuracy=scores.accuracy,
        baseline=scores.baseline,
        per_class_recall=scores.per_class_recall,
        confusion_matrix=scores.confusion_matrix,
    )


def cv_balanced_accuracy(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    settings: Settings,
    first_repeat_only: bool = False,
) -> float:
    """Only the headline score of :func:`cross_validate` (same folds for the same labels and
    videos); with ``first_repeat_only``, the score of its first repeat (``per_repeat[0]``)."""
    data = _encode(features, labels, groups)
    _, _, repeats = cv_splits(data.y, data.g, settings)
    oof_all, _ = _out_of_fold(data, repeats[:1] if first_repeat_only else repeats, settings)
    return float(np.mean([_balanced_accuracy(data.y, oof, data.k) for oof in oof_all]))


def promotion(metrics: CrossValidation) -> tuple[bool, str]:
    """The promotion rule: the CV balanced accuracy minus one std must beat the majority baseline."""
    ba = metrics.balanced_accuracy
    base = metrics.baseline.balanced_accuracy
    lower = ba.mean - ba.std
    detail = f"balanced accuracy {ba.mean:.3f} ± {ba.std:.3f} vs majority baseline {base:.3f}"
    if lower > base:
        return True, f"promoted: {detail} (mean − std > baseline)"
    return False, f"not promoted: {detail}; needs mean − std > baseline ({lower:.3f} ≤ {base:.3f})"


def train_model(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    settings: Settings,
    run_id: str,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> PatientModel:
    """Cross-validate, then fit on all data. ``model.metrics`` holds CV scores and the promotion."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(feature_names):
        raise ModelError(f"feature matrix must be (n, {len(feature_names)}), got {x.shape}.")
    cv = cross_validate(x, labels, groups, settings=settings)
    classes = tuple(cv.classes)
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    pipeline = build_pipeline(settings)
    pipeline.fit(x, y)
    importances = pipeline.named_steps["forest"].feature_importances_
    promoted, reason = promotion(cv)
    metrics = TrainingMetrics(
        **dict(cv),
        feature_importance=FeatureImportance(
            method="mean decrease in impurity of the final forest",
            values={n: float(v) for n, v in zip(feature_names, importances, strict=True)},
        ),
        promotion=Promotion(promoted=promoted, reason=reason, rule="mean − std > baseline"),
        run_id=run_id,
    )
    return PatientModel(pipeline, classes, tuple(feature_names), run_id, metrics)
