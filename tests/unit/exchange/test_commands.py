"""``voice export`` / ``voice import`` on the command line: what they print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.exchange import researcher_eaf
from tests.support.labels import PATIENT, SESSION, stored_session
from voice.cli import main
from voice.exchange.commands import add_exchange_parsers
from voice.storage import LocalStore


def test_import_says_what_it_added_then_that_nothing_is_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored_session(LocalStore(tmp_path / "data"))
    path = tmp_path / "c.eaf"
    path.write_bytes(researcher_eaf(f"{SESSION}.mp4", {"Emotion": [(0.2, 1.8, "happiness")]}))
    args = ["import", PATIENT, str(path), "--data-dir", str(tmp_path / "data")]
    assert main(args) == 0
    assert f"{SESSION}: tier 'Emotion' by ben: 1 label(s) added, 0 already there" in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["written"] is False
    assert doc["tiers"][0]["unchanged"] == 1
    assert callable(add_exchange_parsers)
