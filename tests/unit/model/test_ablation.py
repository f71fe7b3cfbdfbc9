"""What each feature group adds: grouped CV with and without it, on the same folds."""

from __future__ import annotations

import numpy as np
import pytest

from voice.config import Settings
from voice.model.ablation import group_contributions
from voice.model.evaluation import cross_validate, fixed_cv_balanced_accuracy
from voice.model.families import chosen_config
from voice.model.features import FEATURE_GROUPS, FEATURE_NAMES, group_of
from voice.records.training import FeatureImportance, Promotion, TrainingMetrics

SETTINGS = Settings(forest_trees=30, cv_folds=4, cv_repeats=2)


def _data(signal_group: str, seed: int = 0) -> tuple[np.ndarray, list[str], list[str]]:
    """3 emotions × 8 videos × 2 samples; only ``signal_group``'s columns carry the label, the
    hands never had data (NaN, as with hands off)."""
    rng = np.random.default_rng(seed)
    labels = [e for e in ("happiness", "sadness", "anger") for _ in range(16)]
    groups = [f"{e}-{i // 2}" for e in ("happiness", "sadness", "anger") for i in range(16)]
    x = rng.normal(size=(len(labels), len(FEATURE_NAMES)))
    y = np.array([("happiness", "sadness", "anger").index(e) for e in labels])
    member = np.array([group_of(n) for n in FEATURE_NAMES])
    x[:, np.flatnonzero(member == signal_group)[:5]] += 3.0 * y[:, None]
    x[:, member == "hands"] = np.nan
    return x, labels, groups


@pytest.mark.slow
def test_the_group_that_holds_the_signal_is_the_one_that_adds() -> None:
    x, labels, groups = _data("face")
    cv = cross_validate(x, labels, groups, settings=SETTINGS)
    assert cv.model_choice is not None
    config = chosen_config(cv.model_choice.chosen, SETTINGS)
    # the chosen configuration alone (no search), on the first repeat's folds
    full = fixed_cv_balanced_accuracy(x, labels, groups, config=config, settings=SETTINGS)[0]
    member = np.array([group_of(n) for n in FEATURE_NAMES])
    masks = [np.ones(member.size, bool), member != "face"]
    assert fixed_cv_balanced_accuracy(x, labels, groups, config=config, settings=SETTINGS, columns=masks)[
        0
    ] == pytest.approx(full)
    metrics = TrainingMetrics(
        **dict(cv),
        feature_importance=FeatureImportance(method="one each", values=dict.fromkeys(FEATURE_NAMES, 1.0)),
        promotion=Promotion(promoted=True, reason="test", rule="test"),
        run_id="test",
    )
    info = group_contributions(
        x, labels, groups, settings=SETTINGS, feature_names=FEATURE_NAMES, metrics=metrics
    ).json_doc()
    g = info["groups"]
    assert config.label in info["method"]
    assert info["balanced_accuracy_all"] == pytest.approx(full)
    assert set(g) == set(FEATURE_GROUPS)
    assert full > 0.9
    assert g["face"]["adds"] > 0.3
    assert g["face"]["balanced_accuracy_without"] < 0.7
    assert abs(g["body"]["adds"]) < 0.15
    assert g["hands"] == {
        "features": len(FEATURE_GROUPS["hands"]),
        "has_data": False,
        "importance": float(len(FEATURE_GROUPS["hands"])),
        "balanced_accuracy_without": full,
        "adds": 0.0,
    }
