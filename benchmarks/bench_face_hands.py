"""Benchmark: the cost of face and hands per sampled frame, against today's pose, side by side.

    .venv/bin/python benchmarks/bench_face_hands.py [--seconds 60] [--json]

One 640×480 25 fps video is built from the bundled samples (they show a face that changes and
hands that move); every 5th frame (5 fps, as the pipeline samples) goes through each candidate in
turn, so all of them share the same frames and the same machine noise:

- ``pose``: today's pose (MediaPipe Pose, full model, tracking) — the reference;
- ``pose+regions``: pose, then VOICE's face and hands on the pose's regions (voice.pose.face_hands,
  the default settings: 468-point face model, hand-landmark lite, palm search every 5 frames;
  the models run by LiteRT in this thread, voice.pose.landmark_models);
- ``pose+regions/face-only``, ``…/hands-only``: the same with one of the two turned off;
- ``pose+regions/full-hands``, ``…/search-1``: the same with the full hand model, and with the
  palm search on every frame where a hand is missing;
- ``holistic``: MediaPipe Holistic (pose + face + both hands in one tracking graph, refined face);
- ``pose+mesh+hands``: pose, FaceMesh and Hands run separately on the whole frame (tracking).

The candidates take turns over chunks of 25 frames (each keeps its models warm; all see the same
stretches of machine noise).

Reported per candidate: milliseconds per sampled frame (wall time, median and mean; and CPU time
of the process, which a busy shared machine disturbs less), the ratios to ``pose``,
the share of frames with a face, hands found per frame, and how far its face points lie from
Holistic's (median, in outer-eye-corner distances) where both found a face.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.media import long_narrated_video
from voice.media.frames import iter_frames
from voice.pose.body25 import from_mediapipe
from voice.pose.face_hands import FaceHandsEstimator
from voice.pose.face_layout import face70_from_mesh
from voice.pose.legacy import PoseEstimator

CHUNK = 25  # sampled frames a candidate runs before the next one takes its turn
Result = tuple[np.ndarray | None, int]  # face (70, 3) or None, hands found
Step = Callable[[np.ndarray, int], Result]


def _mesh(landmarks: Any, width: int, height: int) -> np.ndarray | None:
    if landmarks is None:
        return None
    return face70_from_mesh(np.array([(p.x * width, p.y * height) for p in landmarks.landmark]))


def _regions(**options: Any) -> Step:
    pose, extra = PoseEstimator(), FaceHandsEstimator(**options)

    def step(bgr: np.ndarray, i: int) -> Result:
        kp = pose.estimate(bgr, frame=i, time_s=i / 5).keypoints
        found = extra.estimate(bgr, kp)
        hands = sum(int(h is not None and h[:, 2].any()) for h in (found.hand_left, found.hand_right))
        face = found.face if found.face is not None and found.face[:, 2].any() else None
        return face, hands

    return step


def _pose_only() -> Step:
    pose = PoseEstimator()

    def step(bgr: np.ndarray, i: int) -> Result:
        pose.estimate(bgr, frame=i, time_s=i / 5)
        return None, 0

    return step


def _holistic() -> Step:
    import cv2
    import mediapipe as mp

    model = mp.solutions.holistic.Holistic(
        static_image_mode=False, model_complexity=1, refine_face_landmarks=True
    )

    def step(bgr: np.ndarray, i: int) -> Result:
        h, w = bgr.shape[:2]
        r = model.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        hands = int(r.left_hand_landmarks is not None) + int(r.right_hand_landmarks is not None)
        return _mesh(r.face_landmarks, w, h), hands

    return step


def _separate() -> Step:
    import cv2
    import mediapipe as mp

    pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, refine_landmarks=True)
    hands = mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=0)

    def step(bgr: np.ndarray, i: int) -> Result:
        h, w = bgr.shape[:2]
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        p = pose.process(rgb)
        if p.pose_landmarks is not None:  # as in VOICE: the BODY_25 conversion is part of pose
            from_mediapipe(np.array([(q.x, q.y, q.visibility) for q in p.pose_landmarks.landmark]), w, h)
        f, hd = mesh.process(rgb), hands.process(rgb)
        face = _mesh(f.multi_face_landmarks[0], w, h) if f.multi_face_landmarks else None
        return face, len(hd.multi_hand_landmarks or [])

    return step


CANDIDATES: dict[str, Callable[[], Step]] = {
    "pose": _pose_only,
    "pose+regions": lambda: _regions(),
    "pose+regions/face-only": lambda: _regions(hands=False),
    "pose+regions/hands-only": lambda: _regions(face=False),
    "pose+regions/full-hands": lambda: _regions(hand_model="full"),
    "pose+regions/search-1": lambda: _regions(search_every=1),
    "holistic": _holistic,
    "pose+mesh+hands": _separate,
}


def _face_error(face: np.ndarray | None, reference: np.ndarray | None) -> float:
    if face is None or reference is None:
        return float("nan")
    unit = float(np.hypot(*(reference[45, :2] - reference[36, :2])))
    return float(np.median(np.hypot(*(face[:68, :2] - reference[:68, :2]).T)) / unit)


def run(seconds: float) -> dict[str, Any]:
    from voice.pose.mediapipe_logs import native_stderr_muted

    with tempfile.TemporaryDirectory() as tmp:
        video = long_narrated_video(Path(tmp) / "bench.mp4", seconds)
        with native_stderr_muted():
            steps = {name: make() for name, make in CANDIDATES.items()}
        frames = [(fr.index, fr.bgr) for fr in iter_frames(video) if fr.index % 5 == 0]
    times: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    faces: dict[str, list[np.ndarray | None]] = {name: [] for name in steps}
    hands: dict[str, list[int]] = {name: [] for name in steps}
    # Candidates take turns over chunks of the same frames: each keeps its own models warm in the
    # caches, and all of them see the same stretches of machine noise.
    for start in range(0, len(frames), CHUNK):
        for name, step in steps.items():
            for index, bgr in frames[start : start + CHUNK]:
                t0, c0 = time.perf_counter(), time.process_time()
                face, n_hands = step(bgr, index)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                faces[name].append(face)
                hands[name].append(n_hands)
    warm = 3  # the first calls start the graphs
    base = float(np.mean(times["pose"][warm:]))
    base_median = float(np.median(times["pose"][warm:])) * 1000
    base_cpu = float(np.mean(cpu["pose"][warm:]))
    out: dict[str, Any] = {}
    for name in steps:
        ms = np.array(times[name][warm:]) * 1000
        errors = [_face_error(f, r) for f, r in zip(faces[name], faces["holistic"], strict=True)]
        out[name] = {
            "ms_median": round(float(np.median(ms)), 2),
            "ms_mean": round(float(np.mean(ms)), 2),
            "ratio_to_pose": round(float(np.mean(ms)) / (base * 1000), 2),
            "ratio_of_medians": round(float(np.median(ms)) / base_median, 2),
            "cpu_ms_mean": round(float(np.mean(cpu[name][warm:])) * 1000, 2),
            "cpu_ratio_to_pose": round(float(np.mean(cpu[name][warm:])) / base_cpu, 2),
            "face_share": round(float(np.mean([f is not None for f in faces[name]])), 3),
            "hands_per_frame": round(float(np.mean(hands[name])), 3),
            "face_vs_holistic": round(float(np.nanmedian(errors)), 4) if name != "pose" else None,
        }
    return {"frames": len(times["pose"]), "candidates": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    result = run(args.seconds)
    result["machine"] = f"{platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}"
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['frames']} sampled frames at 640×480; {result['machine']}")
    for name, r in result["candidates"].items():
        print(
            f"{name:>24}: {r['ms_mean']:6.2f} ms/frame (median {r['ms_median']:.2f}) "
            f"×{r['ratio_to_pose']:.2f} "
            f"(medians ×{r['ratio_of_medians']:.2f}; CPU {r['cpu_ms_mean']:.1f} ms "
            f"×{r['cpu_ratio_to_pose']:.2f})  "
            f"face {r['face_share']:.0%}  hands/frame "
            f"{r['hands_per_frame']:.2f}  face vs holistic {r['face_vs_holistic']}"
        )


if __name__ == "__main__":
    main()
