"""Ending without tearing the interpreter down loses nothing the process wrote: buffered standard
streams, a log file's handler, and the exit code all arrive; the ``voice`` command ends this way."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from voice.fast_exit import exit_now

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    """This environment with buffered output (the default a user's shell gives a pipe)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_what_was_written_arrives_and_the_code_is_kept(tmp_path: Path) -> None:
    log_file = tmp_path / "run.log"
    script = textwrap.dedent(
        f"""
        import logging, sys, threading, time
        from {exit_now.__module__} import exit_now
        logging.basicConfig(filename={str(log_file)!r}, level=logging.INFO)
        logging.getLogger("voice").info("the last line of the log")
        for i in range(20000):
            print(f"line {{i}}")
        print("to stderr", file=sys.stderr)
        threading.Thread(target=time.sleep, args=(60,), daemon=False).start()  # cut off, not waited for
        exit_now(3)
        print("never")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env=_env(), capture_output=True, text=True, timeout=30, check=False
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 20000
    assert lines[-1] == "line 19999"
    assert "never" not in proc.stdout
    assert proc.stderr.strip().endswith("to stderr")
    assert "the last line of the log" in log_file.read_text()


def test_the_voice_command_ends_with_mains_code_and_its_whole_output(tmp_path: Path) -> None:
    """``voice.cli.run`` (the console script): usage errors still exit 2 with their message, and a
    long ``--help`` arrives whole through a pipe."""
    run = [sys.executable, "-c", "from voice.cli import run; run()"]
    usage = subprocess.run(
        [*run, "process", str(tmp_path / "a.mp4")],
        env=_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert usage.returncode == 2, usage.stderr[-2000:]
    assert usage.stderr.startswith("usage: voice process")
    assert usage.stderr.rstrip().endswith("error: the following arguments are required: --patient")
    helped = subprocess.run(
        [*run, "--help"], env=_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: voice")
    assert "process" in helped.stdout
    assert helped.stdout.endswith("\n")
