"""``voice review`` as a person starts it: the URL with its token, loopback only, the token needed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.review import PATIENT, synthetic_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def test_voice_review_prints_a_loopback_url_whose_token_opens_the_app(tmp_path: Path) -> None:
    synthetic_store(tmp_path / "data")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voice.cli", "review", "--data-dir", str(tmp_path / "data"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 20
        while True:
            try:
                assert httpx.get(base + "/api/patients").status_code == 401
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        with httpx.Client(base_url=base) as client:
            assert client.get(f"/?token={match.group(2)}", follow_redirects=True).status_code == 200
            assert client.get("/api/patients").json() == [{"patient": PATIENT, "sessions": 1}]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert PATIENT not in err, "no patient name in the server's output"


def test_the_command_defaults_to_loopback() -> None:
    from voice.cli import build_parser

    args = build_parser().parse_args(["review"])
    assert args.host == "127.0.0.1"
    assert args.port == 8765
