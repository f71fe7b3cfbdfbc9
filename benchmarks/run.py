"""Side-by-side speed and memory: the seed-style stack vs VOICE, on the same generated inputs.

    .venv/bin/python benchmarks/run.py            # 640×480 1 and 10 min, three phone formats 1 min (~1 h)
    .venv/bin/python benchmarks/run.py --quick    # 640×480 1 min + the iPhone format 1 min (~8 min)

The last line is ``RTF=<640×480, voice> phone_rtf=<worst phone format, voice>
ratio_vs_seed=<seed / voice wall time on the iPhone format> peak_rss_mb=<max over voice runs>``.

Stacks, each run in its own fresh process (cold start included: model load is part of the job):
  (a) seed   — openai-whisper base fp32 with segment timestamps, moviepy audio extraction to WAV,
               static-image pose on 12 evenly spaced frames + one per event, moviepy
               ``write_videofile`` at its default preset for the annotated video.
  (b) voice  — VOICE defaults: faster-whisper tiny.en int8 (word timestamps, VAD), tracking pose at
               5 fps over the whole video, one decode pass, annotated copy ≤ 30 fps and ≤ 720p.
  (c) voice-base — VOICE with the base model (faster-whisper, int8); 640×480 inputs only.
Peak RSS is the largest sum of RSS over the process and all its children (ffmpeg included),
sampled every 50 ms. For each voice run a second table gives the CPU seconds of each of its
threads (``benchmarks/thread_cpu.py``: the decode, pose and draw threads, the main thread with
transcription and the patient's face and hands, native worker threads, ffmpeg) and their share
of the run's wall time: how busy the two cores were, stage by stage. Every row notes the load
average (1 min) before and after it: the machine is shared.

Inputs are built once into ``--inputs-dir`` (not committed) from the bundled samples: 640×480
25 fps narrated videos, and the phone formats of ``tests.support.media.PHONE_FORMATS`` (iPhone
1920×1080 60 fps HEVC with display rotation −90, Android 1920×1080 30 fps H.264 8 Mb/s,
3840×2160 30 fps HEVC 20 Mb/s, all with grain so the encoders spend phone-like bitrates).
``--quick``: the 640×480 minute and one minute of the iPhone format (seed and voice; CI's harness
test passes ``--phone-seconds 10`` to stay short).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAMBDA_GB = 3538 / 1024  # configured memory of the video Lambda (infra), for the cost column
PRICE_GB_S = 0.0000166667
STACKS = ("seed", "voice", "voice-base")


# --- inputs --------------------------------------------------------------------------------


def make_input(seconds: int, out: Path) -> Path:
    """A narrated 640×480 video of ``seconds``: the bundled sessions back to back (cached)."""
    from tests.support.media import long_narrated_video

    return out if out.exists() else long_narrated_video(out, seconds, 640, 480)


#: Phone formats: their label in the table, and the name in ``tests.support.media.PHONE_FORMATS``.
PHONES = {
    "iphone-1080p60-hevc-portrait": "iPhone 1080p60 HEVC portrait",
    "android-1080p30-h264": "Android 1080p30 H.264",
    "4k30-hevc": "4K30 HEVC",
}
#: The phone format of the ratio to the seed stack (the issue's ≥ 5× target).
RATIO_PHONE = "iphone-1080p60-hevc-portrait"


def make_phone_input(name: str, seconds: int, directory: Path) -> Path:
    """A ``seconds``-long narrated video in phone format ``name`` (cached; minutes to build)."""
    from tests.support.media import PHONE_FORMATS, phone_video

    fmt = PHONE_FORMATS[name]
    out = directory / f"phone_{name}_{seconds}s{fmt.suffix}"
    return out if out.exists() else phone_video(out, fmt, seconds)


def _length(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds} s"


# --- workers (run in a child process) ------------------------------------------------------


def worker_voice(video: Path, workdir: Path, model: str) -> dict[str, Any]:
    # As the `voice` command begins: the Whisper model loads beside the imports.
    from voice.launch import begin_whisper

    begin_whisper(whisper_model=model)
    from benchmarks.thread_cpu import ThreadCpu
    from voice.config import Settings
    from voice.run.pipeline import process_video
    from voice.storage import LocalStore

    settings = Settings(data_dir=workdir, whisper_model=model)
    store = LocalStore(workdir)
    key = f"bench/{video.name}"
    store.upload("videos", key, video)
    t0 = time.perf_counter()
    with ThreadCpu() as cpu:
        meta = process_video(store, key, settings=settings)
    stages = dict(meta.timings_s)
    stages["total"] = time.perf_counter() - t0
    return {
        "stages": stages,
        "events": len(meta.events),
        "poses": meta.poses.frames,
        "threads": cpu.by_name(),
    }


def _seed_poses(clip: Any, times: list[float]) -> list[Any]:
    """The seed's pose step: static-image MediaPipe on a few frames fetched by moviepy."""
    import mediapipe as mp
    import numpy as np

    from voice.pose.body25 import PoseFrame, from_mediapipe

    poses = []
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        for t in times:
            rgb = clip.get_frame(min(t, clip.duration - 0.05))
            res = pose.process(rgb)
            kp = None
            if res.pose_landmarks is not None:
                lm = np.array([(p.x, p.y, p.visibility) for p in res.pose_landmarks.landmark])
                kp = from_mediapipe(lm, rgb.shape[1], rgb.shape[0])
            poses.append(PoseFrame(0, t, rgb.shape[1], rgb.shape[0], kp))
    return poses


def worker_seed(video: Path, workdir: Path) -> dict[str, Any]:
    """The original stack, rebuilt faithfully from its description (see module docstring)."""
    import wave

    import cv2
    import numpy as np
    from moviepy import VideoFileClip

    from voice.drawing.overlay import Overlay, draw_overlay
    from voice.narration.emotions import extract_events
    from voice.transcription.openai_backend import OpenAIDecoding, OpenAIWhisperTranscriber

    stages: dict[str, float] = {}
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    transcriber = OpenAIWhisperTranscriber("base", decoding=OpenAIDecoding(word_timestamps=False))
    transcriber.load()
    stages["load_model"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    clip = VideoFileClip(str(video))
    wav = workdir / "audio.wav"
    clip.audio.write_audiofile(str(wav), fps=16000, nbytes=2, logger=None)
    with wave.open(str(wav)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())
    audio = (pcm.mean(axis=1) / 32768.0).astype(np.float32)
    stages["decode"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    transcript = transcriber.transcribe(audio)
    events = extract_events(transcript)
    stages["transcribe"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    times = [clip.duration * (i + 0.5) / 12 for i in range(12)] + [e.time for e in events]
    poses = _seed_poses(clip, sorted(times))
    stages["pose"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    segments = transcript.segments

    def draw(get_frame: Any, t: float) -> Any:
        frame = cv2.cvtColor(get_frame(t), cv2.COLOR_RGB2BGR)
        caption = next((s.text for s in segments if s.start <= t <= s.end), "")
        near = min(poses, key=lambda p: abs(p.time_s - t)) if poses else None
        out = draw_overlay(frame, near, Overlay(caption=caption))
        return cv2.cvtColor(out, cv2.COLOR_BGR2RGB)

    annotated = clip.transform(draw)
    annotated.write_videofile(str(workdir / "annotated.mp4"), codec="libx264", audio_codec="aac", logger=None)
    clip.close()
    stages["annotate"] = time.perf_counter() - t0
    stages["total"] = time.perf_counter() - t_all
    return {"stages": stages, "events": len(events), "poses": len(poses)}


# --- parent: run each stack in a child, sample its memory -----------------------------------


@dataclass
class Measured:
    """A child process's exit code, wall time, the peak of RSS summed over it and every process
    below it (pool workers, ffmpeg), sampled every 50 ms, its stdout and stderr, and the CPU
    seconds it and the processes it waited for used (its threads, ffmpeg)."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    cpu_s: float = 0.0


_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and every process below it, read straight from ``/proc`` (a tenth
    of what ``psutil``'s walk over every process costs: the sampler shares the two cores with
    what it measures)."""
    from benchmarks.thread_cpu import read_proc

    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        statm = read_proc(f"/proc/{p}/statm").split()
        total += int(statm[1]) * _PAGE if len(statm) > 1 else 0
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:  # a child is listed under the thread that started it
            todo.extend(int(c) for c in read_proc(f"/proc/{p}/task/{tid}/children").split())
    return total


def measure(cmd: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` to its end, sampling the memory of its process tree (see :class:`Measured`)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # reaped here: its rusage with it
            if pid:
                break
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        texts = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return Measured(proc.returncode, wall, peak / 2**20, *texts, cpu_s=usage.ru_utime + usage.ru_stime)


def byte_compile() -> None:
    """Compile the project's modules once, before any fresh process is timed, as installing it
    does (pip compiles a package's modules at install). With PYTHONDONTWRITEBYTECODE=1 (set on
    the machines docs/performance.md's figures come from) every run otherwise compiles them from
    source: 0.2 s of a fresh process's serial start that no installed copy pays."""
    import compileall

    compileall.compile_dir(ROOT / "voice", quiet=1)


def run_child(stack: str, video: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{stack}-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--worker", stack, str(video), tmp, str(out)]
        run = measure(cmd, {**os.environ, "PYTHONWARNINGS": "ignore"})
        if run.returncode != 0:
            raise RuntimeError(f"{stack} failed on {video.name}:\n{run.stderr[-2000:]}")
        result = json.loads(out.read_text())
    result["wall_s"] = run.wall_s
    result["peak_rss_mb"] = run.peak_rss_mb
    result["cpu_s"] = run.cpu_s
    return result


def table(rows: list[dict[str, Any]]) -> str:
    stages = ["load_model", "decode", "transcribe", "pose", "annotate", "total"]
    head = [
        "input",
        "stack",
        *[f"{s} s" for s in stages],
        "RTF",
        "peak RSS MB",
        "(a)/(b)",
        "$/video-min",
        "load",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = {(r["input"], r["stack"]): r for r in rows}
    for r in rows:
        seed = base.get((r["input"], "seed"))
        ratio = f"{seed['wall_s'] / r['wall_s']:.2f}×" if seed and r["stack"] == "voice" else ""
        cost = r["rtf"] * 60 * LAMBDA_GB * PRICE_GB_S
        cells = [r["input"], r["stack"]]
        cells += [f"{r['stages'].get(s, 0.0):.1f}" if s in r["stages"] else "–" for s in stages]
        load = r.get("load", (0.0, 0.0))
        cells += [
            f"{r['rtf']:.3f}",
            f"{r['peak_rss_mb']:.0f}",
            ratio,
            f"{cost:.5f}",
            f"{load[0]:.1f}→{load[1]:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def thread_table(rows: list[dict[str, Any]]) -> str:
    """CPU seconds per thread of each voice run, and their share of its wall time."""
    lines = [
        "| input | stack | wall s | process CPU s | CPU / wall | threads: CPU s (share of wall) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        threads = r.get("threads")
        if not threads:
            continue
        cpu = sum(threads.values())
        cells = ", ".join(f"{name} {sec:.1f} ({sec / r['wall_s']:.0%})" for name, sec in threads.items())
        head = f"| {r['input']} | {r['stack']} | {r['wall_s']:.1f} | {cpu:.1f} | {cpu / r['wall_s']:.2f}"
        lines.append(f"{head} | {cells} |")
    return "\n".join(lines)


def _runs(args: argparse.Namespace) -> list[tuple[str, Path, list[str]]]:
    """(input label, video, stacks) in the order they run; inputs are built on first use."""
    inputs = Path(args.inputs_dir)
    stacks = [s for s in args.stacks.split(",") if s]
    runs = []
    for seconds in [60] if args.quick else [60, 600]:
        video = make_input(seconds, inputs / f"narrated_{seconds}s_640x480.mp4")
        runs.append((_length(seconds), video, stacks))
    phones = args.phones.split(",") if args.phones else ([RATIO_PHONE] if args.quick else list(PHONES))
    seconds = args.phone_seconds or 60
    for name in phones:
        video = make_phone_input(name, seconds, inputs)
        runs.append((f"{PHONES[name]}, {_length(seconds)}", video, [s for s in stacks if s != "voice-base"]))
    return runs


def summary(rows: list[dict[str, Any]]) -> str:
    """The last line: 640×480 RTF, the worst phone RTF, seed/voice on the iPhone format, peak RSS."""
    by = {(r["input"], r["stack"]): r for r in rows}
    voice = [r for r in rows if r["stack"] == "voice"]
    plain = by.get(("1 min", "voice"))
    phone = [r for r in voice if r["input"] not in ("1 min", "10 min")]
    ratio_input = next((r["input"] for r in phone if r["input"].startswith(PHONES[RATIO_PHONE])), None)
    seed, ours = by.get((ratio_input, "seed")), by.get((ratio_input, "voice"))
    rtf = f"{plain['rtf']:.3f}" if plain else "n/a"
    phone_rtf = f"{max(r['rtf'] for r in phone):.3f}" if phone else "n/a"
    ratio = f"{seed['wall_s'] / ours['wall_s']:.2f}" if seed and ours else "n/a"
    peak = max((r["peak_rss_mb"] for r in voice), default=0.0)
    return f"RTF={rtf} phone_rtf={phone_rtf} ratio_vs_seed={ratio} peak_rss_mb={peak:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="640×480 1 min and the iPhone format 1 min")
    parser.add_argument("--stacks", default=",".join(STACKS))
    parser.add_argument("--phones", default="", help=f"phone formats, comma-separated: {','.join(PHONES)}")
    parser.add_argument("--phone-seconds", type=int, default=0, help="length of the phone inputs")
    parser.add_argument("--inputs-dir", default=str(ROOT / "benchmarks" / "out"))
    parser.add_argument(
        "--worker", nargs=4, metavar=("STACK", "VIDEO", "WORKDIR", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.worker:
        stack, video, workdir, out = args.worker
        if stack == "seed":
            result = worker_seed(Path(video), Path(workdir))
        else:
            result = worker_voice(Path(video), Path(workdir), "tiny.en" if stack == "voice" else "base")
        Path(out).write_text(json.dumps(result))
        if stack != "seed":
            from voice.fast_exit import exit_now

            exit_now(0)  # as the `voice` command ends (the seed's script ends as Python does)
        return 0

    from voice.media.probe import probe

    byte_compile()
    rows = []
    for label, video, stacks in _runs(args):
        duration = probe(video).duration_s
        for stack in stacks:
            load_before = os.getloadavg()[0]
            r = run_child(stack, video)
            r.update(input=label, stack=stack, load=(load_before, os.getloadavg()[0]))
            r["rtf"] = r["wall_s"] / duration
            r["stages"]["total"] = r["wall_s"]
            rows.append(r)
            print(f"# {r['input']:>6} {stack:<10} wall {r['wall_s']:7.1f}s  RTF {r['rtf']:.3f}  "
                  f"peak {r['peak_rss_mb']:.0f} MB  load {r['load'][0]:.1f}→{r['load'][1]:.1f}",
                  file=sys.stderr, flush=True)  # fmt: skip
    print(table(rows))
    print()
    print(thread_table(rows))
    print()
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
