"""Benchmark: a long video in segments with worker processes, against one pass (issue 15).

    .venv/bin/python benchmarks/bench_long.py [--seconds 600] [--segment-s 60] [--workers 2]
        [--cloud-segment-s 120] [--cloud-segments 2] [--inputs-dir DIR] [--out JSON]
    .venv/bin/python benchmarks/bench_long.py --cloud-only VIDEO [--cloud-segment-s S] ...

1. **Side by side.** A ``--seconds``-long narrated 640×480 video (the bundled samples back to back,
   ``tests.support.media.long_narrated_video``, built once into ``--inputs-dir``) is processed as
   ``voice process`` does it, in one pass (``--workers 1``) and then in segments of
   ``--segment-s`` seconds with ``--workers`` processes, each in a fresh process into a fresh data
   dir. Per run: wall time, RTF, CPU time (the run and every child it waited for: pool workers,
   ffmpeg), peak RSS summed over its process tree (``benchmarks/run.py``'s sampler), the load
   average around it (the machine may be shared), and each stage's seconds.
2. **The same outputs.** Events (emotion, time within 0.05 s), sample keys, the output keys, the
   people found, and the annotated video probed: one H.264 and one AAC stream, its duration within
   0.1 s of the source's, the same number of frames as one pass's.
3. **What restarting tracking costs.** Pose samples estimated twice (the link frames around each
   cut, from the plan), pose seconds of both runs, segments drawn again after the join.
4. **Per-segment figures** (for ``docs/cloud.md``): the plan step (transcription of the whole
   audio and the audio track) in a fresh process, then ``--cloud-segments`` segments of
   ``--cloud-segment-s`` seconds, each in a fresh process as a cold Lambda runs it (imports,
   models, the pass, its result written), one at a time: wall, seconds per second of video, peak
   RSS of the segment worker with its ffmpeg. ``--cloud-only VIDEO`` runs only these, on VIDEO
   (e.g. a phone format).

The last line: ``LONG one_pass_s=… segmented_s=… speedup=… one_pass_rss_mb=… segmented_rss_mb=…
same_events=… same_samples=… video_ok=… segment_s=… segment_wall_s=… segment_rss_mb=…``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import measure  # noqa: E402 - after the path is set


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(args: list[str]) -> dict[str, Any]:
    """Run this script as a child; returns its JSON with wall, CPU, peak RSS and load around it."""
    load0 = os.getloadavg()[0]
    cpu0 = _cpu_children()
    run = measure([sys.executable, __file__, *args], {**os.environ, "PYTHONWARNINGS": "ignore"})
    if run.returncode != 0:
        raise RuntimeError(f"child {args[:2]} failed: {run.stderr[-2000:]}")
    out = json.loads(run.stdout.strip().splitlines()[-1])
    return {
        **out,
        "wall": run.wall_s,
        "cpu": _cpu_children() - cpu0,
        "peak_rss_mb": run.peak_rss_mb,
        "load": (load0, os.getloadavg()[0]),
    }


def child_process(data: str, video: str, workers: int, segment_s: float) -> None:
    """One ``voice process`` run (staged as an upload, then processed), with the time of each
    stage it announced."""
    from voice.config import Settings
    from voice.run.batch import stage_upload
    from voice.run.pipeline import Hooks, process_video
    from voice.storage import LocalStore

    t0 = time.perf_counter()
    marks: list[tuple[float, str]] = []

    def on_stage(name: str) -> None:
        marks.append((round(time.perf_counter() - t0, 2), name))

    store = LocalStore(data)
    settings = Settings(segment_s=segment_s, segment_above_s=min(300.0, segment_s))
    key = stage_upload(store, Path(video), "maria")
    meta = process_video(store, key, settings=settings, hooks=Hooks(on_stage=on_stage, workers=workers))
    print(json.dumps({"session": meta.session, "marks": marks, "inner": time.perf_counter() - t0}))


def child_plan(data: str, video: str, segment_s: float) -> None:
    """Stage an upload and make its plan (the cloud's plan step), keeping the plan."""
    from voice.config import Settings
    from voice.run.batch import stage_upload
    from voice.segments.steps import make_plan
    from voice.session.prepare import open_upload, prepare, upload_run
    from voice.storage import LocalStore
    from voice.transcription.backends import make_transcriber

    store, settings = LocalStore(data), Settings(segment_s=segment_s)
    key = stage_upload(store, Path(video), "maria")
    t0 = time.perf_counter()
    with upload_run(store, key, settings=settings) as run:
        opened = open_upload(run, force=True)
        assert opened.info is not None
        found = prepare(run, opened.info, make_transcriber(settings), opened.pin)
        doc = make_plan(run, found, version=None, force=True)
    out = {
        "plan": doc.workspace.plan,
        "segments": len(doc.plan.segments),
        "inner": time.perf_counter() - t0,
        "timings": run.timings,
    }
    print(json.dumps(out))


def child_segment(data: str, plan_key: str, index: int, video: str) -> None:
    """One segment as a cold Lambda runs it: imports, models, the pass, the result written."""
    t0 = time.perf_counter()
    from voice.config import Settings
    from voice.segments.steps import load_plan, segment_step
    from voice.storage import LocalStore

    store = LocalStore(data)
    doc = load_plan(store, plan_key)
    imported = time.perf_counter() - t0
    segment_step(
        store, doc, index, source=Path(video), settings=Settings(segment_s=doc.plan.segments[0].end_s)
    )
    seg = doc.plan.segments[index]
    out = {"imports": imported, "inner": time.perf_counter() - t0, "length": seg.end_s - seg.start_s}
    print(json.dumps(out))


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
    """Streams, duration and decodable frames of an annotated video."""
    import av

    from voice.media.probe import probe

    with av.open(str(path)) as container:
        kinds = [(s.type, s.codec_context.name) for s in container.streams]
        frames = sum(1 for _ in container.decode(container.streams.video[0]))
    return {"streams": kinds, "duration": probe(path).duration_s, "frames": frames}


def compare(one: dict[str, Any], seg: dict[str, Any], source_s: float) -> dict[str, Any]:
    ea = [(e["emotion"], e["time"]) for e in one["meta"]["events"]]
    eb = [(e["emotion"], e["time"]) for e in seg["meta"]["events"]]
    same_events = len(ea) == len(eb) and all(
        a[0] == b[0] and abs(a[1] - b[1]) <= 0.05 for a, b in zip(ea, eb, strict=False)
    )
    probed, one_probed = probe_video(seg["video"]), probe_video(one["video"])
    video_ok = (
        probed["streams"] == [("video", "h264"), ("audio", "aac")]
        and abs(probed["duration"] - source_s) <= 0.1
        and probed["frames"] == one_probed["frames"]
    )
    people = [[(p["id"], p["frames"]) for p in r["meta"]["people"]] for r in (one, seg)]
    ids = [[p for p, _ in found] for found in people]
    return {
        "events": len(eb),
        "same_events": same_events,
        "same_samples": one["samples"] == seg["samples"],
        "sample_files": len(seg["samples"]),
        "same_keys": one["keys"] == seg["keys"],
        "same_people": ids[0] == ids[1],
        "people": people,
        "patient": [r["meta"]["patient_track"]["id"] for r in (one, seg)],
        "video_ok": video_ok,
        "probe": probed,
        "one_pass_probe": one_probed,
        "poses": [one["meta"]["poses"], seg["meta"]["poses"]],
        "timings": [one["meta"]["timings_s"], seg["meta"]["timings_s"]],
    }


def _stage_spans(marks: list[tuple[float, str]], end: float) -> dict[str, float]:
    """Seconds from each named stage to the next (segments and drawing summed over their marks)."""
    spans: dict[str, float] = {}
    for (t, name), (t_next, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
        key = name.split(" ")[0]
        spans[key] = spans.get(key, 0.0) + (t_next - t)
    return spans


def _counted(marks: list[tuple[float, str]], stage: str) -> int:
    """N of the last ``<stage> k/N`` mark (0 when there is none)."""
    found = [name.split(" ")[1] for _, name in marks if name.startswith(stage + " ")]
    return int(found[-1].split("/")[1]) if found else 0


def restart_cost(seconds: float, segment_s: float, marks: list[tuple[float, str]]) -> dict[str, Any]:
    """Pose samples estimated twice around the cuts (from the plan's link), and the redraws."""
    from voice.config import Settings
    from voice.media.probe import VideoInfo
    from voice.segments.plan import plan_segments

    info = VideoInfo(seconds, 25.0, 640, 480, round(seconds * 25), True, "h264")
    plan = plan_segments(info, Settings(segment_s=segment_s))
    samples = sum(len(range(*plan.pose_span(s), plan.stride)) for s in plan.segments[:-1])
    samples += len(range(plan.pose_span(plan.segments[-1])[0], round(seconds * 25), plan.stride))
    one = len(range(0, round(seconds * 25), plan.stride))
    return {
        "segments": _counted(marks, "segments"),
        "redrawn": _counted(marks, "drawing"),
        "link_s": plan.link / info.fps,
        "pose_samples": [one, samples],
        "extra_pose_share": samples / one - 1,
    }


def _cloud(video: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    plan = _child(["--plan-child", str(work), str(video), str(args.cloud_segment_s)])
    segments = [
        _child(["--segment-child", str(work), plan["plan"], str(index), str(video)])
        for index in range(1, min(plan["segments"], args.cloud_segments + 1))
    ]
    return {"plan": plan, "segments": segments}


def _print(report: dict[str, Any], args: argparse.Namespace) -> None:
    print("| run | wall s | RTF | CPU s | peak RSS MB | load |")
    print("|---|---|---|---|---|---|")
    for r in report["runs"]:
        rtf = r["wall"] / args.seconds
        load = f"{r['load'][0]:.1f} → {r['load'][1]:.1f}"
        cells = [
            r["mode"],
            f"{r['wall']:.1f}",
            f"{rtf:.3f}",
            f"{r['cpu']:.1f}",
            f"{r['peak_rss_mb']:.0f}",
            load,
        ]
        print("| " + " | ".join(cells) + " |")
    print("stages of the segmented run (s):", {k: round(v, 1) for k, v in report["stages"].items()})
    print("restart cost:", report["restart"])
    same = report["same"]
    print("same:", {k: v for k, v in same.items() if k not in ("poses", "timings")})
    print("timings (one pass, segmented):", same["timings"])
    _print_cloud(report["cloud"])


def _print_cloud(cloud: dict[str, Any]) -> None:
    plan = cloud["plan"]
    peak = plan["peak_rss_mb"]
    print(f"plan step: wall {plan['wall']:.1f} s, {plan['segments']} segments, peak {peak:.0f} MB")
    for s in cloud["segments"]:
        print(
            f"segment of {s['length']:.0f} s in a fresh process: wall {s['wall']:.1f} s "
            f"(imports {s['imports']:.1f}), {s['wall'] / s['length']:.3f} s per s of video, "
            f"CPU {s['cpu']:.1f} s, peak RSS {s['peak_rss_mb']:.0f} MB, load {s['load'][0]:.1f}"
        )


def cloud_only(args: argparse.Namespace) -> None:
    """Per-segment figures (4.) on another input, e.g. a phone format."""
    with tempfile.TemporaryDirectory(prefix="bench-long-") as tmp:
        cloud = _cloud(args.cloud_only, Path(tmp), args)
    if args.out is not None:
        args.out.write_text(
            json.dumps({"video": str(args.cloud_only), **cloud}, indent=2, default=str) + "\n"
        )
    _print_cloud(cloud)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--segment-s", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cloud-segment-s", type=float, default=120.0)
    parser.add_argument("--cloud-segments", type=int, default=2)
    parser.add_argument("--inputs-dir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--out", type=Path, default=None, help="write the whole report as JSON here")
    parser.add_argument(
        "--cloud-only",
        type=Path,
        default=None,
        metavar="VIDEO",
        help="only the per-segment figures, on VIDEO",
    )
    args = parser.parse_args()
    if args.cloud_only is not None:
        cloud_only(args)
        return

    from tests.support.media import long_narrated_video

    video = args.inputs_dir / f"narrated_{int(args.seconds)}s_640x480.mp4"
    if not video.is_file():
        long_narrated_video(video, args.seconds)
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-long-") as tmp:
        for mode, workers in (
            ("one pass", 1),
            (f"segments of {args.segment_s:.0f} s, {args.workers} workers", args.workers),
        ):
            data = Path(tmp) / f"run-{workers}"
            out = _child(["--child", str(data), str(video), str(workers), str(args.segment_s)])
            runs.append({**out, "mode": mode, "data": data})
        one, seg = runs
        same = compare(_outputs(one["data"]), _outputs(seg["data"]), args.seconds)
        cloud = _cloud(video, Path(tmp) / "cloud", args)
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "seconds": args.seconds,
        "runs": [{k: v for k, v in r.items() if k != "data"} for r in runs],
        "stages": _stage_spans(seg["marks"], seg["inner"]),
        "restart": restart_cost(args.seconds, args.segment_s, seg["marks"]),
        "same": same,
        "cloud": cloud,
    }
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    _print(report, args)
    segs = cloud["segments"]
    seg_wall = sum(s["wall"] for s in segs) / max(1, len(segs))
    seg_rss = max((s["peak_rss_mb"] for s in segs), default=0.0)
    print(
        f"LONG one_pass_s={one['wall']:.1f} segmented_s={seg['wall']:.1f} "
        f"speedup={one['wall'] / seg['wall']:.2f} one_pass_rss_mb={one['peak_rss_mb']:.0f} "
        f"segmented_rss_mb={seg['peak_rss_mb']:.0f} same_events={same['same_events']} "
        f"same_samples={same['same_samples']} video_ok={same['video_ok']} "
        f"segment_s={args.cloud_segment_s:.0f} segment_wall_s={seg_wall:.1f} segment_rss_mb={seg_rss:.0f}"
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
