"""What a run stores from nested CV: every sample's out-of-fold prediction from a model that never
saw its video, its attributions, the calibration, the importances, every family's outer score."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.model.conftest import SETTINGS, Data
from voice.model.families import FAMILIES
from voice.model.features import FEATURE_NAMES
from voice.model.patient_model import PatientModel
from voice.model.splits import cv_splits
from voice.records.training import OutOfFold


def test_each_sample_is_predicted_by_a_model_that_never_saw_its_video(
    trained: PatientModel, data: Data
) -> None:
    oof = trained.out_of_fold
    assert oof is not None
    _, labels, groups = data
    y = np.array([trained.classes.index(v) for v in labels])
    _, _, repeats = cv_splits(y, np.asarray(groups), SETTINGS)
    assert [s.sample for s in oof.samples] == [str(i) for i in range(len(labels))]
    for i, s in enumerate(oof.samples):
        assert s.session == groups[i]
        assert s.emotion == labels[i]
        assert len(s.predictions) == len(repeats)
        for p in s.predictions:
            train, test = repeats[p.repeat][p.fold]
            assert i in test
            assert groups[i] not in {groups[j] for j in train}
            assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
            assert p.label == max(p.probabilities, key=p.probabilities.__getitem__)
        assert set(s.attributions) == set(trained.classes)
        assert all(len(v) == len(FEATURE_NAMES) for v in s.attributions.values())
        assert s.attribution_space in {"probability", "log-odds"}
    assert OutOfFold.model_validate_json(oof.model_dump_json()) == oof


def test_metrics_hold_every_family_the_choice_and_the_calibration(trained: PatientModel) -> None:
    m = trained.metrics
    assert m is not None
    assert m.model_choice is not None
    assert set(m.model_choice.families) == set(FAMILIES)
    folds = len(m.cv.per_fold)
    assert sum(f.chosen_in_folds for f in m.model_choice.families.values()) == folds
    assert m.model_choice.chosen == trained.config
    assert [c.model for c in m.model_choice.configurations if c.model == trained.config]
    cal = m.calibration
    assert cal is not None
    assert sum(b.count for b in cal.bins) == m.n_samples * m.cv.repeats
    assert 0 <= cal.ece <= 1
    assert 0 <= cal.brier <= 2
    assert cal.unsure_below == trained.unsure_below
    assert cal.temperature == trained.temperature
    assert sum(m.feature_importance.values.values()) == pytest.approx(1.0)
    assert list(m.feature_importance.values) == list(FEATURE_NAMES)
