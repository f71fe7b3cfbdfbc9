"""The per-patient model on the samples the pipeline made from the bundled videos."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from voice.config import Settings
from voice.model.evaluation import cross_validate
from voice.model.features import FEATURE_NAMES, extract_feature_matrix
from voice.model.training import samples_from_store
from voice.storage import LocalStore

pytestmark = pytest.mark.slow

#: Nested CV costs seconds per run on these 17 samples: fewer trees than the default keep the
#: five runs below in bounds (the model choice and the scores are made the same way).
SETTINGS = Settings(forest_trees=30)


@pytest.fixture(scope="module")
def dataset(processed_samples: dict[str, Any]) -> dict[str, Any]:
    store = LocalStore(processed_samples["data"])
    samples, _digest = samples_from_store(store, processed_samples["patient"])
    return {
        "x": extract_feature_matrix([s.frames for s in samples]),
        "y": [s.emotion for s in samples],
        "groups": [s.session for s in samples],
    }


def test_samples_cover_every_emotion_from_several_videos(dataset: dict[str, Any]) -> None:
    y, groups = dataset["y"], dataset["groups"]
    assert len(y) >= 16  # 17 non-negated events in 15 sessions; one window may lack poses
    for emotion in ("happiness", "sadness", "anger", "surprise", "neutral"):
        assert len({g for g, e in zip(groups, y, strict=True) if e == emotion}) >= 3, emotion


def test_no_constant_or_duplicated_feature_column(dataset: dict[str, Any]) -> None:
    x = dataset["x"]
    assert x.shape[1] == len(FEATURE_NAMES)
    filled = np.where(np.isnan(x), -1e9, x)  # NaN (missing) compares equal to NaN only
    for j, name in enumerate(FEATURE_NAMES):
        assert np.unique(filled[:, j]).size > 1, f"{name} is constant on the samples"
    for a in range(x.shape[1]):
        for b in range(a + 1, x.shape[1]):
            assert not np.allclose(filled[:, a], filled[:, b]), (FEATURE_NAMES[a], FEATURE_NAMES[b])


def test_grouped_cv_beats_the_baseline_and_shuffled_labels_do_not(dataset: dict[str, Any]) -> None:
    x, y, groups = dataset["x"], dataset["y"], dataset["groups"]
    real = cross_validate(x, y, groups, settings=SETTINGS).json_doc()
    baseline = real["baseline"]["balanced_accuracy"]
    assert baseline == pytest.approx(1 / 5)
    assert real["balanced_accuracy"]["mean"] > baseline + 0.3, real["balanced_accuracy"]
    assert real["model_choice"]["chosen"]
    # The same features with the labels permuted: nothing left to learn, although nested CV tries
    # nine configurations. Tolerance: the mean over 4 permutations stays within 0.15 of the
    # baseline (17 samples, so each run is noisy). Known and open: on so few samples the promotion
    # rule (mean − std > baseline) lets a single permutation through (0.40 ± 0.12 and 0.33 ± 0.09
    # here), so this test does not claim that none is promoted; docs/model.md says so.
    rng = np.random.default_rng(0)
    shuffled = []
    for _ in range(4):
        m = cross_validate(x, list(rng.permutation(y)), groups, settings=SETTINGS)
        shuffled.append(m.balanced_accuracy.mean)
    assert abs(float(np.mean(shuffled)) - baseline) <= 0.15, shuffled
    assert max(shuffled) < real["balanced_accuracy"]["mean"], (shuffled, real["balanced_accuracy"])
