"""No transcript text and no patient names in log lines, for a good and a bad upload."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support import media
from voice.errors import VoiceError
from voice.run.pipeline import process_video
from voice.storage import LocalStore

pytestmark = pytest.mark.slow


def test_logs_carry_neither_names_nor_transcript(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = LocalStore(tmp_path)
    store.upload("videos", "Maria Jansen/Maria_at_the_garden.mp4", media.sample("garden.mp4"))
    store.upload("videos", "Maria Jansen/Maria_broken.mp4", media.truncated(tmp_path))
    caplog.set_level(logging.DEBUG)
    meta = process_video(store, "Maria Jansen/Maria_at_the_garden.mp4").json_doc()
    with pytest.raises(VoiceError):
        process_video(store, "Maria Jansen/Maria_broken.mp4")
    words = {w["word"].strip(".,!?").lower() for s in meta["transcript"]["segments"] for w in s["words"]}
    assert {"garden", "happy"} <= words, "the narration was heard"
    text = "\n".join(r.getMessage() for r in caplog.records).lower()
    assert caplog.records, "the pipeline does log"
    for secret in ("maria", "jansen", "garden", "happy"):
        assert secret not in text, secret
