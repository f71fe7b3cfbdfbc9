"""A patient's stored session records, one by one: the readable ones, the damaged ones skipped
(with a warning for metadata that names no one), other patients' and nested files left out."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support.records import session_metadata
from voice import layout
from voice.records.session import SessionIndex, SourceRecord
from voice.records.stored import session_indexes
from voice.records.stored import session_metadata as stored_metadata
from voice.storage import LocalStore


def _index(session: str) -> bytes:
    source = SourceRecord(bucket="videos", key=f"maria/{session}.mp4", sha256="ab" * 32)
    return SessionIndex(session=session, source=source, samples=[]).model_dump_json().encode()


def test_session_indexes_yields_the_readable_ones(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.write(layout.PATIENTS, layout.session_index_key("maria", "garden"), _index("garden"))
    store.write(layout.PATIENTS, layout.session_index_key("maria", "broken"), b"{not json")
    store.write(layout.PATIENTS, layout.session_index_key("maria", "park") + ".txt", _index("park"))
    store.write(layout.PATIENTS, layout.sessions_prefix("maria") + "old/park.json", _index("park"))
    store.write(layout.PATIENTS, layout.session_index_key("anna", "swing"), _index("swing"))
    assert [i.session for i in session_indexes(store, "maria")] == ["garden"]


def test_session_metadata_skips_a_damaged_file_with_a_warning_naming_no_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = LocalStore(tmp_path)
    prefix = layout.annotated_prefix("maria")
    store.write(layout.VIDEOS, prefix + "garden_metadata.json", session_metadata().model_dump_json().encode())
    store.write(layout.VIDEOS, prefix + "park_metadata.json", b"[]")
    store.write(layout.VIDEOS, prefix + "garden.vtt", b"WEBVTT")
    with caplog.at_level(logging.WARNING, logger="voice"):
        found = list(stored_metadata(store, "maria", skipped_in="the report"))
    assert [m.session for m in found] == [session_metadata().session]
    assert [r.getMessage() for r in caplog.records] == ["unreadable session metadata skipped in the report"]
