"""Benchmark: a long video in segments with worker processes, against one pass (issue 15).

    .venv/bin/python benchmarks/bench_long.py [--seconds 600] [--segment-s 60] [--workers 2]
        [--rounds 1] [--cloud-segment-s 120] [--cloud-segments 2] [--inputs-dir DIR] [--json]

1. **Side by side.** A ``--seconds``-long narrated 640×480 video (the bundled samples back to back,
   ``tests.media.long_narrated_video``) is processed by ``voice process`` in one pass
   (``--workers 1``) and in segments of ``--segment-s`` seconds with ``--workers`` processes,
   alternating, each run in a fresh process into a fresh data dir (``--rounds`` pairs). Wall time
   and CPU time (the run's process and every child it waited for: pool workers, ffmpeg) per
   run, and the load average around it (the machine may be shared).
2. **The same outputs.** Events (emotion, time within 0.05 s), sample keys (folders and pose
   files), the output keys, and the annotated video probed: one H.264 and one AAC stream, its
   duration within 0.1 s of the source's, every frame decodable.
3. **Cloud figures** (``docs/cloud.md``): from the segmented run's stages, the plan (transcription
   and the audio track) and the join + merge; then ``--cloud-segments`` segments of
   ``--cloud-segment-s`` seconds, each in a fresh process as a cold Lambda runs it (imports,
   models, the pass, its result written), one at a time, so each has the two cores to itself.

The last line: ``LONG one_pass_s=… segmented_s=… speedup=… cpu_ratio=… load=… same_events=…
same_samples=… video_ok=… segment_s=… segment_wall_s=…``.
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


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(args: list[str]) -> tuple[dict[str, Any], float, float, tuple[float, float]]:
    """Run this script as a child; returns its JSON, wall time, CPU time and load (before, after)."""
    load0 = os.getloadavg()[0]
    cpu0, t0 = _cpu_children(), time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _cpu_children() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[:2]} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall, cpu, (load0, os.getloadavg()[0])


def child_process(data: str, video: str, workers: int, segment_s: float) -> None:
    """One ``voice process`` run (staged as an upload, then processed), with the time of each
    stage it announced."""
    from voice.batch import stage_upload
    from voice.config import Settings
    from voice.pipeline import Hooks, process_video
    from voice.storage import LocalStore

    t0 = time.perf_counter()
    marks: list[tuple[float, str]] = []

    def on_stage(name: str) -> None:
        marks.append((round(time.perf_counter() - t0, 2), name))

    store = LocalStore(data)
    settings = Settings(segment_s=segment_s, segment_above_s=min(300.0, segment_s))
    key = stage_upload(store, Path(video), "maria")
    meta = process_video(store, key, settings=settings, hooks=Hooks(on_stage=on_stage, workers=workers))
    print(json.dumps({"session": meta["session"], "marks": marks, "wall": time.perf_counter() - t0}))


def child_plan(data: str, video: str, segment_s: float) -> None:
    """Stage an upload and make its plan (the cloud's plan step), keeping the plan."""
    from voice import layout, media
    from voice.batch import stage_upload
    from voice.config import Settings
    from voice.layout import VIDEOS
    from voice.limits import MediaLimits
    from voice.patient_store import read_pin
    from voice.segmented import make_plan
    from voice.stages import Run, identify, prepare
    from voice.storage import LocalStore
    from voice.transcribe import make_transcriber

    store, settings = LocalStore(data), Settings(segment_s=segment_s)
    key = stage_upload(store, Path(video), "maria")
    t0 = time.perf_counter()
    with store.download(VIDEOS, key) as local:
        run = Run(store, layout.parse_upload_key(key), local, settings)
        identify(run, force=True)
        info = media.probe(local, MediaLimits.from_settings(settings))
        found = prepare(run, info, make_transcriber(settings), read_pin(store, run.upload))
        doc = make_plan(run, found, version=None, force=True)
    out = {
        "plan": doc.workspace.plan,
        "segments": len(doc.plan.segments),
        "seconds": time.perf_counter() - t0,
    }
    print(json.dumps({**out, "timings": run.timings}))


def child_segment(data: str, plan_key: str, index: int, video: str) -> None:
    """One segment as a cold Lambda runs it: imports, models, the pass, the result written."""
    t0 = time.perf_counter()
    from voice.config import Settings
    from voice.segmented import load_plan, segment_step
    from voice.storage import LocalStore

    store = LocalStore(data)
    doc = load_plan(store, plan_key)
    imported = time.perf_counter() - t0
    segment_step(store, doc, index, source=Path(video), settings=Settings())
    seg = doc.plan.segments[index]
    print(
        json.dumps({"imports": imported, "wall": time.perf_counter() - t0, "length": seg.end_s - seg.start_s})
    )


def _outputs(data: Path) -> dict[str, Any]:
    meta_path = next((data / "videos" / "annotated" / "maria").glob("*_metadata.json"))
    meta = json.loads(meta_path.read_text())
    samples = sorted(
        p.relative_to(data).as_posix() for p in (data / "patients" / "maria").rglob("pose_*.json")
    )
    annotated = data / "videos" / "annotated" / "maria"
    keys = sorted(p.relative_to(data).as_posix() for p in annotated.rglob("*") if p.is_file())
    return {
        "meta": meta,
        "samples": samples,
        "keys": keys,
        "video": meta_path.with_name(meta["session"] + ".mp4"),
    }


def probe_video(path: Path) -> dict[str, Any]:
    """Streams, durations and decodable frames of an annotated video."""
    import av

    with av.open(str(path)) as container:
        kinds = [(s.type, s.codec_context.name) for s in container.streams]
        video = container.streams.video[0]
        duration = float(container.duration or 0) / 1e6
        frames = sum(1 for _ in container.decode(video))
    return {"streams": kinds, "duration": duration, "frames": frames}


def compare(one: dict[str, Any], seg: dict[str, Any], source_s: float) -> dict[str, Any]:
    ea = [(e["emotion"], e["time"]) for e in one["meta"]["events"]]
    eb = [(e["emotion"], e["time"]) for e in seg["meta"]["events"]]
    same_events = len(ea) == len(eb) and all(
        a[0] == b[0] and abs(a[1] - b[1]) <= 0.05 for a, b in zip(ea, eb, strict=False)
    )
    probed = probe_video(seg["video"])
    video_ok = (
        probed["streams"] == [("video", "h264"), ("audio", "aac")]
        and abs(probed["duration"] - source_s) <= 0.1
    )
    return {
        "events": len(eb),
        "same_events": same_events,
        "same_samples": one["samples"] == seg["samples"],
        "sample_files": len(seg["samples"]),
        "same_keys": one["keys"] == seg["keys"],
        "video_ok": video_ok,
        "probe": probed,
        "one_pass_probe": probe_video(one["video"]),
        "poses": [one["meta"]["poses"], seg["meta"]["poses"]],
    }


def _stage_spans(marks: list[tuple[float, str]], end: float) -> dict[str, float]:
    """Seconds from each named stage to the next (segments and drawing summed over their marks)."""
    spans: dict[str, float] = {}
    for (t, name), (t_next, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
        key = name.split(" ")[0]
        spans[key] = spans.get(key, 0.0) + (t_next - t)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--segment-s", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--cloud-segment-s", type=float, default=120.0)
    parser.add_argument("--cloud-segments", type=int, default=2)
    parser.add_argument("--inputs-dir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.media import long_narrated_video

    video = args.inputs_dir / f"narrated_{int(args.seconds)}s_640x480.mp4"
    if not video.is_file():
        long_narrated_video(video, args.seconds)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-long-") as tmp:
        for r in range(args.rounds):
            for mode, workers in (("one pass", 1), ("segmented", args.workers)):
                data = Path(tmp) / f"{r}-{workers}"
                out, wall, cpu, load = _child(
                    ["--child", str(data), str(video), str(workers), str(args.segment_s)]
                )
                runs.append(
                    {
                        "mode": mode,
                        "wall": wall,
                        "cpu": cpu,
                        "load": load,
                        "marks": out["marks"],
                        "data": data,
                    }
                )
        one, seg = runs[-2], runs[-1]
        same = compare(_outputs(one["data"]), _outputs(seg["data"]), args.seconds)
        plan, _, plan_cpu, plan_load = _child(
            ["--plan-child", str(Path(tmp) / "cloud"), str(video), str(args.cloud_segment_s)]
        )
        segments = []
        for index in range(1, min(plan["segments"], args.cloud_segments + 1)):
            done, wall, cpu, load = _child(
                ["--segment-child", str(Path(tmp) / "cloud"), plan["plan"], str(index), str(video)]
            )
            segments.append({**done, "cpu": cpu, "load": load})
    report: dict[str, Any] = {
        "runs": [{k: v for k, v in r.items() if k != "data"} for r in runs],
        "stages": _stage_spans(seg["marks"], seg["wall"]),
        "same": same,
        "plan": {**plan, "cpu": plan_cpu, "load": plan_load},
        "cloud_segments": segments,
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    for r in report["runs"]:
        print(f"| {r['mode']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['load'][0]:.1f} → {r['load'][1]:.1f} |")
    print("stages of the segmented run (s):", {k: round(v, 1) for k, v in report["stages"].items()})
    print("plan step:", {k: (round(v, 2) if isinstance(v, float) else v) for k, v in report["plan"].items()})
    for s in segments:
        print(
            f"segment of {s['length']:.0f} s in a fresh process: wall {s['wall']:.1f} s "
            f"(imports {s['imports']:.1f}), CPU {s['cpu']:.1f} s, load {s['load'][0]:.1f}"
        )
    loads = [x for r in runs for x in r["load"]]
    seg_wall = sum(s["wall"] for s in segments) / max(1, len(segments))
    print(
        f"LONG one_pass_s={one['wall']:.1f} segmented_s={seg['wall']:.1f} "
        f"speedup={one['wall'] / seg['wall']:.2f} "
        f"cpu_ratio={seg['cpu'] / one['cpu']:.2f} load={min(loads):.1f}-{max(loads):.1f} "
        f"same_events={same['same_events']} same_samples={same['same_samples']} video_ok={same['video_ok']} "
        f"segment_s={args.cloud_segment_s:.0f} segment_wall_s={seg_wall:.1f}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_process(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--plan-child":
        child_plan(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--segment-child":
        child_segment(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
