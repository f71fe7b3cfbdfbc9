"""``benchmarks/run.py --quick`` runs end to end (it asserts the harness works, not any speed).

The phone input of ``--quick`` is a minute of the iPhone format; here 10 s of it
(``--phone-seconds 10``), seed and voice only: about a minute more than the 640×480 part on two
cores (building it ~20 s, the seed stack ~30 s).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_prints_the_table_and_the_summary_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--phone-seconds",
            "10",
            "--inputs-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    # The results table's rows (the thread table's rows say each thread's share: "(27%)").
    rows = [line for line in lines if line.startswith("| 1 min |") and "%)" not in line]
    assert [row.split("|")[2].strip() for row in rows] == ["seed", "voice", "voice-base"]
    phone = [
        line
        for line in lines
        if line.startswith("| iPhone 1080p60 HEVC portrait, 10 s |") and "%)" not in line
    ]
    assert [row.split("|")[2].strip() for row in phone] == ["seed", "voice"], "side by side on the phone"
    threads = [line for line in lines if line.startswith("| 1 min | voice |") and "voice-pose" in line]
    assert threads, "the CPU of each thread of the voice run"
    summary = r"RTF=\d+\.\d{3} phone_rtf=\d+\.\d{3} ratio_vs_seed=\d+\.\d{2} peak_rss_mb=\d+"
    assert re.fullmatch(summary, lines[-1]), lines[-1]
    # The memory of the whole process tree was sampled (a voice run holds its models: > 200 MB).
    assert int(lines[-1].rsplit("peak_rss_mb=", 1)[1]) > 200, lines[-1]
    assert (tmp_path / "narrated_60s_640x480.mp4").is_file()
    assert (tmp_path / "phone_iphone-1080p60-hevc-portrait_10s.MOV").is_file()
