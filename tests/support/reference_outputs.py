"""What the bundled samples' outputs mean, in a small file, and how far two of them lie apart.

The speed work of issue 24 must leave the outputs unchanged in meaning: the same events, the same
people and patient, and keypoints close to today's. :func:`summarise` reads what ``voice process``
wrote for the bundled samples (metadata, training-sample pose files, key-frame pose files) into a
compact reference: events, people, patient, pose counts, and every pose file's keypoints (all
people; body, face and hands) in quarter pixels. :func:`keypoint_errors` measures, point by point,
how far one summary's keypoints lie from another's in shoulder widths of that person on that
frame (both found; a point found in one and not the other is counted apart).

    PYTHONPATH=. .venv/bin/python -m tests.support.reference_outputs   # re-record (from main!)

The reference (``tests/e2e/reference/samples_outputs.json.gz``) was recorded once from ``main``
before the speed work changed anything; ``tests/e2e/test_outputs_unchanged.py`` compares with it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "e2e" / "reference" / "samples_outputs.json.gz"
QUANTUM = 4  # keypoints are stored in quarter pixels
_PARTS = ("pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d")
_R_SHOULDER, _L_SHOULDER = 2, 5  # BODY_25


def _points(entry: dict[str, Any]) -> list[int]:
    """Every part's (x, y) in quarter pixels, -1 where not found (confidence 0), parts in order."""
    out: list[int] = []
    for key in _PARTS:
        flat = np.asarray(entry.get(key) or [], dtype=np.float64).reshape(-1, 3)
        for x, y, c in flat:
            out += [round(x * QUANTUM), round(y * QUANTUM)] if c > 0 else [-1, -1]
    return out


def _pose_files(data: Path, patient: str, session: str) -> list[Path]:
    samples = sorted((data / "patients" / patient).glob(f"*/{session}_e*/pose_*.json"))
    keys = sorted((data / "videos" / "annotated" / patient / "poses" / session).glob("pose_*.json"))
    return samples + keys


def _frames(files: list[Path]) -> dict[str, list[list[Any]]]:
    """frame index → [person id, is patient, points] per person (samples hold the patient only;
    key frames everyone: a frame in both keeps everyone)."""
    frames: dict[str, list[list[Any]]] = {}
    for f in files:
        doc = json.loads(f.read_text())
        people = [[p["person_id"][0], bool(p.get("patient")), _points(p)] for p in doc["people"]]
        key = str(doc["voice"]["frame"])
        if len(people) >= len(frames.get(key, [])):
            frames[key] = people
    return frames


def summarise(data: Path, patient: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The reference of one processed data dir (``voice process --json`` results), by file name."""
    out: dict[str, Any] = {}
    for r in results:
        session = r["session"]
        meta = json.loads((data / "videos" / "annotated" / patient / f"{session}_metadata.json").read_text())
        out[Path(r["video"]).name] = {
            "events": [[e["emotion"], e["negated"], e["time"], e["who"]] for e in meta["events"]],
            "people": [[p["id"], p["frames"]] for p in meta["people"]],
            "patient": [meta["patient_track"]["id"], meta["patient_track"]["rule"]],
            "poses": meta["poses"],
            "frames": _frames(_pose_files(data, patient, session)),
        }
    return out


def process_samples(data: Path) -> tuple[str, list[dict[str, Any]]]:
    """Every bundled sample through ``voice process --json`` into ``data``: (patient, results)."""
    from voice.cli import main
    from voice.run.demo import load_manifest, samples_dir

    manifest = load_manifest()
    files = [str(samples_dir() / s["file"]) for s in manifest["sessions"]]
    patient = str(manifest["sessions"][0]["patient"])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["process", *files, "--patient", patient, "--data-dir", str(data), "--json"])
    if code != 0:
        raise RuntimeError(f"voice process exited {code}")
    return patient, list(json.loads(buf.getvalue()))


def load_reference(path: Path = REFERENCE) -> dict[str, Any]:
    with gzip.open(path, "rt") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


@dataclass
class Errors:
    """Keypoint distances in shoulder widths (points found in both), and presence disagreements."""

    distances: list[float] = field(default_factory=list)
    compared: int = 0  # points found in either
    only_one: int = 0  # found in one summary and not the other
    frames: int = 0
    missing_frames: list[str] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.distances, q)) if self.distances else float("nan")


def _xy(points: list[int]) -> np.ndarray:
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) / QUANTUM


def _shoulder_width(xy: np.ndarray) -> float:
    a, b = xy[_R_SHOULDER], xy[_L_SHOULDER]
    return float(np.hypot(*(a - b))) if a[0] >= 0 and b[0] >= 0 else float("nan")


def keypoint_errors(reference: dict[str, Any], now: dict[str, Any]) -> Errors:
    """Point-by-point distances of ``now``'s keypoints from ``reference``'s, per video, frame and
    person id, in the reference person's shoulder widths on that frame."""
    errors = Errors()
    for video, ref in reference.items():
        frames = now.get(video, {}).get("frames", {})
        for frame, people in ref["frames"].items():
            if frame not in frames:
                errors.missing_frames.append(f"{video}#{frame}")
                continue
            errors.frames += 1
            got = {pid: pts for pid, _, pts in frames[frame]}
            for pid, _, pts in people:
                want = _xy(pts)
                have = _xy(got[pid]) if pid in got else np.full_like(want, -1.0)
                width = _shoulder_width(want)
                found_ref, found_now = want[:, 0] >= 0, have[:, 0] >= 0
                errors.compared += int(np.sum(found_ref | found_now))
                errors.only_one += int(np.sum(found_ref ^ found_now))
                both = found_ref & found_now
                if np.isfinite(width) and width > 0:
                    errors.distances += list(np.hypot(*(want[both] - have[both]).T) / width)
    return errors


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="voice-reference-") as tmp:
        patient, results = process_samples(Path(tmp))
        summary = summarise(Path(tmp), patient, results)
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(REFERENCE, "wb", mtime=0) as fh:
        fh.write(json.dumps(summary, separators=(",", ":"), sort_keys=True).encode())
    print(f"{REFERENCE.relative_to(ROOT)}: {REFERENCE.stat().st_size} bytes, {len(summary)} videos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
