"""The model: grouped CV that beats the baseline only when there is signal; safe save and load."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable

import numpy as np
import pytest

from tests.support.synthetic import synthetic_dataset
from voice.config import Settings
from voice.errors import ModelError, NotEnoughDataError, UntrustedModelError
from voice.model.evaluation import cross_validate, cv_splits, promotion, train_model
from voice.model.features import FEATURE_NAMES, extract_feature_matrix
from voice.model.patient_model import MODEL_SCHEMA, PatientModel, dump_model, load_model

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


def shuffled_by_video(labels: list[str], groups: list[str], seed: int) -> list[str]:
    """Permute the labels of whole videos: every video keeps one label, but a random one."""
    videos = sorted(set(groups))
    label_of = {v: labels[groups.index(v)] for v in videos}
    permuted = np.random.default_rng(seed).permutation([label_of[v] for v in videos])
    new = dict(zip(videos, permuted, strict=True))
    return [str(new[g]) for g in groups]


def test_grouped_cv_beats_the_majority_baseline_on_separable_data(trained: PatientModel) -> None:
    m = trained.metrics
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


def test_shuffled_video_labels_fall_to_the_baseline(data: Data) -> None:
    # Tolerance: the mean over three shuffles is within 0.15 of the 1/3 baseline, and no
    # shuffled run is promoted (grouped CV on label noise often lands a bit *below* chance).
    x, y, g = data
    means = []
    for seed in range(3):
        m = cross_validate(x, shuffled_by_video(y, g, seed), g, settings=SETTINGS)
        means.append(m["balanced_accuracy"]["mean"])
        assert promotion(m)[0] is False, promotion(m)[1]
    assert abs(np.mean(means) - 1 / 3) <= 0.15


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


def test_leave_one_video_out_when_videos_are_few(data: Data) -> None:
    x, y, g = data
    keep = [i for i, s in enumerate(g) if s in sorted(set(g))[::2]]  # 3 videos per emotion
    m = cross_validate(x[keep], [y[i] for i in keep], [g[i] for i in keep], settings=SETTINGS)
    assert m["cv"]["scheme"] == "leave-one-video-out"
    assert m["cv"]["folds"] == m["n_videos"] == 9
    assert m["balanced_accuracy"]["mean"] > 1 / 3


def test_one_class_or_one_video_is_not_enough(data: Data) -> None:
    x, _, g = data
    with pytest.raises(NotEnoughDataError):
        cross_validate(x, ["happiness"] * len(g), g, settings=SETTINGS)
    with pytest.raises(NotEnoughDataError):
        cross_validate(x[:4], ["happiness", "sadness"] * 2, ["v"] * 4, settings=SETTINGS)


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
