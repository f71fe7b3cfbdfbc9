"""The analysis CSV: a prediction window's row says whether it is unsure and names its top signals."""

from __future__ import annotations

import csv
import io

from tests.support.synthetic import synthetic_track
from voice.pose.track import PoseTrack
from voice.records.session import PredictionRecord, SignalRecord
from voice.session.outputs import analysis_csv


def test_prediction_rows_carry_unsure_and_the_signals_in_words() -> None:
    track = PoseTrack(synthetic_track([("happiness", 8.0)], seed=1))
    signals = [
        SignalRecord(feature="face_smile_med", words="smiling", contribution=0.21),
        SignalRecord(feature="speed_arms", words="arms moving fast", contribution=0.05),
    ]
    predictions = [
        PredictionRecord(
            start=0, end=4, label="happiness", probabilities={"happiness": 0.8}, signals=signals
        ),
        PredictionRecord(start=2, end=6, label="sadness", probabilities={"sadness": 0.4}, unsure=True),
    ]
    rows = list(csv.DictReader(io.StringIO(analysis_csv("s", [], track, predictions).decode())))
    assert [r["kind"] for r in rows] == ["prediction", "prediction"]
    first, second = rows
    assert (first["unsure"], first["signal_1"], first["contribution_1"]) == ("false", "smiling", "0.2100")
    assert (first["signal_2"], first["signal_3"], first["contribution_3"]) == ("arms moving fast", "", "")
    assert (second["unsure"], second["emotion"], second["signal_1"]) == ("true", "sadness", "")
    assert float(first["p_happiness"]) == 0.8
