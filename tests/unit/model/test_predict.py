"""Per-window predictions over a pose track."""

from __future__ import annotations

from tests.support.synthetic import synthetic_dataset, synthetic_track
from tests.unit.model.conftest import SETTINGS
from voice.config import Settings
from voice.model.body_features import FEATURE_NAMES as BODY
from voice.model.evaluation import train_model
from voice.model.features import extract_feature_matrix
from voice.model.predict import predict_track


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
