"""Narration understanding end to end (issue 14): flite speech → Whisper tiny.en → events → samples.

Two videos are built at test time (a bundled sample's picture under a flite narration). One says
only things that are not labels (a question, the past, the narrator's own feeling); the other
mixes such sentences with two real statements about the patient. Only the real ones may become
samples. The test also checks what Whisper heard, so a change of transcription shows up as such.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.media import narrated
from tests.support.outputs import read_metadata
from voice.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("flite") is None, reason="needs flite (scripts/test.sh installs it)"),
]

NOT_LABELS = [
    (0.5, "Are you happy, Maria?"),
    (4.5, "She was sad yesterday."),
    (8.5, "I am so happy you came."),
    (12.5, "Is she angry?"),
]
MIXED = [
    (0.5, "Are you happy, Maria?"),
    (4.5, "Maria is calm now."),
    (9.0, "I was so surprised."),
    (13.0, "She is laughing."),
    (17.5, "She was crying yesterday."),
]


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    media = tmp_path_factory.mktemp("narration-media")
    data = tmp_path_factory.mktemp("narration-data")
    # kal16 and slt are the voices tiny.en hears verbatim for these lines (rms: "sad" → "sent").
    videos = [narrated(media, "not_labels", NOT_LABELS, "kal16"), narrated(media, "mixed", MIXED, "slt")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["process", *map(str, videos), "--patient", "maria", "--data-dir", str(data), "--json"])
    assert code == 0
    results = {Path(r["video"]).stem: r for r in json.loads(out.getvalue())}
    return {
        name: read_metadata(data, "maria", results[name]["session"]) | {"_data": str(data)}
        for name in ("not_labels", "mixed")
    }


def _heard(meta: dict[str, Any]) -> str:
    return " ".join(s["text"] for s in meta["transcript"]["segments"]).lower()


def test_whisper_hears_the_narration(processed: dict[str, Any]) -> None:
    print("\nheard:", {k: _heard(v) for k, v in processed.items()})
    for phrase in ("are you happy", "she was sad yesterday", "so happy you came", "is she angry"):
        assert phrase in _heard(processed["not_labels"])
    for phrase in ("calm now", "i was so surprised", "she is laughing", "she was crying yesterday"):
        assert phrase in _heard(processed["mixed"])


def test_questions_past_and_the_narrators_feelings_give_no_samples(processed: dict[str, Any]) -> None:
    meta = processed["not_labels"]
    got = [(e["emotion"], e["ignored"]) for e in meta["events"]]
    assert got == [
        ("happiness", "question"),
        ("sadness", "past"),
        ("happiness", "narrator"),
        ("anger", "question"),
    ]
    assert meta["samples"] == []
    assert meta["poses"]["detected"] > 0, "a person was in the picture: no samples is the narration's doing"
    assert any("no event counted" in r for r in meta["reasons"])
    patients = Path(meta["_data"]) / "patients" / "maria"
    assert not [p for p in patients.rglob("pose_*.json") if meta["session"] in str(p)]


def test_mixed_narration_yields_exactly_the_real_statements(processed: dict[str, Any]) -> None:
    meta = processed["mixed"]
    got = [(e["emotion"], e["who"], e["ignored"]) for e in meta["events"]]
    assert got == [
        ("happiness", "patient", "question"),
        ("neutral", "patient", None),
        ("surprise", "narrator", "narrator"),
        ("happiness", "patient", None),
        ("sadness", "patient", "past"),
    ]
    assert [s["emotion"] for s in meta["samples"]] == ["neutral", "happiness"]
    prefixes = [s["prefix"] for s in meta["samples"]]
    assert [p.rsplit("_e", 1)[1] for p in prefixes] == ["1/", "3/"], "the samples are events 1 and 3"


def test_the_csv_lists_every_event_with_its_reason(processed: dict[str, Any]) -> None:
    meta = processed["mixed"]
    path = Path(meta["_data"]) / "videos" / "annotated" / "maria" / f"{meta['session']}_analysis.csv"
    rows = [r for r in csv.DictReader(path.open()) if r["kind"] == "event"]
    assert [r["ignored"] for r in rows] == ["question", "", "narrator", "", "past"]
