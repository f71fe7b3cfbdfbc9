"""What nested cross-validation found, as the records a run stores: how the model was chosen
(``metrics.json`` ``model_choice``), how far its probabilities can be trusted (``calibration``),
which features it relies on (``feature_importance``, from SHAP) and every sample's out-of-fold
prediction and attributions (``out_of_fold.json``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from voice.config import Settings
from voice.model.calibration import (
    brier_score,
    expected_calibration_error,
    reliability,
    unsure_threshold,
)
from voice.model.explain import shares
from voice.model.families import FAMILIES
from voice.model.selection import Nested
from voice.model.splits import Data, balanced_accuracy
from voice.records.training import (
    Calibration,
    ConfigScore,
    FamilyScore,
    FeatureImportance,
    ModelChoice,
    OutOfFold,
    OutOfFoldPrediction,
    OutOfFoldSample,
    ReliabilityBin,
)

__all__ = ["calibration", "feature_importance", "model_choice", "out_of_fold"]


_SPACES: dict[str, Literal["probability", "log-odds", "none"]] = {
    "probability": "probability",
    "log-odds": "log-odds",
    "": "none",
}


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def model_choice(data: Data, nested: Nested, settings: Settings) -> ModelChoice:
    chosen_counts = {f: 0 for f in FAMILIES}
    for per_repeat in nested.chosen:
        for i in per_repeat:
            chosen_counts[nested.configs[i].family] += 1
    families = {}
    for f in FAMILIES:
        scores = [balanced_accuracy(data.y, labels, data.k) for labels in nested.family_labels[f]]
        families[f] = FamilyScore(
            balanced_accuracy=float(np.mean(scores)),
            per_repeat=scores,
            chosen_in_folds=chosen_counts[f],
        )
    search = nested.final.search
    configs = [
        ConfigScore(
            model=c.label,
            family=c.family,
            params=dict(c.params),
            balanced_accuracy=_finite(search.scores[i]),
            log_loss=_finite(search.losses[i]),
        )
        for i, c in enumerate(nested.configs)
    ]
    return ModelChoice(
        method="nested grouped CV: in each outer training part an inner grouped CV scores every "
        "configuration (at most 4 per family); per family the best inner balanced accuracy (ties: "
        "lower log loss), the model the best of those; each family's choice refitted on the outer "
        "training part and scored on the outer test part",
        inner_cv=f"StratifiedGroupKFold, up to {settings.inner_folds} folds by video, inside each outer "
        "training part (none when it holds one video: the first configuration is used)",
        families=families,
        configurations=configs,
        chosen=nested.final.config.label,
        chosen_family=nested.final.config.family,
    )


def _pooled(which: list[np.ndarray], data: Data) -> tuple[np.ndarray, np.ndarray]:
    """Every repeat's out-of-fold rows stacked, with the labels repeated to match."""
    return np.vstack(which), np.tile(data.y, len(which))


def calibration(data: Data, nested: Nested, settings: Settings) -> Calibration:
    """Calibration figures on the out-of-fold predictions of every repeat, and the threshold."""
    proba, y = _pooled(nested.proba, data)
    raw, _ = _pooled(nested.raw, data)
    rel = reliability(proba, y)
    threshold = unsure_threshold(proba, y, target=settings.unsure_target_accuracy)
    bins = [
        ReliabilityBin(
            lower=float(rel.edges[b]),
            upper=float(rel.edges[b + 1]),
            count=int(rel.counts[b]),
            confidence=_finite(rel.confidence[b]),
            accuracy=_finite(rel.accuracy[b]),
        )
        for b in range(rel.counts.size)
    ]
    return Calibration(
        method="temperature scaling (p → softmax(log p / T)), T fitted on the inner out-of-fold "
        "probabilities of the outer training part (the final model: of all samples)",
        temperature=nested.final.temperature,
        brier=brier_score(proba, y),
        brier_uncalibrated=brier_score(raw, y),
        ece=expected_calibration_error(proba, y),
        ece_uncalibrated=expected_calibration_error(raw, y),
        bins=bins,
        unsure_below=threshold,
        target_accuracy=settings.unsure_target_accuracy,
        unsure_share=float(np.mean(proba.max(axis=1) < threshold)),
        definition="on the nested CV's out-of-fold predictions of every repeat; Brier: mean squared "
        "distance to the one-hot emotion; ECE: top probability in 10 equal bins, mean |accuracy − "
        "confidence| weighted by the bin's share; unsure: top probability below the lowest value from "
        "which the out-of-fold predictions are right at least target_accuracy of the time",
    )


def feature_importance(nested: Nested, feature_names: Sequence[str]) -> FeatureImportance:
    """Mean share of |SHAP| per feature over the first repeat's out-of-fold samples (sums to 1)."""
    per_feature = np.abs(shares(nested.attributions)).sum(axis=2).mean(axis=0)
    return FeatureImportance(
        method="mean share of |SHAP| per out-of-fold sample (first repeat; every class)",
        values={n: float(v) for n, v in zip(feature_names, per_feature, strict=True)},
    )


def out_of_fold(
    data: Data,
    nested: Nested,
    *,
    run_id: str,
    feature_names: Sequence[str],
    samples: Sequence[str],
    unsure_below: float,
) -> OutOfFold:
    """``out_of_fold.json``: every sample's out-of-fold predictions and first-repeat attributions."""
    rows = []
    for j in range(data.y.size):
        predictions = []
        for r, proba in enumerate(nested.proba):
            fold = int(nested.fold_of[r][j])
            p = proba[j]
            predictions.append(
                OutOfFoldPrediction(
                    repeat=r,
                    fold=fold,
                    model=nested.configs[nested.chosen[r][fold]].label,
                    label=data.classes[int(np.argmax(p))],
                    probabilities={c: round(float(v), 4) for c, v in zip(data.classes, p, strict=True)},
                    unsure=bool(p.max() < unsure_below),
                )
            )
        rows.append(
            OutOfFoldSample(
                sample=samples[j],
                session=str(data.g[j]),
                emotion=data.classes[int(data.y[j])],
                predictions=predictions,
                attribution_space=_SPACES[nested.spaces[j]],
                attributions={
                    c: [round(float(v), 5) for v in nested.attributions[j, :, i]]
                    for i, c in enumerate(data.classes)
                },
            )
        )
    return OutOfFold(
        run_id=run_id,
        classes=list(data.classes),
        feature_names=list(feature_names),
        unsure_below=unsure_below,
        definition="each sample predicted by the model chosen and fitted without its video (nested "
        "grouped CV), probabilities calibrated; attributions: SHAP values of that model (first repeat) "
        "towards each class, per feature",
        samples=rows,
    )
