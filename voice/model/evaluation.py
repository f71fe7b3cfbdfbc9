"""Honest evaluation of a patient's model, the promotion rule, and the final fit.

- The model is chosen by nested grouped cross-validation (:mod:`voice.model.selection`): family
  and hyperparameters are chosen inside each outer training part, so the reported score is the
  outer score of the whole procedure, not the best of several tries; every family's outer score
  is reported beside it (``model_choice``). Splits: :mod:`voice.model.splits` (grouped by video).
- The headline score is the balanced accuracy of the pooled out-of-fold predictions (mean over
  repeats); its spread is a bootstrap over videos. The baseline is the majority class:
  balanced accuracy ``1 / n_classes``.
- The probabilities are calibrated (temperature scaling) and the "unsure" threshold set from the
  out-of-fold predictions (:mod:`voice.model.calibration`, ``calibration``).
- A run is promoted only if ``mean - std > baseline`` (see :func:`promotion`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice.config import Settings
from voice.errors import ModelError
from voice.model.families import Config, fit, probabilities
from voice.model.features import FEATURE_NAMES
from voice.model.findings import calibration, feature_importance, model_choice, out_of_fold
from voice.model.patient_model import PatientModel
from voice.model.selection import Nested, jobs, nested_cv, parallel
from voice.model.splits import Data, balanced_accuracy, cv_splits, encode
from voice.records.training import (
    Accuracy,
    BalancedAccuracy,
    Baseline,
    ConfusionMatrix,
    CrossValidation,
    CvScheme,
    FoldRecord,
    Promotion,
    TrainingMetrics,
)

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "Evaluation",
    "cross_validate",
    "cv_splits",
    "evaluate",
    "fixed_cv_balanced_accuracy",
    "promotion",
    "train_model",
]

BOOTSTRAP_RESAMPLES = 200


def _fold_record(
    data: Data, labels: np.ndarray, test: np.ndarray, where: tuple[int, int], model: str
) -> FoldRecord:
    in_test = np.unique(data.y[test])
    return FoldRecord(
        repeat=where[0],
        fold=where[1],
        n_test=int(test.size),
        test_videos=len(set(data.g[test].tolist())),
        test_classes=[data.classes[i] for i in in_test],
        accuracy=float(np.mean(labels[test] == data.y[test])),
        balanced_accuracy=balanced_accuracy(data.y[test], labels[test], data.k) if in_test.size > 1 else None,
        model=model,
    )


def _bootstrap(data: Data, oof_all: list[np.ndarray], seed: int) -> list[float]:
    """Balanced accuracy over resamples of videos (with replacement), for the spread."""
    rng = np.random.default_rng(seed)
    uniq = np.unique(data.g)
    members = [np.flatnonzero(data.g == u) for u in uniq]
    boot = []
    for oof in oof_all:
        for _ in range(BOOTSTRAP_RESAMPLES):
            pick = rng.integers(0, uniq.size, uniq.size)
            idx = np.concatenate([members[i] for i in pick])
            boot.append(balanced_accuracy(data.y[idx], oof[idx], data.k))
    return boot


@dataclass(frozen=True)
class _Scores:
    """The scores of the pooled out-of-fold predictions (module notes)."""

    balanced_accuracy: BalancedAccuracy
    accuracy: Accuracy
    baseline: Baseline
    per_class_recall: dict[str, float]
    confusion_matrix: ConfusionMatrix


def _score(data: Data, oof_all: list[np.ndarray], boot: list[float]) -> _Scores:
    per_repeat = [balanced_accuracy(data.y, oof, data.k) for oof in oof_all]
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
            definition="balanced accuracy of the pooled out-of-fold predictions of nested grouped CV "
            "(model chosen inside each outer training part), mean over repeats",
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


@dataclass(frozen=True)
class Evaluation:
    """Nested CV of one training set: its metrics, what it found, and the encoded data."""

    cv: CrossValidation
    nested: Nested
    data: Data


def evaluate(
    features: np.ndarray, labels: Sequence[str], groups: Sequence[str], *, settings: Settings
) -> Evaluation:
    """Nested grouped cross-validation and the final model (see the module docstring)."""
    data = encode(features, labels, groups)
    scheme, n_folds, repeats = cv_splits(data.y, data.g, settings)
    nested = nested_cv(data, repeats, settings)
    oof_all = [p.argmax(axis=1) for p in nested.proba]
    per_fold = [
        _fold_record(data, oof_all[r], test, (r, f), nested.configs[nested.chosen[r][f]].label)
        for r, splits in enumerate(repeats)
        for f, (_, test) in enumerate(splits)
    ]
    counts = np.bincount(data.y, minlength=data.k)
    scores = _score(data, oof_all, _bootstrap(data, oof_all, settings.random_seed))
    cv = CrossValidation(
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
        model_choice=model_choice(data, nested, settings),
        calibration=calibration(data, nested, settings),
    )
    return Evaluation(cv, nested, data)


def cross_validate(
    features: np.ndarray, labels: Sequence[str], groups: Sequence[str], *, settings: Settings
) -> CrossValidation:
    """The metrics of :func:`evaluate`. Labels are emotion names."""
    return evaluate(features, labels, groups, settings=settings).cv


def _fixed_fold(
    data: Data, split: tuple[np.ndarray, np.ndarray], config: Config, settings: Settings
) -> np.ndarray:
    train, test = split
    pipeline = fit(config, data.x[train], data.y[train], settings)
    proba = probabilities(pipeline, data.x[test], data.k, only=int(data.y[train][0]))
    return np.asarray(proba.argmax(axis=1))


def fixed_cv_balanced_accuracy(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    config: Config,
    settings: Settings,
    columns: Sequence[np.ndarray] | None = None,
) -> list[float]:
    """Balanced accuracy of ONE configuration (no search) on the folds of the first outer repeat,
    for each set of ``columns`` (boolean masks; default: every column): a comparison between
    feature sets (:mod:`voice.model.ablation`), not a headline score. All fits in one parallel batch."""
    data = encode(features, labels, groups)
    _, _, repeats = cv_splits(data.y, data.g, settings)
    masks = list(columns) if columns is not None else [np.ones(data.x.shape[1], dtype=bool)]
    variants = [Data(data.x[:, m], data.y, data.g, data.classes) for m in masks]
    calls = [(_fixed_fold, (v, split, config, settings)) for v in variants for split in repeats[0]]
    results = iter(parallel(calls, jobs(settings)))
    scores = []
    for _ in variants:
        oof = np.full(data.y.size, -1, dtype=np.int64)
        for _, test in repeats[0]:
            oof[test] = next(results)
        scores.append(balanced_accuracy(data.y, oof, data.k))
    return scores


def promotion(metrics: CrossValidation) -> tuple[bool, str]:
    """The promotion rule: the CV balanced accuracy minus one std must beat the majority baseline."""
    ba = metrics.balanced_accuracy
    base = metrics.baseline.balanced_accuracy
    lower = ba.mean - ba.std
    detail = f"balanced accuracy {ba.mean:.3f} ± {ba.std:.3f} vs majority baseline {base:.3f}"
    if lower > base:
        return True, f"promoted: {detail} (mean − std > baseline)"
    return False, f"not promoted: {detail}; needs mean − std > baseline ({lower:.3f} ≤ {base:.3f})"


def train_model(  # noqa: PLR0913 - the data, their names and the run they belong to
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    settings: Settings,
    run_id: str,
    feature_names: Sequence[str] = FEATURE_NAMES,
    samples: Sequence[str] | None = None,
) -> PatientModel:
    """Nested CV, then the chosen configuration fitted on all data and calibrated.

    ``model.metrics`` holds the scores, the model choice, the calibration and the promotion;
    ``model.out_of_fold`` every sample's out-of-fold prediction and attributions (``samples``
    names them; default: their index).
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(feature_names):
        raise ModelError(f"feature matrix must be (n, {len(feature_names)}), got {x.shape}.")
    ev = evaluate(x, labels, groups, settings=settings)
    promoted, reason = promotion(ev.cv)
    metrics = TrainingMetrics(
        **dict(ev.cv),
        feature_importance=feature_importance(ev.nested, feature_names),
        promotion=Promotion(promoted=promoted, reason=reason, rule="mean − std > baseline"),
        run_id=run_id,
    )
    assert metrics.calibration is not None
    unsure_below = metrics.calibration.unsure_below
    names = list(samples) if samples is not None else [str(i) for i in range(x.shape[0])]
    oof = out_of_fold(
        ev.data,
        ev.nested,
        run_id=run_id,
        feature_names=feature_names,
        samples=names,
        unsure_below=unsure_below,
    )
    final = ev.nested.final
    return PatientModel(
        final.pipeline,
        ev.data.classes,
        tuple(feature_names),
        run_id,
        metrics,
        temperature=final.temperature,
        unsure_below=unsure_below,
        config=final.config.label,
        out_of_fold=oof,
    )
