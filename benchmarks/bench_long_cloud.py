"""Benchmark: the steps of the long-video state machine, each in a fresh process as a cold Lambda
runs it (docs/cloud.md, "Long videos on AWS").

    .venv/bin/python benchmarks/bench_long_cloud.py VIDEO [--segment-s 120] [--json]

The plan (``bench_long.py --plan-child``: hash, probe, transcription of the whole audio, the audio
track, ``plan.json``), every segment (``bench_long.py --segment-child``), then the join and the
merge (``--merge-child`` here: join, redraws, the parts joined, samples, CSV, VTT, metadata), one
after the other, so each has the machine's cores to itself (as far as a shared machine allows).
Per step: wall seconds, CPU seconds (the process and its children: ffmpeg), and the load
average before it. CPU seconds are the robust figure on a shared machine; docs/cloud.md turns
them into Lambda wall time and GB-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_LONG = ROOT / "benchmarks" / "bench_long.py"


def _run(args: list[str]) -> dict[str, Any]:
    """One step in a fresh process: its JSON line, wall, CPU (with children) and the load before."""
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load, t0 = os.getloadavg()[0], time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed: {proc.stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**out, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load": round(load, 1)}


def merge_child(data: str, plan_key: str, video: str) -> None:
    """Join, the redraws (here, one after the other) and the merge, as the state machine's steps."""
    from voice.config import Settings
    from voice.segments.merge_step import merge_step
    from voice.segments.steps import draw_step, join_step, load_plan
    from voice.storage import LocalStore

    store, settings = LocalStore(data), Settings()
    doc = load_plan(store, plan_key)
    t0 = time.perf_counter()
    redraw = join_step(store, doc, settings=settings)
    joined = time.perf_counter() - t0
    for index in redraw:
        draw_step(store, doc, index, source=Path(video), settings=settings)
    drawn = time.perf_counter() - t0 - joined
    merge_step(store, doc, settings=settings)
    merged = time.perf_counter() - t0 - joined - drawn
    print(json.dumps({"join_s": joined, "redraws": len(redraw), "draw_s": drawn, "merge_s": merged}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("video", type=Path)
    parser.add_argument("--segment-s", type=float, default=120.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    video = str(args.video.resolve())
    with tempfile.TemporaryDirectory(prefix="bench-long-cloud-") as data:
        plan = _run([str(BENCH_LONG), "--plan-child", data, video, str(args.segment_s)])
        segments = [
            _run([str(BENCH_LONG), "--segment-child", data, plan["plan"], str(i), video])
            for i in range(plan["segments"])
        ]
        merge = _run([__file__, "--merge-child", data, plan["plan"], video])
    report = {"video": args.video.name, "plan": plan, "segments": segments, "merge": merge}
    if args.json:
        print(json.dumps(report, indent=2))
    print(
        f"plan: wall {plan['wall_s']} s, CPU {plan['cpu_s']} s, load {plan['load']}, "
        f"{plan['segments']} segments"
    )
    for s in segments:
        print(
            f"segment of {s['length']:.1f} s: wall {s['wall_s']} s (imports {s['imports']:.1f}), "
            f"CPU {s['cpu_s']} s, load {s['load']}"
        )
    print(
        f"join + {merge['redraws']} redraws + merge: wall {merge['wall_s']} s (join {merge['join_s']:.1f}, "
        f"draws {merge['draw_s']:.1f}, merge {merge['merge_s']:.1f}), CPU {merge['cpu_s']} s, "
        f"load {merge['load']}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--merge-child":
        merge_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
