"""Grouped splits: outer (one repeat when data are large) and inner (inside an outer training part)."""

from __future__ import annotations

import numpy as np

from voice.config import Settings
from voice.model.splits import Data, balanced_accuracy, cv_splits, inner_splits


def _data(videos_per_class: int, per_video: int = 3) -> Data:
    y = np.repeat(np.arange(3), videos_per_class * per_video)
    groups = np.array(
        [f"v{c}-{i // per_video}" for c in range(3) for i in range(videos_per_class * per_video)]
    )
    return Data(np.zeros((y.size, 2)), y, groups, ("happiness", "sadness", "anger"))


def test_the_outer_cv_runs_once_from_cv_large_samples_on() -> None:
    data = _data(6)  # 54 samples, 6 videos per class
    settings = Settings(cv_folds=5, cv_repeats=3, cv_large_samples=100)
    assert len(cv_splits(data.y, data.g, settings)[2]) == 3
    large = settings.model_copy(update={"cv_large_samples": 54})
    scheme, folds, repeats = cv_splits(data.y, data.g, large)
    assert (scheme, folds, len(repeats)) == ("stratified-group-kfold", 5, 1)


def test_inner_folds_stay_inside_the_training_part_and_keep_videos_whole() -> None:
    data = _data(6)
    settings = Settings(cv_folds=5, inner_folds=3)
    _, _, repeats = cv_splits(data.y, data.g, settings)
    for train, test in repeats[0]:
        inner = inner_splits(data, train, settings)
        assert len(inner) == 3
        covered = np.concatenate([b for _, b in inner])
        assert sorted(covered.tolist()) == sorted(train.tolist()), "every training sample tested once"
        assert not set(covered.tolist()) & set(test.tolist())
        for a, b in inner:
            assert not set(data.g[a]) & set(data.g[b])


def test_fewer_videos_fewer_inner_folds_and_none_below_two() -> None:
    data = _data(1)  # three videos
    settings = Settings(inner_folds=3)
    assert len(inner_splits(data, np.arange(data.y.size), settings)) == 3
    two_videos = np.flatnonzero(data.g != "v2-0")
    assert len(inner_splits(data, two_videos, settings)) == 2
    one_video = np.flatnonzero(data.g == "v0-0")
    assert inner_splits(data, one_video, settings) == []


def test_balanced_accuracy_is_the_mean_recall_of_the_classes_present() -> None:
    y = np.array([0, 0, 0, 0, 1, 1])
    assert balanced_accuracy(y, np.array([0, 0, 0, 0, 0, 0]), 3) == 0.5
    assert balanced_accuracy(y, np.array([0, 0, 1, 1, 1, 1]), 3) == 0.75
