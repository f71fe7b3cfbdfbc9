"""Benchmark: the video pass with bystanders' faces blurred against without (issue 25 §6).

    .venv/bin/python benchmarks/bench_blur.py [--quick] [--repeats N] [--json]

For each input the one-pass video pass (:func:`voice.session.video_pass.video_pass`: decode,
everyone's pose, drawing, x264; no narration, no transcription) runs with blurring on and off,
alternating (off, on, off, on, …) in one process, so both see the same machine load. Reported per
setting, as the median over the repeats: wall seconds, CPU seconds of the process and its ffmpeg
child; with blurring on also the blur's own CPU time (thread time spent in
:class:`voice.drawing.blur.FaceBlur`, counted in the drawing thread) and its share of the
pass's CPU. The blur runs in the drawing thread, beside pose in the main thread, so its CPU share
is an upper bound on what it adds to the wall time.

Inputs: the bundled ``kitchen.mp4`` (480×360, the mother beside Maria for 4.5 of 7.5 s); four
people in a row at 640×360 (three bystanders, small faces; ``tests/support/scenes.py``); two people
close up at 1280×720 (one bystander whose face box is ~200×260 pixels).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

# Composited scenes are test material (tests/support/scenes.py), not product code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import scenes
from voice.config import Settings
from voice.drawing.blur import FaceBlur
from voice.media.probe import probe
from voice.run.demo import samples_dir
from voice.session.outputs import SessionOutputs
from voice.session.video_pass import RenderPlan, video_pass
from voice.transcription.transcript import Transcript


def close_up(duration_s: float) -> scenes.Scene:
    """Two people filling a 1280×720 frame, swaying: the patient left, a bystander right."""
    left = scenes.Actor("patient", "orange", lambda t: (330 + 10 * np.sin(2 * t), 400.0, 560.0))
    right = scenes.Actor("bystander", "blue", lambda t: (950 + 10 * np.sin(1.5 * t + 1), 400.0, 560.0))
    return scenes.Scene((left, right), duration_s, width=1280, height=720)


@contextmanager
def blur_timer() -> Iterator[list[float]]:
    """Accumulate the thread CPU time spent blurring (the drawing thread does it)."""
    spent = [0.0]
    real: Callable[..., None] = FaceBlur.__call__

    def timed(*args: Any, **kwargs: Any) -> None:
        t0 = time.thread_time()
        real(*args, **kwargs)
        spent[0] += time.thread_time() - t0

    FaceBlur.__call__ = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        FaceBlur.__call__ = real  # type: ignore[method-assign]


def one_pass(path: Path, blur: bool) -> dict[str, float]:
    """One video pass; wall s, CPU s (process + children), the blur's CPU s."""
    settings = Settings(blur_bystanders=blur)
    info = probe(path)
    plan = RenderPlan("bench", "bench-0000000000", Transcript(language="en"), ())
    before = os.times()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="voice-bench-blur-") as tmp, blur_timer() as spent:
        result = video_pass(
            path, info, plan, model=None, settings=settings, outputs=SessionOutputs(Path(tmp))
        )
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = sum(after[i] - before[i] for i in range(4))  # user, system; children's user, system
    return {"wall_s": wall, "cpu_s": cpu, "blur_cpu_s": spent[0], "redrawn": float(result.redrawn)}


def compare(path: Path, repeats: int) -> dict[str, Any]:
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    one_pass(path, False)  # warm-up: models loaded, files cached
    for _ in range(repeats):
        for blur in (False, True):
            runs[blur].append(one_pass(path, blur))

    def median(blur: bool, key: str) -> float:
        return statistics.median(r[key] for r in runs[blur])

    off_wall, on_wall = median(False, "wall_s"), median(True, "wall_s")
    on_cpu, blur_cpu = median(True, "cpu_s"), median(True, "blur_cpu_s")
    return {
        "off_wall_s": round(off_wall, 2),
        "on_wall_s": round(on_wall, 2),
        "wall_ratio": round(on_wall / off_wall, 3),
        "off_cpu_s": round(median(False, "cpu_s"), 2),
        "on_cpu_s": round(on_cpu, 2),
        "blur_cpu_s": round(blur_cpu, 3),
        "blur_share_of_cpu": round(blur_cpu / on_cpu, 4),
        "redrawn": any(r["redrawn"] for rs in runs.values() for r in rs),
    }


def inputs(folder: Path, quick: bool) -> dict[str, Path]:
    seconds = 10.0 if quick else 60.0
    return {
        "kitchen.mp4 (480×360, 1 bystander, 7.5 s)": samples_dir() / "kitchen.mp4",
        f"4 in a row (640×360, 3 bystanders, {seconds:.0f} s)": scenes.render(
            scenes.row(4, seconds), folder / "row4.mp4"
        ),
        f"close up (1280×720, 1 big face, {seconds / 2:.0f} s)": scenes.render(
            close_up(seconds / 2), folder / "close-up.mp4"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s scenes instead of 60 s")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each setting per input")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voice-bench-blur-in-") as tmp:
        results = {name: compare(path, args.repeats) for name, path in inputs(Path(tmp), args.quick).items()}
    doc = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "load": os.getloadavg(),
        "inputs": results,
    }
    if args.json:
        print(json.dumps(doc))
        return
    print("| input | wall s off → on | ratio | CPU s off → on | blur CPU s | blur share of the pass's CPU |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['off_wall_s']} → {r['on_wall_s']} | {r['wall_ratio']} | "
            f"{r['off_cpu_s']} → {r['on_cpu_s']} | {r['blur_cpu_s']} | {r['blur_share_of_cpu']:.2%} |"
        )
    print(f"load average {doc['load']}")


if __name__ == "__main__":
    main()
