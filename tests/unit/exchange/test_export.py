"""``export_sessions``: the files of each format, the review copies beside them, nothing over a
file that is there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.errors import LabelError
from voice.exchange.export import ExportRequest, export_sessions
from voice.storage import LocalStore


def test_boris_export_writes_the_project_the_table_and_the_review_copy(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data")
    stored_session(store)
    store.write(layout.VIDEOS, layout.annotated_video_key(PATIENT, SESSION), b"review copy")
    written = export_sessions(store, ExportRequest(PATIENT, (), "boris", tmp_path / "out"))
    assert sorted(p.name for p in written) == sorted(
        [f"{PATIENT}.boris", f"{PATIENT}_aggregated.tsv", f"{SESSION}.mp4"]
    )
    assert (tmp_path / "out" / f"{SESSION}.mp4").read_bytes() == b"review copy"
    assert list(json.loads((tmp_path / "out" / f"{PATIENT}.boris").read_text())["observations"]) == [SESSION]


def test_a_patient_without_sessions_has_nothing_to_export(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data")
    stored_session(store)
    with pytest.raises(LabelError):
        export_sessions(store, ExportRequest("nobody", (), "csv", tmp_path / "out"))
