"""Grouped cross-validation that beats the baseline only when there is signal; the promotion rule."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.model.conftest import EMOTIONS3, SETTINGS, Data
from voice.errors import NotEnoughDataError
from voice.model.evaluation import cross_validate, cv_splits
from voice.model.features import FEATURE_NAMES
from voice.model.patient_model import PatientModel


def test_grouped_cv_beats_the_majority_baseline_on_separable_data(trained: PatientModel) -> None:
    assert trained.metrics is not None
    m = trained.metrics.json_doc()
    assert m["cv"]["scheme"] == "stratified-group-kfold"
    assert m["cv"]["repeats"] == 2
    assert m["baseline"]["balanced_accuracy"] == pytest.approx(1 / 3)
    assert m["baseline"]["accuracy"] == pytest.approx(1 / 3)
    assert m["balanced_accuracy"]["mean"] > m["baseline"]["balanced_accuracy"] + 0.3
    assert m["promotion"]["promoted"] is True
    # The confusion matrix is summed over the folds of both repeats: every sample twice.
    assert np.sum(m["confusion_matrix"]["matrix"]) == 2 * 36
    assert m["class_counts"] == {"happiness": 12, "sadness": 12, "anger": 12}
    assert set(m["per_class_recall"]) == set(EMOTIONS3)
    assert list(m["feature_importance"]["values"]) == list(FEATURE_NAMES)


@pytest.mark.parametrize("videos_per_class", [2, 6])
def test_a_video_is_never_on_both_sides_of_a_split(videos_per_class: int) -> None:
    y = np.repeat(np.arange(3), videos_per_class * 3)
    groups = np.array([f"v{c}-{i // 3}" for c in range(3) for i in range(videos_per_class * 3)])
    scheme, folds, repeats = cv_splits(y, groups, SETTINGS)
    assert scheme == (
        "leave-one-video-out" if videos_per_class < SETTINGS.cv_folds else "stratified-group-kfold"
    )
    for splits in repeats:
        tested = np.zeros(y.size, dtype=int)
        for train, test in splits:
            assert not set(groups[train]) & set(groups[test])
            tested[test] += 1
        assert (tested == 1).all()  # every sample is tested exactly once per repeat
    assert folds == (3 * videos_per_class if videos_per_class < SETTINGS.cv_folds else SETTINGS.cv_folds)


@pytest.mark.slow
def test_leave_one_video_out_when_videos_are_few(data: Data) -> None:
    x, y, g = data
    keep = [i for i, s in enumerate(g) if s in sorted(set(g))[::2]]  # 3 videos per emotion
    m = cross_validate(x[keep], [y[i] for i in keep], [g[i] for i in keep], settings=SETTINGS).json_doc()
    assert m["cv"]["scheme"] == "leave-one-video-out"
    assert m["cv"]["folds"] == m["n_videos"] == 9
    assert m["balanced_accuracy"]["mean"] > 1 / 3


def test_one_class_or_one_video_is_not_enough(data: Data) -> None:
    x, _, g = data
    with pytest.raises(NotEnoughDataError):
        cross_validate(x, ["happiness"] * len(g), g, settings=SETTINGS)
    with pytest.raises(NotEnoughDataError):
        cross_validate(x[:4], ["happiness", "sadness"] * 2, ["v"] * 4, settings=SETTINGS)
