"""Benchmark: the review copy's encoder, before and after issue 24, on the same frames.

    .venv/bin/python benchmarks/bench_encoder.py VIDEO [VIDEO ...]   # a Markdown table on stdout

For each input the frames the pass shows (its drawing plan: ≤ 30 fps, ≤ 720p, rotated) are
decoded once per encoding and piped into ffmpeg as the pass pipes them, with the source's audio
as the pass treats it: **before** — x264 ``superfast`` CRF 26 with the preset's threads, the audio
re-encoded to AAC (main before issue 24); **after** — the settings' encoding (``ultrafast`` with
the deblocking filter on, one thread) and AAC audio copied as it is. The encoder's CPU is the
ffmpeg child's (user + system), which the decoding in this process does not touch; the two
encodings alternate over ``--rounds`` rounds and the median counts. The quality bar is SSIM of the
after copy against the before copy (ffmpeg's ``ssim`` filter, all planes; issue 24: ≥ 0.98), and
the sizes of both. Frames carry no overlay here (the overlay covers a small part of a frame;
``benchmarks/profile.py``'s encode component measures the same way).
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def _encode(video: Path, out: Path, encoding: Any, *, copy_audio: bool) -> float:
    """Encoder CPU seconds of one copy of ``video`` into ``out``."""
    from voice.config import Settings
    from voice.media.frames import frame_plans, iter_frames
    from voice.media.h264 import H264Writer
    from voice.media.probe import probe

    info = probe(video)
    _, plan = frame_plans(info, Settings())
    before = _children_cpu()
    with H264Writer(
        out,
        size=plan.size or (info.width, info.height),
        fps=info.fps / plan.show_every,
        audio_source=video if info.has_audio else None,
        duration_s=info.duration_s,
        encoding=encoding,
        copy_audio=copy_audio and info.audio_codec == "aac",
    ) as writer:
        for fr in iter_frames(video, plan):
            if fr.shown:
                writer.write(fr.bgr)
    return _children_cpu() - before


def ssim(a: Path, b: Path) -> float:
    """ffmpeg's SSIM (all planes) of ``a`` against ``b``."""
    from voice.media.probe import ffmpeg_exe

    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(a), "-i", str(b), "-lavfi", "ssim", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.findall(r"All:([0-9.]+)", run.stderr)
    return float(found[-1])


def compare(video: Path, rounds: int, work: Path) -> dict[str, Any]:
    from voice.config import Settings
    from voice.media.h264 import Encoding, encoding_of

    before, after = Encoding("superfast", 26, ""), encoding_of(Settings())
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    paths = {"before": work / "before.mp4", "after": work / "after.mp4"}
    load = os.getloadavg()[0]
    for _ in range(rounds):
        cpu["before"].append(_encode(video, paths["before"], before, copy_audio=False))
        cpu["after"].append(_encode(video, paths["after"], after, copy_audio=True))
    return {
        "input": video.name,
        "before_cpu": statistics.median(cpu["before"]),
        "after_cpu": statistics.median(cpu["after"]),
        "ssim": ssim(paths["after"], paths["before"]),
        "before_mb": paths["before"].stat().st_size / 1e6,
        "after_mb": paths["after"].stat().st_size / 1e6,
        "load": f"{load:.1f}→{os.getloadavg()[0]:.1f}",
        "after_encoding": f"{after.preset} crf {after.crf} {after.params}",
    }


def main(argv: list[str]) -> int:
    rounds = 2
    if argv[:1] == ["--rounds"]:
        rounds, argv = int(argv[1]), argv[2:]
    print("| input | before CPU-s | after CPU-s | after / before | SSIM after vs before | sizes MB | load |")
    print("|---|---|---|---|---|---|---|")
    for arg in argv:
        with tempfile.TemporaryDirectory() as tmp:
            r = compare(Path(arg), rounds, Path(tmp))
        print(
            f"| {r['input']} | {r['before_cpu']:.1f} | {r['after_cpu']:.1f} | "
            f"{r['after_cpu'] / r['before_cpu']:.2f} | {r['ssim']:.4f} | "
            f"{r['before_mb']:.1f} → {r['after_mb']:.1f} | {r['load']} |",
            flush=True,
        )
    print(f"# after: {r['after_encoding']}; before: superfast crf 26 (preset threads), AAC re-encoded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
