"""Where the CPU goes in ``process_video``, component by component, per input.

    .venv/bin/python benchmarks/profile.py VIDEO [VIDEO ...]    # a Markdown table on stdout

Each component of the job runs alone over the whole input, in one process, and is measured in
CPU seconds (all threads, plus child processes for the encoder), which a busy machine inflates
far less than wall time: decoding the frames the pass needs (with the non-reference skipping the
settings allow), scaling + converting + rotating them, pose on the pose frames (everyone,
tracked), drawing the overlays, x264 + AAC in ffmpeg, Whisper, and process start-up with the
model loads. On two
cores the pass overlaps them; the sum divided by two is a floor for the wall time.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMPONENTS = ("decode", "convert", "pose", "draw", "encode", "whisper", "startup")


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _measure(fn: Callable[[], Any]) -> float:
    t0 = _cpu()
    fn()
    return _cpu() - t0


def _decode_only(video: Path, plan: Any) -> None:
    """Decode as the pass does (skipping what it may skip), converting nothing."""
    from voice.media.frames import iter_decoded
    from voice.media.probe import open_container

    container = open_container(video)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    for _ in iter_decoded(container, stream, plan):
        pass
    container.close()


def _frames(video: Path, plan: Any) -> Iterator[Any]:
    from voice.media.frames import iter_frames

    return iter_frames(video, plan)


def profile(video: Path, transcriber: Any) -> dict[str, float]:
    from tests.support.synthetic import moving_skeleton
    from voice.config import Settings
    from voice.drawing.overlay import Overlay, draw_overlay
    from voice.media.frames import frame_plans
    from voice.media.h264 import Encoding, H264Writer
    from voice.media.probe import probe
    from voice.people.estimator import PeoplePass
    from voice.people.patient import PatientChooser
    from voice.pose.body25 import PoseFrame

    settings = Settings()
    info = probe(video)
    _, plan = frame_plans(info, settings)
    out: dict[str, float] = {"duration_s": info.duration_s}
    out["decode"] = _measure(lambda: _decode_only(video, plan))
    out["convert"] = _measure(lambda: sum(1 for _ in _frames(video, plan))) - out["decode"]

    def pose() -> None:
        chooser = PatientChooser((info.width, info.height))
        with PeoplePass(settings, chooser) as people:
            for fr in _frames(video, plan):
                if fr.index % plan.pose_every == 0:
                    people.step(fr.bgr, frame=fr.index, time_s=fr.time_s, size=fr.source_size)

    out["pose"] = _measure(pose) - out["decode"] - out["convert"]
    shown = [fr for _, fr in zip(range(300), (f for f in _frames(video, plan) if f.shown), strict=False)]
    skeleton = PoseFrame(0, 0.0, info.width, info.height, moving_skeleton(0.5, speed_px_s=0))
    overlay = Overlay("A caption of two lines of narration, as Whisper gives it.", "Maria: happiness (happy)")
    n_shown = info.duration_s * info.fps / plan.show_every
    draw_s = _measure(lambda: [draw_overlay(f.bgr.copy(), skeleton, overlay) for f in shown])
    copy_s = _measure(lambda: [f.bgr.copy() for f in shown])
    out["draw"] = (draw_s - copy_s) * n_shown / len(shown)

    def encode() -> None:
        size = plan.size or (info.width, info.height)
        with H264Writer(
            Path("/tmp/voice-profile.mp4"),
            size=size,
            fps=info.fps / plan.show_every,
            audio_source=video if info.has_audio else None,
            duration_s=info.duration_s,
            encoding=Encoding(settings.x264_preset, settings.x264_crf),
        ) as writer:
            for fr in _frames(video, plan):
                if fr.shown:
                    writer.write(fr.bgr)

    out["encode"] = _measure(encode) - out["decode"] - out["convert"]
    out["whisper"] = _measure(lambda: _transcribe(video, transcriber, settings))
    return out


def _transcribe(video: Path, transcriber: Any, settings: Any) -> None:
    from voice.media.audio import iter_audio_chunks
    from voice.transcription.transcript import transcribe_chunks

    transcribe_chunks(transcriber, iter_audio_chunks(video, chunk_s=settings.transcribe_chunk_s))


def main(argv: list[str]) -> int:
    t0 = time.perf_counter()
    loaded: list[Any] = []
    startup = _measure(lambda: loaded.append(_warm_start()))
    print(f"# start-up (imports, Whisper and pose model loads): {startup:.1f} CPU-s", file=sys.stderr)
    head = ["input", *[f"{c} CPU-s" for c in COMPONENTS], "sum", "floor RTF (2 cores)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for arg in argv:
        video = Path(arg)
        row = profile(video, loaded[0])
        row["startup"] = startup
        per_min = 60.0 / row["duration_s"]
        cells = [f"{row[c] * per_min:.1f}" for c in COMPONENTS]
        total = sum(row[c] for c in COMPONENTS) * per_min
        print(
            f"| {video.name} | " + " | ".join(cells) + f" | {total:.1f} | {total / 2 / 60:.3f} |", flush=True
        )
    print(f"# {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


def _warm_start() -> Any:
    """What a fresh process pays before the first frame: imports and model loads."""
    import numpy as np

    from voice.config import Settings
    from voice.people.estimator import PeoplePass
    from voice.people.patient import PatientChooser
    from voice.transcription.backends import make_transcriber

    transcriber = make_transcriber(Settings())
    transcriber.transcribe(np.zeros(16000, dtype=np.float32))
    with PeoplePass(Settings(), PatientChooser((64, 64))) as people:
        people.step(np.zeros((64, 64, 3), np.uint8), frame=0, time_s=0.0)
    return transcriber


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
