"""``voice agreement`` and the report's "Agreement" section through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice import layout
from voice.agreement.commands import report_section
from voice.cli import main
from voice.config import Settings
from voice.exchange.sources import IMPORT
from voice.labels.service import Change, ReviewRequest, review
from voice.storage import LocalStore


def test_agreement_prints_the_pairs_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = LocalStore(tmp_path)
    stored_session(store)
    change = Change("add", emotion="happiness", start=0.0, end=2.0)
    review(
        store, ReviewRequest(PATIENT, SESSION, (change,), author="ben", source=IMPORT), settings=Settings()
    )
    assert main(["agreement", PATIENT, "--data-dir", str(tmp_path)]) == 0
    assert "narration vs import:ben: kappa —, observed 1.00, 2 bins" in capsys.readouterr().out
    assert main(["agreement", PATIENT, "--data-dir", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "voice.agreement/1"
    assert doc["pairs"][0]["observed"] == 1.0


def test_the_report_has_an_agreement_section(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    stored_session(store)
    assert main(["report", PATIENT, "--data-dir", str(tmp_path)]) == 0
    html = store.read(layout.VIDEOS, layout.patient_report_key(PATIENT)).decode()
    assert "<h2>Agreement</h2>" in html
    assert "No two sources labelled the same session yet" in html
    title, body = report_section(store, "nobody", Settings())
    assert title == "Agreement"
    assert "<p>" in body
