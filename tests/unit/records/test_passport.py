"""``sample_features.json``: a sample's window and feature values, ``None`` where none; strict."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voice.records.passport import SAMPLE_FEATURES_SCHEMA, SampleFeatures


def test_round_trip_keeps_missing_values_and_the_schema_name() -> None:
    doc = {
        "schema": SAMPLE_FEATURES_SCHEMA,
        "run_id": "20261206T000000Z-abcdef12",
        "feature_names": ["a", "b"],
        "samples": [
            {"sample": "happiness/garden-1a2b3c4d5e_e0", "session": "garden-1a2b3c4d5e",
             "emotion": "happiness", "start": 1.0, "end": 4.8, "values": [0.5, None]},
        ],
    }  # fmt: skip
    record = SampleFeatures.model_validate(doc)
    assert record.samples[0].values == [0.5, None]
    assert record.json_doc() == doc


def test_unknown_fields_and_other_schemas_are_refused() -> None:
    with pytest.raises(ValidationError):
        SampleFeatures.model_validate(
            {"schema": "voice.other/1", "run_id": "r", "feature_names": [], "samples": []}
        )
    with pytest.raises(ValidationError):
        SampleFeatures.model_validate(
            {"schema": SAMPLE_FEATURES_SCHEMA, "run_id": "r", "feature_names": [], "samples": [], "extra": 1}
        )
