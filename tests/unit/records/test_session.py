"""The session metadata and index models: what they accept, refuse, and how they are written."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from tests.support.records import DOC
from voice.records.session import SessionIndex, SessionMetadata


def test_a_written_document_reads_back_to_the_same_json_in_the_same_order() -> None:
    meta = SessionMetadata.model_validate(DOC)
    assert meta.events[0].counts
    assert meta.events[0].window == (0.1, 4.1)
    out = meta.json_doc()
    assert list(out) == list(DOC)
    assert json.dumps(out) == json.dumps(DOC)


def test_a_misspelt_or_unknown_field_is_refused_not_dropped() -> None:
    doc = copy.deepcopy(DOC)
    doc["events"][0]["emotoin"] = "sadness"
    with pytest.raises(ValidationError, match="emotoin"):
        SessionMetadata.model_validate(doc)
    doc = copy.deepcopy(DOC)
    doc["status"] = "maybe"
    with pytest.raises(ValidationError):
        SessionMetadata.model_validate(doc)


def test_files_written_before_people_face_and_hands_still_read() -> None:
    doc = copy.deepcopy(DOC)
    for key in ("people", "patient_track", "predictions"):
        del doc[key]
    del doc["poses"]["faces"], doc["poses"]["hands"]
    for key in ("who", "tense", "mood", "ignored", "id"):
        del doc["events"][0][key]
    del doc["recorded_at"]
    for key in ("label", "status"):
        del doc["samples"][0][key]
    meta = SessionMetadata.model_validate(doc)
    assert meta.recorded_at is None
    assert meta.events[0].id is None
    assert meta.samples[0].label is None
    assert meta.people == []
    assert meta.patient_track.id is None
    assert meta.poses.faces == 0
    assert meta.events[0].counts, "an old event without a reason counts, as it did"


def test_an_ignored_or_negated_event_does_not_count() -> None:
    doc = copy.deepcopy(DOC)
    doc["events"][0]["ignored"] = "question"
    assert not SessionMetadata.model_validate(doc).events[0].counts
    doc["events"][0]["ignored"] = None
    doc["events"][0]["negated"] = True
    assert not SessionMetadata.model_validate(doc).events[0].counts


def test_the_index_holds_the_metadata_s_session_source_samples_and_recording_time() -> None:
    meta = SessionMetadata.model_validate(DOC)
    index = SessionIndex.of(meta).json_doc()
    assert index == {
        "session": DOC["session"],
        "source": DOC["source"],
        "samples": DOC["samples"],
        "recorded_at": DOC["recorded_at"],
        "labels": None,
        "track": None,
        "reviews": None,
    }


def test_an_index_written_before_labels_still_reads() -> None:
    old = {
        "session": DOC["session"],
        "source": DOC["source"],
        "samples": [{"emotion": "anger", "prefix": "p/", "poses": 3}],
    }
    index = SessionIndex.model_validate(old)
    assert (index.recorded_at, index.labels, index.track, index.samples[0].status) == (None, None, None, None)


def test_predictions_written_before_explanations_read_as_sure_and_without_signals() -> None:
    doc = copy.deepcopy(DOC)
    doc["predictions"] = [
        {"start": 0.0, "end": 4.0, "label": "happiness", "probabilities": {"happiness": 0.7}}
    ]
    (p,) = SessionMetadata.model_validate(doc).predictions
    assert (p.unsure, p.signals) == (False, [])
    doc["predictions"][0]["signals"] = [
        {"feature": "face_smile_med", "words": "smiling", "contribution": 0.2}
    ]
    doc["predictions"][0]["unsure"] = True
    (p,) = SessionMetadata.model_validate(doc).predictions
    assert p.unsure
    assert p.signals[0].words == "smiling"
    doc["predictions"][0]["signals"][0]["why"] = "?"
    with pytest.raises(ValidationError, match="why"):
        SessionMetadata.model_validate(doc)
