"""Three emotions of synthetic samples as a feature matrix, and a model trained on them once per test
session (the evaluation, model file, findings and prediction tests share them: nested CV costs seconds)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import synthetic_dataset
from voice.config import Settings
from voice.model.evaluation import train_model
from voice.model.features import extract_feature_matrix
from voice.model.patient_model import PatientModel

SETTINGS = Settings(forest_trees=30, cv_folds=5, cv_repeats=2)
EMOTIONS3 = ("happiness", "sadness", "anger")
Data = tuple[np.ndarray, list[str], list[str]]


@pytest.fixture(scope="session")
def data() -> Data:
    samples = synthetic_dataset(sessions_per_emotion=6, samples_per_session=2, emotions=EMOTIONS3, seed=21)
    features = extract_feature_matrix([s.frames for s in samples])
    return features, [s.emotion for s in samples], [s.session for s in samples]


@pytest.fixture(scope="session")
def trained(data: Data) -> PatientModel:
    x, y, g = data
    return train_model(x, y, g, settings=SETTINGS, run_id="20261121T120000Z-abcdef12")


def shuffled_by_video(labels: list[str], groups: list[str], seed: int) -> list[str]:
    """Permute the labels of whole videos: every video keeps one label, but a random one."""
    videos = sorted(set(groups))
    label_of = {v: labels[groups.index(v)] for v in videos}
    permuted = np.random.default_rng(seed).permutation([label_of[v] for v in videos])
    new = dict(zip(videos, permuted, strict=True))
    return [str(new[g]) for g in groups]
