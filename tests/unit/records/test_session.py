"""The session metadata and index models: what they accept, refuse, and how they are written."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from voice.records.session import SessionIndex, SessionMetadata

DOC: dict[str, Any] = {
    "schema": "voice.session/1",
    "session": "garden-1a2b3c4d5e",
    "patient": "maria",
    "source": {"bucket": "videos", "key": "maria/garden.mp4", "sha256": "ab" * 32},
    "video": {"duration_s": 12.5, "fps": 25.0, "width": 640, "height": 480, "has_audio": True},
    "transcript": {
        "language": "en",
        "text": "Maria is happy.",
        "segments": [
            {
                "start": 1.0,
                "end": 2.2,
                "text": "Maria is happy.",
                "words": [{"word": " Maria", "start": 1.0, "end": 1.0, "probability": 0.91}],
            }
        ],
    },
    "events": [
        {
            "time": 1.6,
            "emotion": "happiness",
            "keyword": "happy",
            "subject": "Maria",
            "text": "Maria is happy.",
            "negated": False,
            "who": "patient",
            "tense": "present",
            "mood": "statement",
            "ignored": None,
            "window": [0.1, 4.1],
        }
    ],
    "poses": {
        "sampled_fps": 5.0,
        "frames": 62,
        "detected": 60,
        "detection_rate": 0.9677,
        "faces": 58,
        "hands": 80,
    },
    "people": [
        {
            "id": 0,
            "frames": 60,
            "share": 0.9677,
            "first_s": 0.0,
            "last_s": 12.2,
            "mean_box": [120.5, 300.0],
            "mean_position": [320.0, 240.0],
        }
    ],
    "patient_track": {"id": 0, "rule": "longest", "reason": "the only person in the video", "pin": None},
    "samples": [
        {"emotion": "happiness", "prefix": "patients/maria/happiness/garden-1a2b3c4d5e_e0/", "poses": 20}
    ],
    "predictions": [],
    "models": {"whisper": "faster-whisper/tiny.en", "pose": "mp", "face_hands": None, "patient": None},
    "reasons": [],
    "timings_s": {"total": 3.2},
    "status": "ok",
}


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
    for key in ("who", "tense", "mood", "ignored"):
        del doc["events"][0][key]
    meta = SessionMetadata.model_validate(doc)
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


def test_the_index_holds_the_metadata_s_session_source_and_samples() -> None:
    meta = SessionMetadata.model_validate(DOC)
    index = SessionIndex.of(meta).json_doc()
    assert index == {"session": DOC["session"], "source": DOC["source"], "samples": DOC["samples"]}
