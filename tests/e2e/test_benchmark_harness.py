"""``benchmarks/run.py --quick`` runs end to end (it asserts the harness works, not any speed)."""

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
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--inputs-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    rows = [line for line in lines if line.startswith("| 1 min |")]
    assert [row.split("|")[2].strip() for row in rows] == ["seed", "voice", "voice-base"]
    assert re.fullmatch(r"RTF=\d+\.\d{3} ratio_vs_seed=\d+\.\d{2} peak_rss_mb=\d+", lines[-1]), lines[-1]
    assert (tmp_path / "narrated_60s_640x480.mp4").is_file()
