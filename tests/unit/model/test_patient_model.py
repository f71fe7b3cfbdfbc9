"""The model file: saved and loaded without pickle; untrusted types and files that are not a model refused."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable

import numpy as np
import pytest

from tests.unit.model.conftest import Data
from voice.errors import ModelError, UntrustedModelError
from voice.model.features import FEATURE_NAMES
from voice.model.patient_model import MODEL_SCHEMA, PatientModel, dump_model, load_model


def test_round_trip_without_pickle(
    trained: PatientModel, data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = data[0]
    blob = dump_model(trained)

    def no_pickle(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used while loading a model")

    monkeypatch.setattr(pickle, "loads", no_pickle)
    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "Unpickler", no_pickle)
    loaded = load_model(blob)
    monkeypatch.undo()
    assert loaded.classes == trained.classes
    assert loaded.feature_names == FEATURE_NAMES
    assert loaded.run_id == trained.run_id
    np.testing.assert_array_equal(loaded.predict_proba(x), trained.predict_proba(x))
    assert loaded.predict(x) == trained.predict(x)


class Payload:
    """A type no VOICE model contains."""

    def __init__(self) -> None:
        self.note = "runs code on load if unpickled"


def _skops(doc: dict[str, object]) -> bytes:
    import skops.io as sio

    return bytes(sio.dumps(doc))


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda: Payload(), id="custom-class"),
        pytest.param(lambda: functools.partial(print, "hello"), id="function-reference"),
    ],
)
def test_untrusted_types_are_refused(payload: Callable[[], object]) -> None:
    blob = _skops(
        {"schema": MODEL_SCHEMA, "pipeline": payload(), "classes": [], "feature_names": [], "run_id": "x"}
    )
    with pytest.raises(UntrustedModelError, match="untrusted types"):
        load_model(blob)


def test_a_trusted_by_skops_but_unexpected_sklearn_type_is_refused(trained: PatientModel) -> None:
    # skops trusts many sklearn types by default; a FunctionTransformer would call any function.
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    steps = [("sneaky", FunctionTransformer(np.log1p)), *trained.pipeline.steps]
    doc = {
        "schema": MODEL_SCHEMA,
        "pipeline": Pipeline(steps),
        "classes": [],
        "feature_names": [],
        "run_id": "x",
    }
    with pytest.raises(UntrustedModelError, match="FunctionTransformer"):
        load_model(_skops(doc))


def test_not_a_model_file() -> None:
    with pytest.raises(ModelError, match="not a skops archive"):
        load_model(b"\x80\x04definitely a pickle")
    with pytest.raises(ModelError, match=r"not a voice\.model/2 model"):
        load_model(_skops({"schema": "other", "x": [1, 2]}))


@pytest.mark.parametrize("family", ["forest", "boosting", "logistic"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_every_family_loads_through_the_allow_list(family: str, n_classes: int, data: Data) -> None:
    # Each estimator type was added to TRUSTED_TYPES on purpose: its file loads, nothing else.
    from voice.config import Settings
    from voice.model.families import configurations, fit

    x, labels, _ = data
    y = np.array([sorted(set(labels)).index(v) % n_classes for v in labels])
    settings = Settings(forest_trees=10)
    config = next(c for c in configurations(settings) if c.family == family)
    classes = ("happiness", "sadness", "anger")[:n_classes]
    model = PatientModel(
        fit(config, x, y, settings),
        classes,
        FEATURE_NAMES,
        "r",
        temperature=0.5,
        unsure_below=0.6,
        config=config.label,
    )
    loaded = load_model(dump_model(model))
    np.testing.assert_allclose(loaded.predict_proba(x), model.predict_proba(x))
    assert (loaded.temperature, loaded.unsure_below, loaded.config) == (0.5, 0.6, config.label)
    values, scaled = loaded.attributions(x[:3])
    assert values.shape == (3, len(FEATURE_NAMES), n_classes)
    assert scaled.shape == (3, len(FEATURE_NAMES))


def test_a_model_file_from_before_nested_cv_still_loads(trained: PatientModel, data: Data) -> None:
    # voice.model/1: a forest pipeline, no calibration, no configuration name.
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    x, labels, _ = data
    y = np.array([trained.classes.index(v) for v in labels])
    steps = [
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("forest", RandomForestClassifier(n_estimators=10, random_state=0)),
    ]
    pipeline = Pipeline(steps).fit(x, y)
    doc = {
        "schema": "voice.model/1",
        "pipeline": pipeline,
        "classes": list(trained.classes),
        "feature_names": list(FEATURE_NAMES),
        "run_id": "old",
    }
    old = load_model(_skops(doc))
    assert (old.temperature, old.unsure_below, old.config) == (1.0, 0.0, "forest")
    np.testing.assert_allclose(old.predict_proba(x), pipeline.predict_proba(x))
    assert not old.unsure(old.predict_proba(x)).any()
    assert old.attributions(x[:2])[0].shape == (2, len(FEATURE_NAMES), len(trained.classes))


def test_temperature_and_threshold_change_the_probabilities_not_the_label(
    trained: PatientModel, data: Data
) -> None:
    from dataclasses import replace

    x = data[0]
    softer = replace(trained, temperature=3.0, unsure_below=0.99)
    assert softer.predict(x) == trained.predict(x)
    assert softer.predict_proba(x).max() < trained.predict_proba(x).max() + 1e-12
    assert softer.unsure(softer.predict_proba(x)).all()
