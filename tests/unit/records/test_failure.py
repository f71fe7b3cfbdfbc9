"""Failure records are written as the FailureRecord model and read back by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from voice.errors import CorruptMediaError
from voice.layout import VIDEOS
from voice.records.failure import FailureRecord
from voice.session.failures import record_failure
from voice.storage import LocalStore


def test_a_written_failure_record_is_the_model(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = record_failure(store, "maria/clip.mp4", CorruptMediaError("cannot decode; re-export it"), stage="x")
    doc = json.loads(store.read(VIDEOS, key))
    record = FailureRecord.model_validate(doc)
    assert record.stage == CorruptMediaError.stage, "a VoiceError names its own stage"
    assert record.error_type == "CorruptMediaError"
    assert record.source.key == "maria/clip.mp4"
    assert list(doc) == ["schema", "source", "stage", "error_type", "message"]
    assert doc["schema"] == "voice.failure/1"


def test_an_unexpected_error_keeps_the_stage_the_run_was_in(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = record_failure(store, "maria/clip.mp4", RuntimeError("boom"), stage="annotate")
    record = FailureRecord.model_validate_json(store.read(VIDEOS, key))
    assert (record.stage, record.error_type) == ("annotate", "RuntimeError")


def test_a_record_without_its_error_type_is_not_a_failure_record() -> None:
    with pytest.raises(ValidationError, match="error_type"):
        FailureRecord.model_validate(
            {
                "schema": "voice.failure/1",
                "source": {"bucket": "videos", "key": "k"},
                "stage": "s",
                "message": "m",
            }
        )
