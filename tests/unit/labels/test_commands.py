"""``voice labels``: the command group's usage, output and exit codes over a stored session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.labels import PATIENT, SESSION, stored_session
from voice.cli import main
from voice.labels.commands import default_author
from voice.storage import LocalStore


@pytest.fixture
def data(tmp_path: Path) -> str:
    stored_session(LocalStore(tmp_path))
    return str(tmp_path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_the_labels_with_ids_status_and_authors(
    data: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "labels", "list", PATIENT, SESSION, "--data-dir", data)
    assert code == 0
    assert "recorded" in out
    assert "(upload)" in out
    rows = [line for line in out.splitlines() if line.startswith("e")]
    assert len(rows) == 3
    assert "narrated" in rows[0]
    assert "happiness" in rows[0]
    assert "narration" in rows[0]
    assert "(ignored: question)" in rows[1]
    code, out, _ = _run(capsys, "labels", "list", PATIENT, SESSION, "--data-dir", data, "--json")
    doc = json.loads(out)
    assert doc["schema"] == "voice.labels/1"
    assert [label["status"] for label in doc["labels"]] == ["narrated", "ignored", "narrated"]


def test_list_without_a_session_lists_the_patients_sessions(
    data: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "labels", "list", PATIENT, "--data-dir", data)
    assert code == 0
    assert SESSION in out
    assert "2 samples" in out


def test_each_change_has_its_command_and_the_author_defaults_to_the_os_user(
    data: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "labels", "list", PATIENT, SESSION, "--data-dir", data, "--json")
    happy, question, sad = (label["id"] for label in json.loads(out)["labels"])
    base = [PATIENT, SESSION, "--data-dir", data]
    for argv in (
        ["confirm", *base, happy],
        ["count", *base, question, "--reason", "it was said as a statement", "--author", "anna"],
        ["set", *base, sad, "--emotion", "neutral", "--author", "bob"],
        ["add", *base, "--from", "8.5", "--to", "9.9", "--emotion", "surprise"],
        ["reject", *base, happy, "--reason", "laughing at the dog"],
    ):
        code, out, err = _run(capsys, "labels", *argv)
        assert code == 0, err
        assert "samples:" in out
    code, out, _ = _run(capsys, "labels", "list", *base, "--json")
    labels = json.loads(out)["labels"]
    assert [(lb["status"], lb["author"]) for lb in labels] == [
        ("rejected", default_author()),
        ("counted", "anna"),
        ("changed", "bob"),
        ("added", default_author()),
    ]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["labels"], "usage:"),
        (["labels", "frob", PATIENT, SESSION], "usage:"),
        (["labels", "add", PATIENT, SESSION, "--from", "1", "--emotion", "anger"], "--to"),
        (
            ["labels", "add", PATIENT, SESSION, "--from", "x", "--to", "2", "--emotion", "anger"],
            "invalid float",
        ),
        (
            ["labels", "add", PATIENT, SESSION, "--from", "1", "--to", "2", "--emotion", "joy"],
            "unknown emotion 'joy'",
        ),
        (
            ["labels", "add", PATIENT, SESSION, "--from", "3", "--to", "2", "--emotion", "anger"],
            "before it starts",
        ),
        (
            ["labels", "add", PATIENT, SESSION, "--from", "1", "--to", "99", "--emotion", "anger"],
            "outside the video",
        ),
        (["labels", "set", PATIENT, SESSION, "e0000000000", "--emotion", "anger"], "no label 'e0000000000'"),
        (["labels", "confirm", "nobody", SESSION, "e0000000000"], "unknown patient 'nobody'"),
        (["labels", "confirm", PATIENT, "nothing-0000000000", "e0000000000"], "no processed session"),
        (["labels", "list", "../x", SESSION], "single path segment"),
    ],
)
def test_bad_input_exits_2_naming_the_problem_and_writes_nothing(
    data: str, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    before = sorted(p.as_posix() for p in Path(data).rglob("*"))
    code, _out, err = _run(capsys, *argv, "--data-dir", data)
    assert code == 2
    assert words in err
    assert sorted(p.as_posix() for p in Path(data).rglob("*")) == before


def test_the_command_group_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["labels", "--help"]) == 0
    out = capsys.readouterr().out
    for command in ("list", "add", "confirm", "reject", "count", "set"):
        assert command in out
