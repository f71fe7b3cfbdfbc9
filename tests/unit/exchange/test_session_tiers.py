"""A session's export tiers: the model's predictions as bins with their probability as a note."""

from __future__ import annotations

from pathlib import Path

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.exchange.session_tiers import coder_tier_name, session_tiers
from voice.labels.stored import load_session
from voice.records.session import PredictionRecord
from voice.storage import LocalStore, json_bytes


def test_predictions_become_a_model_tier_of_bins_with_notes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    meta = stored_session(store)
    meta.predictions = [
        PredictionRecord(start=0, end=4, label="happiness", probabilities={"happiness": 0.8, "sadness": 0.2}),
        PredictionRecord(
            start=2, end=6, label="sadness", probabilities={"happiness": 0.4, "sadness": 0.6}, unsure=True
        ),
    ]
    store.write(layout.VIDEOS, layout.metadata_key(PATIENT, SESSION), json_bytes(meta.json_doc()))
    export = session_tiers(store, load_session(store, PATIENT, SESSION))
    model = next(t for t in export.tiers if t.name == "Model")
    assert [(a.start, a.end, a.value, a.note) for a in model.annotations] == [
        (0.0, 3.0, "happiness", "happiness p=0.80"),
        (3.0, 6.0, "sadness", "sadness p=0.60 unsure"),
    ]
    assert coder_tier_name("import", "ben") == "Import: ben"
    assert coder_tier_name("review", "anna") == "Review: anna"
