"""A complete session metadata document, as a run writes one, for tests that need a stored session."""

from __future__ import annotations

import copy
from typing import Any

from voice.records.session import SessionMetadata

__all__ = ["DOC", "session_metadata"]

DOC: dict[str, Any] = {
    "schema": "voice.session/1",
    "session": "garden-1a2b3c4d5e",
    "patient": "maria",
    "source": {"bucket": "videos", "key": "maria/garden.mp4", "sha256": "ab" * 32},
    "recorded_at": {"time": "2026-11-02T09:14:03+01:00", "source": "container"},
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
            "id": "e73059ac2b2",
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
        {
            "emotion": "happiness",
            "prefix": "patients/maria/happiness/garden-1a2b3c4d5e_e0/",
            "poses": 20,
            "label": "e73059ac2b2",
            "status": "narrated",
        }
    ],
    "predictions": [],
    "models": {"whisper": "faster-whisper/tiny.en", "pose": "mp", "face_hands": None, "patient": None},
    "reasons": [],
    "timings_s": {"total": 3.2},
    "status": "ok",
}


def session_metadata(**changes: Any) -> SessionMetadata:
    """:data:`DOC` with top-level fields replaced (e.g. ``session``, ``source``), as the model."""
    doc = copy.deepcopy(DOC)
    doc.update(changes)
    return SessionMetadata.model_validate(doc)
