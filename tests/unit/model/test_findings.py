"""What a run stores from nested CV: every sample's out-of-fold prediction from a model that never
saw its video, its attributions, the calibration, the importances, every family's outer score."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.model.conftest import SETTINGS, Data
from voice.config import Settings
from voice.model.families import FAMILIES, configurations
from voice.model.features import FEATURE_NAMES
from voice.model.findings import calibration, feature_importance, model_choice, out_of_fold
from voice.model.patient_model import PatientModel
from voice.model.selection import Final, Nested, Search
from voice.model.splits import Data as SplitData
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


def _known_nested() -> tuple[Nested, SplitData]:
    """Four samples of two videos, two classes, one repeat of two folds; every number chosen."""
    settings = Settings(unsure_target_accuracy=0.7)
    configs = configurations(settings)
    data = SplitData(
        np.zeros((4, 2)), np.array([0, 0, 1, 1]), np.array(["a", "b", "a", "b"]), ("happiness", "sad")
    )
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45]])  # the last one wrong
    shap = np.zeros((4, 2, 2))
    shap[:, 0, 0] = [0.3, 0.1, -0.2, 0.05]
    search = Search(
        np.arange(4), np.full(len(configs), 0.5), np.full(len(configs), 0.7), np.zeros((len(configs), 4, 2))
    )
    nested = Nested(
        configs=configs,
        repeats=[[(np.array([1, 3]), np.array([0, 2])), (np.array([0, 2]), np.array([1, 3]))]],
        chosen=[[0, len(configs) - 1]],
        proba=[proba],
        raw=[proba],
        family_labels={f: [proba.argmax(axis=1)] for f in FAMILIES},
        fold_of=[np.array([0, 1, 0, 1])],
        attributions=shap,
        spaces=["probability", "log-odds", "probability", "log-odds"],
        final=Final(configs[0], None, 1.0, search),
        timings={},
    )
    return nested, data


def test_the_records_of_a_known_nested_run() -> None:
    nested, data = _known_nested()
    settings = Settings(unsure_target_accuracy=0.7)
    cal = calibration(data, nested, settings)
    assert cal.brier == pytest.approx(np.mean([0.02, 0.32, 0.08, 2 * 0.55**2]))
    assert sum(b.count for b in cal.bins) == 4
    oof = out_of_fold(
        data, nested, run_id="r", feature_names=["a", "b"], samples=list("wxyz"), unsure_below=0.7
    )
    assert [s.predictions[0].unsure for s in oof.samples] == [False, True, False, True]
    assert [s.predictions[0].model for s in oof.samples][:2] == [
        nested.configs[0].label,
        nested.configs[-1].label,
    ]
    assert [s.attribution_space for s in oof.samples] == [
        "probability",
        "log-odds",
        "probability",
        "log-odds",
    ]
    assert oof.samples[0].attributions == {"happiness": [0.3, 0.0], "sad": [0.0, 0.0]}
    importance = feature_importance(nested, ["a", "b"])
    assert importance.values == {"a": pytest.approx(1.0), "b": 0.0}
    choice = model_choice(data, nested, settings)
    assert choice.families["forest"].balanced_accuracy == pytest.approx(0.75)
    assert sum(f.chosen_in_folds for f in choice.families.values()) == 2
