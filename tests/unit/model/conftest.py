"""Three emotions of synthetic samples as a feature matrix, and a model trained on them once per module
(the evaluation and the model file tests share them)."""

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


@pytest.fixture(scope="module")
def data() -> Data:
    samples = synthetic_dataset(sessions_per_emotion=6, samples_per_session=2, emotions=EMOTIONS3, seed=21)
    features = extract_feature_matrix([s.frames for s in samples])
    return features, [s.emotion for s in samples], [s.session for s in samples]


@pytest.fixture(scope="module")
def trained(data: Data) -> PatientModel:
    x, y, g = data
    return train_model(x, y, g, settings=SETTINGS, run_id="20261121T120000Z-abcdef12")
