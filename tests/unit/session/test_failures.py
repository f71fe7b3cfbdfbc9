"""Failure records of uploads: a name that is not UTF-8 still gets one, and a record that cannot be
written never raises."""

from __future__ import annotations

import json
from pathlib import Path

from voice.errors import InvalidNameError
from voice.session.failures import record_failure
from voice.storage import LocalStore


def test_a_name_that_is_not_utf8_gets_its_failure_record_instead_of_stopping(tmp_path: Path) -> None:
    raw = b"maria/clip-\xff\xfe.mp4".decode("utf-8", "surrogateescape")  # as os.listdir returns it
    store = LocalStore(tmp_path)
    key = record_failure(store, raw, InvalidNameError("bad bytes"), stage="validate")
    assert key.startswith("failed/_invalid/")
    doc = json.loads((tmp_path / "videos" / key).read_text())
    assert doc["source"]["key"] == "maria/clip-\\xff\\xfe.mp4"
    assert doc["error_type"] == "InvalidNameError"


def test_a_failure_record_that_cannot_be_written_does_not_raise(tmp_path: Path) -> None:
    (tmp_path / "videos").write_text("a file where the bucket folder should be")
    assert record_failure(LocalStore(tmp_path), "maria/x.mp4", ValueError("boom"), stage="probe")
