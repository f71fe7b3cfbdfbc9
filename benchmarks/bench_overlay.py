"""What drawing an overlay costs: OpenCV Hershey text (before issue 26) vs DejaVu Sans through Pillow.

    .venv/bin/python benchmarks/bench_overlay.py [--before REV] [--seconds 60] [--rounds 3] [--json]

Both drawers run side by side in one process, alternating round by round, on the same frames:
``--seconds`` of review copy at 30 fps in the two shapes a phone gives (720×1280 portrait,
1280×720 landscape), two people's skeletons on every frame, and the overlays a narrated minute
shows (a caption that changes every sentence or two, an event label half the time, the model's
label). "before" is ``voice/drawing/overlay.py`` as it was at ``--before`` (read with ``git
show``: the Hershey fonts and their ASCII fold) fed the whole Whisper segment as its caption, as
the old timeline did; "after" is this tree's drawer fed this tree's cues
(:func:`voice.drawing.timeline.overlay_at`). Reported per frame: the median over rounds of the
mean drawing time (text boxes rendered on first use, then pasted), with the text alone (no pose:
the labels, the caption, "patient not found") and with two skeletons and their ids; and, apart,
what rendering one new caption box costs (every cache cleared), paid once per cue.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# The synthetic skeletons are test material (tests/support/), not product code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.synthetic import standing
from voice.config import Settings
from voice.drawing import overlay as after
from voice.drawing.text import text_patch
from voice.drawing.timeline import Timeline, overlay_at
from voice.narration.emotions import extract_events
from voice.narration.windows import event_windows
from voice.pose.body25 import Person, PoseFrame
from voice.transcription.transcript import Segment, Transcript, Word

ROOT = Path(__file__).resolve().parents[1]
#: The overlay drawer before issue 26 (Hershey text, ASCII fold).
BEFORE = "d9e775c"
FPS = 30
#: A minute of narration as Whisper segments it: long segments, several sentences each.
NARRATION = (
    "Okay, we're at the therapy room. She's so happy right now. Look how happy she is.",
    "José is here with his sister Zoë and his friend Łukasz, and they are playing with the big red ball.",
    "Now she looks a bit tired. Maria is sad. She wants to go home, I think.",
    "The music starts again and she is surprised. She claps her hands and laughs at the dog.",
)


def load_before(rev: str) -> types.ModuleType:
    """``voice/drawing/overlay.py`` as it was at ``rev``, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{rev}:voice/drawing/overlay.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("overlay_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:voice/drawing/overlay.py", "exec"), module.__dict__)
    return module


def narration(seconds: float) -> Transcript:
    """Words every 0.35 s with a 1.5 s pause after each segment, segments repeated to ``seconds``."""
    segments, t, k = [], 0.5, 0
    while t < seconds:
        text = NARRATION[k % len(NARRATION)]
        words = []
        for w in text.split():
            words.append(Word(w, t, t + 0.3))
            t += 0.35
        segments.append(Segment(words[0].start, words[-1].end, text, tuple(words)))
        t += 1.5
        k += 1
    return Transcript(segments=tuple(segments))


def _pose(width: int, height: int) -> PoseFrame:
    people = (Person(0, standing(width * 0.3, height * 0.25)), Person(1, standing(width * 0.7, height * 0.3)))
    return PoseFrame(0, 0.0, width, height, None, people).with_patient(0)


def overlays(seconds: float) -> tuple[list[Any], list[Any]]:
    """Per frame: the old timeline's overlay (whole segments as captions) and the new one's."""
    transcript = narration(seconds)
    windows = event_windows(extract_events(transcript, patient_names=("Maria",)), seconds, Settings())
    timeline = Timeline.of(transcript, windows)
    old, new = [], []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        shown = overlay_at(t, timeline)
        segment = next((s.text for s in transcript.segments if s.start <= t <= s.end), "")
        old.append(after.Overlay(segment, shown.label, shown.label_emotion, "model: happiness 70%"))
        new.append(after.Overlay(shown.caption, shown.label, shown.label_emotion, "model: happiness 70%"))
    return old, new


def draw_ms(
    draw: Callable[..., np.ndarray], size: tuple[int, int], items: list[Any], *, people: bool
) -> float:
    """Mean milliseconds a frame to draw ``items`` on a ``size`` frame (the copy of the frame
    excluded); with two people's skeletons and ids, or none (the text alone, and "patient not
    found")."""
    width, height = size
    base = np.full((height, width, 3), 90, np.uint8)
    frame = base.copy()
    pose = _pose(width, height) if people else PoseFrame(0, 0.0, width, height, None)
    spent = 0.0
    for overlay in items:
        np.copyto(frame, base)
        t0 = time.perf_counter()
        draw(frame, pose, overlay)
        spent += time.perf_counter() - t0
    return 1000 * spent / len(items)


def cold_render_ms(before: types.ModuleType, size: tuple[int, int], captions: list[str]) -> dict[str, float]:
    """Milliseconds to render one new caption box, every cache cleared first."""
    width, height = size
    unit = max(width, height) / 640.0
    out = {}
    for name, render in (
        ("before", lambda c: before._caption_patch(c, width, unit)),
        (
            "after",
            lambda c: text_patch(c, (255, 255, 255), max(10, round(min(size) / 20)), width - 40, height - 40),
        ),
    ):
        before._caption_patch.cache_clear()
        text_patch.cache_clear()
        t0 = time.perf_counter()
        for caption in captions:
            render(caption)
        out[name] = 1000 * (time.perf_counter() - t0) / len(captions)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    before = load_before(args.before)
    old, new = overlays(args.seconds)
    results: dict[str, Any] = {}
    for size in ((720, 1280), (1280, 720)):
        for people in (False, True):
            times: dict[str, list[float]] = {"before": [], "after": []}
            for _ in range(args.rounds):
                for name, draw, items, clear in (
                    ("before", before.draw_overlay, old, (before._label_patch, before._caption_patch)),
                    ("after", after.draw_overlay, new, (text_patch,)),
                ):
                    for cache in clear:
                        cache.cache_clear()
                    times[name].append(draw_ms(draw, size, items, people=people))
            b, a = statistics.median(times["before"]), statistics.median(times["after"])
            key = f"{size[0]}x{size[1]}{' + 2 skeletons' if people else ', text only'}"
            results[key] = {"frames": len(new), "before_ms": round(b, 3), "after_ms": round(a, 3)}
            results[key]["ratio"] = round(a / b, 2)
        captions = sorted({o.caption for o in new if o.caption})
        results[f"{size[0]}x{size[1]} new caption box"] = {
            k: round(v, 2) for k, v in cold_render_ms(before, size, captions).items()
        }
    t0 = time.perf_counter()
    timeline = Timeline.of(narration(args.seconds))
    for i in range(int(args.seconds * FPS)):
        overlay_at(i / FPS, timeline)
    results["overlay_at_us"] = round(1e6 * (time.perf_counter() - t0) / (args.seconds * FPS), 1)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| frame | frames | before ms/frame | after ms/frame | after/before |")
    print("|---|---|---|---|---|")
    for key, r in results.items():
        if isinstance(r, dict) and "frames" in r:
            print(f"| {key} | {r['frames']} | {r['before_ms']} | {r['after_ms']} | {r['ratio']}× |")
    for key, r in results.items():
        if isinstance(r, dict) and "frames" not in r:
            print(f"{key}, rendered once per cue: before {r['before']} ms, after {r['after']} ms")
    print(f"overlay_at (this tree's timeline): {results['overlay_at_us']} µs a frame")


if __name__ == "__main__":
    main()
