"""Remake the README's picture from real output: a frame of an annotated video and the report.

    .venv/bin/python scripts/docs_images.py                     # runs `voice demo` into a temp dir
    .venv/bin/python scripts/docs_images.py --data-dir DIR      # reuses a finished demo in DIR

It runs the demo (the bundled samples through process → train → predict → report), takes one
frame of the annotated ``kitchen`` session (Maria and her mother in view: the patient's skeleton
in the emotion's colour, the other person in grey, the label and the caption) just after
its narrated event, and screenshots the top of Maria's ``report.html`` (coverage, and the training
metrics against the baseline) and of Maria's ``passport.html`` (its first two emotions) in headless
Chromium. Writes ``docs/images/annotated-frame.jpg``, ``docs/images/report.png`` and
``docs/images/passport.jpg``; each must stay under 200 KB (the README loads them).

Needs the ``dev`` extra (Playwright) and Debian's ``chromium`` (``scripts/test.sh`` installs both);
Playwright drives that browser, so no browser is downloaded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
PATIENT = "maria"
#: The sample that shows two people: the patient in colour, the other one grey with an id.
SESSION_STEM = "kitchen"
#: After the emotion word, so the event's label is on screen.
AFTER_EVENT_S = 0.4
#: The report is read at this width; the picture ends below the metrics table's baseline row
#: (header, cross-validation, samples / videos, balanced accuracy, majority baseline).
REPORT_VIEWPORT = {"width": 600, "height": 900}
REPORT_LAST_ROW = 4
MAX_BYTES = 200_000
CHROMIUM = "/usr/bin/chromium"


def run_demo(data_dir: Path) -> None:
    subprocess.run([sys.executable, "-m", "voice.cli", "demo", "--data-dir", str(data_dir)], check=True)


def annotated_dir(data_dir: Path) -> Path:
    return data_dir / "videos" / "annotated" / PATIENT


def frame_time(metadata: dict[str, Any]) -> float:
    """Just after the first event that counts (its label shows), within the video."""
    events = [e for e in metadata["events"] if not e["negated"] and e["ignored"] is None]
    duration = float(metadata["video"]["duration_s"])
    start = float(events[0]["time"]) if events else duration / 2
    return min(start + AFTER_EVENT_S, duration - 0.1)


def write_frame(data_dir: Path, out: Path) -> Path:
    import imageio_ffmpeg

    folder = annotated_dir(data_dir)
    (metadata_path,) = folder.glob(f"{SESSION_STEM}-*_metadata.json")
    video = metadata_path.with_name(metadata_path.name.removesuffix("_metadata.json") + ".mp4")
    t = frame_time(json.loads(metadata_path.read_text()))
    target = out / "annotated-frame.jpg"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-ss", f"{t:.2f}", "-i", str(video),
         "-frames:v", "1", "-q:v", "3", str(target)],
        check=True,
    )  # fmt: skip
    return target


def write_report(data_dir: Path, out: Path) -> Path:
    from playwright.sync_api import sync_playwright

    report = annotated_dir(data_dir) / "report.html"
    target = out / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=REPORT_VIEWPORT)
        page.goto(report.as_uri())
        bottom = page.evaluate(
            "n => document.querySelectorAll('#metrics tr')[n].getBoundingClientRect().bottom", REPORT_LAST_ROW
        )
        clip = {"x": 0, "y": 0, "width": REPORT_VIEWPORT["width"], "height": bottom + 1}
        page.screenshot(path=str(target), clip=clip)
        browser.close()
    return target


#: The passport is read at this width; the picture ends below its second emotion.
PASSPORT_VIEWPORT = {"width": 680, "height": 2400}
PASSPORT_SECTIONS = 2


def write_passport(data_dir: Path, out: Path) -> Path:
    from playwright.sync_api import sync_playwright

    passport = annotated_dir(data_dir) / "passport.html"
    target = out / "passport.jpg"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=PASSPORT_VIEWPORT)
        page.goto(passport.as_uri())
        bottom = page.evaluate(
            "n => document.querySelectorAll('section.emotion')[n - 1].getBoundingClientRect().bottom",
            PASSPORT_SECTIONS,
        )
        clip = {"x": 0, "y": 0, "width": PASSPORT_VIEWPORT["width"], "height": bottom + 8}
        page.screenshot(path=str(target), clip=clip, type="jpeg", quality=70)
        browser.close()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data dir where `voice demo` already ran")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="voice-docs-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp)
            run_demo(data_dir)
        written = [
            write_frame(data_dir, args.out),
            write_report(data_dir, args.out),
            write_passport(data_dir, args.out),
        ]
    for path in written:
        size = path.stat().st_size
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {size // 1000} KB")
        if size > MAX_BYTES:
            print(f"  over {MAX_BYTES // 1000} KB: make it smaller", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
