"""The JSON Schemas in docs/schemas/ are the records' own, and the check notices when one is not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from voice.records.schemas import SCHEMAS, main, schema_text
from voice.records.session import SessionMetadata

DOCS = Path(__file__).resolve().parents[3] / "docs" / "schemas"


def test_the_schema_files_are_current() -> None:
    assert main(["--check", "--out", str(DOCS)]) == 0


def test_the_check_fails_on_a_stale_or_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(DOCS, tmp_path, dirs_exist_ok=True)
    stale = tmp_path / "session-metadata.schema.json"
    stale.write_text(stale.read_text().replace('"session"', '"sesion"', 1))
    (tmp_path / "failure-record.schema.json").unlink()
    assert main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "session-metadata" in err
    assert "failure-record" in err
    assert main(["--out", str(tmp_path)]) == 0, "writing them makes them current"
    assert main(["--check", "--out", str(tmp_path)]) == 0


def test_the_metadata_schema_names_the_json_fields_as_written() -> None:
    schema = json.loads(schema_text(SessionMetadata))
    assert schema["properties"]["schema"]["const"] == "voice.session/1"
    assert "schema_" not in schema["properties"]
    assert schema["additionalProperties"] is False
    assert set(SCHEMAS) == {stem for stem in (p.name.split(".")[0] for p in DOCS.glob("*.schema.json"))}
