"""A training run's metrics as the model: what train_model fills, what the job adds, what is refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from tests.support.synthetic import synthetic_dataset
from voice.config import Settings
from voice.model.evaluation import promotion, train_model
from voice.model.features import extract_feature_matrix
from voice.records.training import TrainingMetrics


@pytest.fixture(scope="module")
def metrics() -> TrainingMetrics:
    samples = synthetic_dataset(
        sessions_per_emotion=3, samples_per_session=2, emotions=("happiness", "sadness"), seed=5
    )
    model = train_model(
        extract_feature_matrix([s.frames for s in samples]),
        [s.emotion for s in samples],
        [s.session for s in samples],
        settings=Settings(forest_trees=10, cv_folds=3, cv_repeats=1),
        run_id="20261206T120000Z-0123abcd",
    )
    assert model.metrics is not None
    return model.metrics


def test_train_model_fills_everything_but_what_the_job_adds(metrics: TrainingMetrics) -> None:
    assert metrics.run_id == "20261206T120000Z-0123abcd"
    assert metrics.classes == ["happiness", "sadness"]
    assert (metrics.gate, metrics.trained_at, metrics.features, metrics.feature_groups) == (None,) * 4
    assert metrics.promotion.promoted == promotion(metrics)[0]
    assert sum(map(sum, metrics.confusion_matrix.matrix)) == metrics.n_samples * metrics.cv.repeats


def test_metrics_json_reads_back_as_written(metrics: TrainingMetrics) -> None:
    text = json.dumps(metrics.json_doc(), indent=2)
    again = TrainingMetrics.model_validate_json(text)
    assert again == metrics
    doc = json.loads(text)
    assert list(doc)[:3] == ["n_samples", "n_videos", "classes"], "the cross-validation comes first"
    folds = doc["cv"]["per_fold"]
    assert all(("balanced_accuracy" in f) for f in folds), "null when a fold holds one class"


def test_a_metrics_file_without_the_promotion_is_not_a_run_s_metrics(metrics: TrainingMetrics) -> None:
    doc = metrics.json_doc()
    del doc["promotion"]
    with pytest.raises(ValidationError, match="promotion"):
        TrainingMetrics.model_validate(doc)


def test_metrics_from_before_nested_cv_still_read(metrics: TrainingMetrics) -> None:
    doc = metrics.json_doc()
    del doc["model_choice"], doc["calibration"]
    for fold in doc["cv"]["per_fold"]:
        del fold["model"]
    old = TrainingMetrics.model_validate(doc)
    assert (old.model_choice, old.calibration) == (None, None)
    assert metrics.model_choice is not None
    assert metrics.calibration is not None


def test_the_out_of_fold_file_names_its_schema() -> None:
    from voice.records.training import OUT_OF_FOLD_SCHEMA, OutOfFold

    doc = OutOfFold(
        run_id="r", classes=["happiness"], feature_names=["x"], unsure_below=0.7, definition="d", samples=[]
    )
    assert doc.json_doc()["schema"] == OUT_OF_FOLD_SCHEMA == "voice.out_of_fold/1"
    with pytest.raises(ValidationError):
        OutOfFold.model_validate({**doc.json_doc(), "schema": "voice.out_of_fold/0"})
