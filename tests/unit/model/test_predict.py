"""Per-window predictions over a pose track."""

from __future__ import annotations

import pytest

from tests.support.synthetic import synthetic_dataset, synthetic_track
from tests.unit.model.conftest import SETTINGS
from voice.config import Settings
from voice.model.body_features import FEATURE_NAMES as BODY
from voice.model.evaluation import train_model
from voice.model.features import extract_feature_matrix
from voice.model.patient_model import PatientModel
from voice.model.predict import predict_track


@pytest.mark.slow
def test_a_model_from_before_the_face_and_hand_groups_still_predicts() -> None:
    samples = synthetic_dataset(
        sessions_per_emotion=3, samples_per_session=2, emotions=("happiness", "anger"), seed=4
    )
    x = extract_feature_matrix([s.frames for s in samples])[:, : len(BODY)]
    old = train_model(
        x,
        [s.emotion for s in samples],
        [s.session for s in samples],
        settings=SETTINGS,
        run_id="r",
        feature_names=BODY,
    )
    track = synthetic_track([("happiness", 6.0), ("anger", 6.0)], seed=5)
    windows = predict_track(old, track, settings=Settings())
    assert windows
    assert {w.label for w in windows} <= {"happiness", "anger"}


def test_windows_carry_their_signals_in_words_and_say_when_they_are_unsure(trained: PatientModel) -> None:
    from dataclasses import replace

    from voice.model.predict import prediction_records
    from voice.model.signal_words import WORDS

    track = synthetic_track([("happiness", 8.0), ("anger", 8.0)], seed=7)
    windows = predict_track(trained, track, settings=Settings())
    assert windows
    for w in windows:
        assert 1 <= len(w.signals) <= 3
        assert [s.contribution for s in w.signals] == sorted(
            (s.contribution for s in w.signals), reverse=True
        )
        for s in w.signals:
            assert s.contribution > 0
            assert s.words in {WORDS[s.feature].high, WORDS[s.feature].low}
        assert w.unsure == (max(w.probabilities.values()) < trained.unsure_below)
    doubtful = replace(trained, unsure_below=1.01)
    records = prediction_records(predict_track(doubtful, track, settings=Settings()))
    assert all(r.unsure for r in records)
    assert records[0].signals[0].words == windows[0].signals[0].words
    assert records[0].json_doc()["signals"][0].keys() == {"feature", "words", "contribution"}
