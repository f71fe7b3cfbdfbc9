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
    with pytest.raises(ModelError, match=r"not a voice\.model/1 model"):
        load_model(_skops({"schema": "other", "x": [1, 2]}))
