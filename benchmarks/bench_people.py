"""Benchmark: multi-person pose against the single-person tracker, and what more people cost.

    .venv/bin/python benchmarks/bench_people.py [--quick] [--json]

Three parts (the machine is shared and noisy: only ratios measured side by side count):

1. **Single person** — every bundled sample with Maria alone (``--quick``: three), pose on every
   5th frame, as the pipeline samples them, both estimators on the same decoded frames,
   alternating frame by frame: detection rate of each, and how far the multi-person patient's
   BODY_25 keypoints are from the single-person tracker's (joints confident in both, in
   shoulder widths of the single-person pose).
2. **Cost against the legacy tracker** — 640×360 videos with 1, 2 and 4 people in a row
   (``tests/support/scenes.py``): milliseconds per sampled frame of each estimator, one step at
   a time (the multi-person one includes duplicate merging, torso colours, tracking and the
   patient chooser, face and hands), people found per frame, and the ratio.
3. **More people** (issue 24's target: two people at most 1.5× the time of one, four at most
   2.2×) — the same three videos through the pose stage as the pass runs it
   (:func:`voice.people.estimator.track_people`: body on one core, face and hands beside it,
   several people's landmarks on both), frames decoded first, the videos taking turns over
   three rounds: wall and CPU milliseconds per sampled frame (median of the rounds), and each
   against one person.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

# Composited scenes are test material (tests/support/scenes.py), not product code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import scenes
from voice.config import Settings
from voice.media.frames import Frame, iter_frames, sample_stride
from voice.people.estimator import PeoplePass
from voice.people.patient import PatientChooser
from voice.pose.legacy import PoseEstimator
from voice.run.demo import load_manifest, samples_dir

QUICK_SAMPLES = ("garden.mp4", "park.mp4", "IMG_0412.MOV")


def _sampled(path: Path, stride: int) -> Iterator[Frame]:
    return (fr for fr in iter_frames(path) if fr.index % stride == 0)


#: Nose, neck, shoulders, eyes, ears: in view in every sample (the photo ends at the waist, so
#: hips and legs are the models' guesses below the frame's content).
HEAD_AND_SHOULDERS = [0, 1, 2, 5, 15, 16, 17, 18]


def _distance(a: np.ndarray, b: np.ndarray, joints: list[int] | None = None) -> float | None:
    """Mean distance of the joints confident in both, in shoulder widths of ``a``."""
    both = (a[:, 2] >= 0.5) & (b[:, 2] >= 0.5)
    if joints is not None:
        both &= np.isin(np.arange(len(a)), joints)
    shoulders = float(np.linalg.norm(a[2, :2] - a[5, :2]))
    if not both.any() or shoulders < 1:
        return None
    return float(np.mean(np.linalg.norm(a[both, :2] - b[both, :2], axis=1)) / shoulders)


def compare(path: Path, settings: Settings) -> dict[str, Any]:
    """Both estimators over one video's sampled frames, alternating frame by frame.

    Frames are decoded first, so the process's CPU time while an estimator runs is its own
    (MediaPipe's worker threads included); wall time is reported too. The multi-person side is
    the pipeline's whole per-frame step (pose, doubles, colours, track ids, smoothing, patient).
    """
    stride = sample_stride(25.0, settings.pose_fps)
    sampled = list(_sampled(path, stride))
    legacy_s = multi_s = legacy_cpu = multi_cpu = 0.0
    frames = legacy_found = patient_found = 0
    people: list[int] = []
    distances: list[float] = []
    upper: list[float] = []
    h, w = sampled[0].bgr.shape[:2]
    with (
        PoseEstimator(max_side=settings.pose_max_side) as legacy,
        PeoplePass(settings, PatientChooser((w, h))) as multi,
    ):
        for fr in sampled:
            t0, c0 = time.perf_counter(), time.process_time()
            single = legacy.estimate(fr.bgr, frame=fr.index, time_s=fr.time_s).keypoints
            t1, c1 = time.perf_counter(), time.process_time()
            pose = multi.step(fr.bgr, frame=fr.index, time_s=fr.time_s)
            t2, c2 = time.perf_counter(), time.process_time()
            legacy_s, multi_s = legacy_s + t1 - t0, multi_s + t2 - t1
            legacy_cpu, multi_cpu = legacy_cpu + c1 - c0, multi_cpu + c2 - c1
            frames += 1
            legacy_found += single is not None
            patient_found += pose.keypoints is not None
            people.append(len(pose.people))
            d = None if single is None or pose.keypoints is None else _distance(single, pose.keypoints)
            if d is not None:
                distances.append(d)
            u = (
                None
                if single is None or pose.keypoints is None
                else _distance(single, pose.keypoints, HEAD_AND_SHOULDERS)
            )
            if u is not None:
                upper.append(u)
    return {
        "frames": frames,
        "legacy_detection": legacy_found / max(1, frames),
        "multi_detection": patient_found / max(1, frames),
        "people_per_frame": float(np.mean(people)) if people else 0.0,
        "distance_median": float(np.median(distances)) if distances else None,
        "distance_p95": float(np.percentile(distances, 95)) if distances else None,
        "upper_median": float(np.median(upper)) if upper else None,
        "legacy_ms": 1000 * legacy_s / max(1, frames),
        "multi_ms": 1000 * multi_s / max(1, frames),
        "legacy_cpu_ms": 1000 * legacy_cpu / max(1, frames),
        "multi_cpu_ms": 1000 * multi_cpu / max(1, frames),
    }


def single_person(settings: Settings, names: list[str]) -> dict[str, Any]:
    per_video = {name: compare(samples_dir() / name, settings) for name in names}
    frames = sum(r["frames"] for r in per_video.values())

    def pooled(key: str) -> float:
        return sum(r[key] * r["frames"] for r in per_video.values()) / frames

    return {
        "videos": len(per_video),
        "frames": frames,
        "legacy_detection": round(pooled("legacy_detection"), 4),
        "multi_detection": round(pooled("multi_detection"), 4),
        "people_per_frame": round(pooled("people_per_frame"), 3),
        "distance_median_max": round(max(r["distance_median"] or 0.0 for r in per_video.values()), 3),
        "upper_median_max": round(max(r["upper_median"] or 0.0 for r in per_video.values()), 3),
        "legacy_ms": round(pooled("legacy_ms"), 1),
        "multi_ms": round(pooled("multi_ms"), 1),
        "legacy_cpu_ms": round(pooled("legacy_cpu_ms"), 1),
        "multi_cpu_ms": round(pooled("multi_cpu_ms"), 1),
        "per_video": per_video,
    }


def cost(settings: Settings, counts: tuple[int, ...]) -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory(prefix="voice-bench-people-") as tmp:
        for n in counts:
            path = scenes.render(scenes.row(n), Path(tmp) / f"row{n}.mp4")
            r = compare(path, settings)
            out.append(
                {
                    "people": n,
                    "found_per_frame": round(r["people_per_frame"], 2),
                    "legacy_ms": round(r["legacy_ms"], 1),
                    "multi_ms": round(r["multi_ms"], 1),
                    "ratio": round(r["multi_ms"] / r["legacy_ms"], 2),
                    "legacy_cpu_ms": round(r["legacy_cpu_ms"], 1),
                    "multi_cpu_ms": round(r["multi_cpu_ms"], 1),
                    "cpu_ratio": round(r["multi_cpu_ms"] / r["legacy_cpu_ms"], 2),
                }
            )
    return out


def _stage_run(frames: list[Frame], settings: Settings, size: tuple[int, int]) -> tuple[float, float, float]:
    """(wall s, CPU s, people per frame) of the pass's pose stage over ``frames``."""
    from voice.people.estimator import track_people
    from voice.pose.track import PoseTrack

    track = PoseTrack([])
    stride = sample_stride(25.0, settings.pose_fps)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in track_people(iter(frames), track, PatientChooser(size), stride=stride, settings=settings):
        pass
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, float(np.mean([len(f.people) for f in track.frames]))


def more_people(settings: Settings, counts: tuple[int, ...], rounds: int = 3) -> list[dict[str, Any]]:
    """The pose stage over 1, 2 and 4 people, taking turns (module notes, part 3)."""
    stride = sample_stride(25.0, settings.pose_fps)
    with tempfile.TemporaryDirectory(prefix="voice-bench-people-") as tmp:
        videos = {
            n: list(_sampled(scenes.render(scenes.row(n), Path(tmp) / f"row{n}.mp4"), stride)) for n in counts
        }
    runs: dict[int, list[tuple[float, float, float]]] = {n: [] for n in counts}
    for _ in range(rounds):
        for n, frames in videos.items():
            h, w = frames[0].bgr.shape[:2]
            runs[n].append(_stage_run(frames, settings, (w, h)))
    out = []
    for n, results in runs.items():
        frames_n = len(videos[n])
        wall = float(np.median([r[0] for r in results])) * 1000 / frames_n
        cpu = float(np.median([r[1] for r in results])) * 1000 / frames_n
        out.append({"people": n, "found_per_frame": round(results[-1][2], 2), "wall_ms": wall, "cpu_ms": cpu})
    one = out[0]
    for row in out:
        row["wall_ratio"] = round(row["wall_ms"] / one["wall_ms"], 2)
        row["cpu_ratio"] = round(row["cpu_ms"] / one["cpu_ms"], 2)
        row["wall_ms"], row["cpu_ms"] = round(row["wall_ms"], 1), round(row["cpu_ms"], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three samples and the 1-person cost only")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    settings = Settings()
    alone = [s["file"] for s in load_manifest()["sessions"] if "companion_s" not in s]
    names = list(QUICK_SAMPLES) if args.quick else alone
    result = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "single_person": single_person(settings, names),
        "cost": cost(settings, (1,) if args.quick else (1, 2, 4)),
        "more_people": more_people(settings, (1, 2) if args.quick else (1, 2, 4)),
    }
    if args.json:
        print(json.dumps(result))
        return
    s = result["single_person"]
    print(f"single person, {s['videos']} samples, {s['frames']} sampled frames:")
    print(f"  detection: today {s['legacy_detection']:.1%}, multi-person {s['multi_detection']:.1%}")
    print(
        f"  keypoints apart, median per video, worst video: head and shoulders {s['upper_median_max']:.3f}, "
        f"all confident joints {s['distance_median_max']:.3f} shoulder widths"
    )
    print(f"  people per frame (multi-person): {s['people_per_frame']:.2f}")
    print(f"  ms per frame, wall / CPU: today {s['legacy_ms']} / {s['legacy_cpu_ms']}, ", end="")
    print(f"multi-person {s['multi_ms']} / {s['multi_cpu_ms']}")
    print("| people in frame | found per frame | today ms/frame, wall / CPU | multi-person | ratio |")
    print("|---|---|---|---|---|")
    for c in result["cost"]:
        print(
            f"| {c['people']} | {c['found_per_frame']} | {c['legacy_ms']} / {c['legacy_cpu_ms']} "
            f"| {c['multi_ms']} / {c['multi_cpu_ms']} | {c['ratio']}× / {c['cpu_ratio']}× |"
        )
    print("\nthe pass's pose stage (two cores) per sampled frame:")
    print("| people in frame | found per frame | ms/frame, wall / CPU | against one person, wall / CPU |")
    print("|---|---|---|---|")
    for m in result["more_people"]:
        print(
            f"| {m['people']} | {m['found_per_frame']} | {m['wall_ms']} / {m['cpu_ms']} "
            f"| {m['wall_ratio']}× / {m['cpu_ratio']}× |"
        )


if __name__ == "__main__":
    main()
