"""The ``voice`` command's contract: light --help, exit codes, the gate's reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voice.cli import main

HEAVY = ("mediapipe", "sklearn", "cv2", "faster_whisper", "matplotlib", "torch", "boto3", "av")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom voice.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["process"],
        ["process", "x.mp4"],
        ["frobnicate"],
        ["train"],
        ["predict", "x.mp4"],
        ["cloud"],
        ["process", "x.mp4", "--patient", "maria", "--workers", "0"],
        ["process", "x.mp4", "--patient", "maria", "--workers", "two"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("process", "train", "predict", "report", "demo", "cloud"):
        assert command in out


def test_train_without_data_prints_the_gates_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "maria", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("training skipped:")
    assert "10" in out, out  # the minimum number of samples is named
    assert main(["train", "maria", "--data-dir", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["trained"] is False
    assert payload["reasons"]


def test_unsafe_patient_name_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["train", "../x", "--data-dir", str(tmp_path)]) == 2
    assert main(["report", "a/b", "--data-dir", str(tmp_path)]) == 2


def test_predict_without_a_model_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")
    assert main(["predict", str(video), "--patient", "maria", "--data-dir", str(tmp_path)]) == 1
    assert "voice train maria" in capsys.readouterr().err


def test_workers_default_to_the_setting_else_the_cores_memory_permitting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voice.config import Settings
    from voice.segments import local_pool as parallel

    assert parallel.default_workers(Settings(workers=3)) == 3
    monkeypatch.setattr(parallel, "cores", lambda: 8)
    monkeypatch.setattr(parallel, "_available_memory", lambda: 3 * parallel.WORKER_BYTES + 1)
    assert parallel.default_workers(Settings()) == 3, "memory for three"
    monkeypatch.setattr(parallel, "_available_memory", lambda: 100 * parallel.WORKER_BYTES)
    assert parallel.default_workers(Settings()) == 8, "one per core"
    monkeypatch.setattr(parallel, "_available_memory", lambda: 0)
    assert parallel.default_workers(Settings()) == 1, "always one"
    monkeypatch.undo()
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(parallel, "_available_memory", lambda: 100 * parallel.WORKER_BYTES)
    assert parallel.default_workers(Settings()) == 2, "the cores this process may use, not the host's"
