"""The console script's first moment: the Whisper load begins for the commands that transcribe,
before the rest of the package is imported, and only for them."""

from __future__ import annotations

import subprocess
import sys

import pytest

import voice.cli
from voice import launch
from voice.transcription import early


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["process", "a.mp4"], "process"),
        (["-v", "demo"], "demo"),
        (["labels", "list", "maria"], "labels"),
        (["--help"], None),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_that_is_not_an_option(argv: list[str], name: str | None) -> None:
    assert launch.command(argv) == name


@pytest.mark.parametrize(
    ("argv", "begins"), [(["process", "x.mp4"], True), (["demo"], True), (["report", "m"], False)]
)
def test_the_load_begins_only_for_the_commands_that_transcribe(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], begins: bool
) -> None:
    begun: list[object] = []
    monkeypatch.setattr(early, "begin", begun.append)
    monkeypatch.setattr(voice.cli, "run", lambda: None)
    monkeypatch.setattr(sys, "argv", ["voice", *argv])
    launch.run()
    assert len(begun) == (1 if begins else 0)


def test_the_early_load_begins_before_the_command_module_is_imported() -> None:
    """A fresh interpreter, as the console script starts: the load begins while ``voice.cli`` (and
    the pipeline under it) are still to be imported, so it overlaps their imports."""
    code = (
        "import sys\n"
        "from voice.transcription import early\n"
        "def begin(make):\n"
        "    loaded = [m for m in ('voice.cli', 'voice.run.pipeline') if m in sys.modules]\n"
        "    print('begun; imported already:', loaded, flush=True)\n"
        "early.begin = begin\n"
        "sys.argv = ['voice', 'process', '--help']\n"
        "from voice import launch\n"
        "launch.run()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("begun; imported already: []\n")
    assert "usage: voice process" in out.stdout
