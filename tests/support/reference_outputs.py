"""What the bundled samples' outputs mean, in a small file, and how far two of them lie apart.

The speed work of issue 24 must leave the outputs unchanged in meaning: the same events, the same
people and patient, and keypoints close to today's. :func:`summarise` reads what ``voice process``
wrote for the bundled samples (metadata, training-sample pose files, key-frame pose files) into a
compact summary: events, people, patient, pose counts, and every pose file's keypoints (all
people; body, face and hands) in quarter pixels.

Today's pipeline is not stable to the last pixel: pose tracking feeds each frame's landmarks into
the next frame's region, so a change far below what anyone can see (one grey level on 1 % of
the pixels) moves some keypoints a lot (the legs the samples' photos do not show, which the model
guesses; hands found or lost) while others do not move at all (the face). So the reference also
holds the **noise floor**: the same pipeline run again ``NOISE_RUNS`` times on the samples with
such noise added to every decoded frame. A keypoint is *stable* when every noisy run put it
within ``STABLE_SW`` shoulder widths of the clean run; the floor records, per part, how far the
noisy runs' keypoints lay from the clean ones (median and 95th percentile), how often a point
was found in one run and not the other, and how many sampled frames a person or a hand gained or
lost.

    PYTHONPATH=. .venv/bin/python -m tests.support.reference_outputs   # re-record (from main!)

The reference (``tests/e2e/reference/samples_outputs.json.gz``) was recorded from ``main`` before
the speed work changed anything; ``tests/e2e/test_outputs_unchanged.py`` compares with it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "e2e" / "reference" / "samples_outputs.json.gz"
QUANTUM = 4  # keypoints are stored in quarter pixels
NOISE_RUNS = 4
NOISE_SHARE, NOISE_LEVELS = 0.01, 1  # ±1 grey level on 1 % of the pixels of every frame
STABLE_SW = 0.02
_PARTS = ("pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d")
#: Point ranges of the parts in a person's points: BODY_25, face 70, hands 21 + 21.
PARTS = {"body": (0, 25), "face": (25, 95), "hands": (95, 137)}
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
    """The summary of one processed data dir (``voice process --json`` results), by file name."""
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


# --- comparing two summaries ---------------------------------------------------------------------


@dataclass
class PartErrors:
    """One part's keypoint distances in shoulder widths (points found in both), and how many
    points were found in one summary and not the other."""

    distances: list[float] = field(default_factory=list)
    compared: int = 0
    only_one: int = 0

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.distances, q)) if self.distances else 0.0

    @property
    def only_one_share(self) -> float:
        return self.only_one / self.compared if self.compared else 0.0


@dataclass
class Errors:
    """How far ``now``'s keypoints lie from the reference's: per part, all points, stable points."""

    parts: dict[str, PartErrors] = field(default_factory=lambda: {p: PartErrors() for p in PARTS})
    all: PartErrors = field(default_factory=PartErrors)
    stable: PartErrors = field(default_factory=PartErrors)
    frames: int = 0
    missing_frames: list[str] = field(default_factory=list)


def _xy(points: list[int]) -> np.ndarray:
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) / QUANTUM


def _people(videos: dict[str, Any]) -> Iterator[tuple[str, str, int, list[int], str | None]]:
    """(video, frame, person id, points, stable mask) of every person in every summarised frame."""
    for video, summary in videos.items():
        for frame, people in summary["frames"].items():
            for person in people:
                yield video, frame, person[0], person[2], person[3] if len(person) > 3 else None


def _add(errors: PartErrors, want: np.ndarray, have: np.ndarray, width: float) -> None:
    found_ref, found_now = want[:, 0] >= 0, have[:, 0] >= 0
    errors.compared += int(np.sum(found_ref | found_now))
    errors.only_one += int(np.sum(found_ref ^ found_now))
    both = found_ref & found_now
    errors.distances += list(np.hypot(*(want[both] - have[both]).T) / width)


def stable_mask(hex_mask: str | None, n: int) -> np.ndarray:
    """The stable points of a person entry (all points when the reference has no mask)."""
    if hex_mask is None:
        return np.ones(n, dtype=bool)
    bits = int(hex_mask, 16)
    return np.array([(bits >> i) & 1 == 1 for i in range(n)])


def keypoint_errors(reference: dict[str, Any], now: dict[str, Any]) -> Errors:
    """Point-by-point distances of ``now``'s keypoints from ``reference``'s (both by video), per
    frame and person id, in the reference person's shoulder widths on that frame."""
    errors = Errors()
    frames_now = {v: s["frames"] for v, s in now.items()}
    seen: set[tuple[str, str]] = set()
    for video, frame, pid, points, mask in _people(reference):
        if frame not in frames_now.get(video, {}):
            errors.missing_frames.append(f"{video}#{frame}")
            continue
        if (video, frame) not in seen:
            seen.add((video, frame))
            errors.frames += 1
        want = _xy(points)
        got = {p[0]: p[2] for p in frames_now[video][frame]}
        have = _xy(got[pid]) if pid in got else np.full_like(want, -1.0)
        a, b = want[_R_SHOULDER], want[_L_SHOULDER]
        if min(a[0], b[0]) < 0 or not (width := float(np.hypot(*(a - b)))) > 0:
            continue
        for part, (lo, hi) in PARTS.items():
            _add(errors.parts[part], want[lo:hi], have[lo:hi], width)
        _add(errors.all, want, have, width)
        keep = stable_mask(mask, len(want)) & (want[:, 0] >= 0)
        _add(errors.stable, want[keep], have[keep], width)
    return errors


def count_changes(reference: dict[str, Any], now: dict[str, Any]) -> dict[str, int]:
    """The largest change, over the videos, of the frames a person (seen in ≥ 3) was found in, of
    the sampled frames with a face, and of those with hands."""
    people = faces = hands = 0
    for video, ref in reference.items():
        got = now[video]
        frames_now = dict((pid, n) for pid, n in got["people"])
        for pid, n in ref["people"]:
            if n >= 3:
                people = max(people, abs(n - frames_now.get(pid, 0)))
        faces = max(faces, abs(ref["poses"]["faces"] - got["poses"]["faces"]))
        hands = max(hands, abs(ref["poses"]["hands"] - got["poses"]["hands"]))
    return {"people_frames": people, "faces": faces, "hands": hands}


# --- recording (from main) -------------------------------------------------------------------------


@contextlib.contextmanager
def noisy_frames(seed: int) -> Iterator[None]:
    """Every frame the video pass decodes gets ±``NOISE_LEVELS`` on ``NOISE_SHARE`` of its pixels."""
    import voice.media.frames as frames
    import voice.session.video_pass as video_pass

    clean = frames.iter_frames
    rng = np.random.default_rng(seed)

    def noisy(path: Path, plan: Any = None, **kwargs: Any) -> Iterator[Any]:
        for fr in clean(path, plan, **kwargs):
            shape = (*fr.bgr.shape[:2], 1)
            changed = rng.random(shape) < NOISE_SHARE
            step = changed * rng.integers(-NOISE_LEVELS, NOISE_LEVELS + 1, size=shape)
            bgr = np.clip(fr.bgr.astype(np.int16) + step, 0, 255).astype(np.uint8)
            yield frames.Frame(fr.index, fr.time_s, bgr, fr.size, fr.shown)

    frames.iter_frames, video_pass.iter_frames = noisy, noisy  # type: ignore[assignment]
    try:
        yield
    finally:
        frames.iter_frames, video_pass.iter_frames = clean, clean  # type: ignore[assignment]


def _run(noise_seed: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="voice-reference-") as tmp:
        with noisy_frames(noise_seed) if noise_seed is not None else contextlib.nullcontext():
            patient, results = process_samples(Path(tmp))
        return summarise(Path(tmp), patient, results)


def _floor(clean: dict[str, Any], noisy: list[dict[str, Any]]) -> dict[str, Any]:
    """The worst, over the noisy runs, of each figure the test compares."""
    floor: dict[str, Any] = {}
    for run in noisy:
        errors = keypoint_errors(clean, run)
        figures = {f"{p}_median": e.quantile(0.5) for p, e in errors.parts.items()}
        figures |= {f"{p}_p95": e.quantile(0.95) for p, e in errors.parts.items()}
        figures |= {"only_one_share": errors.all.only_one_share, **count_changes(clean, run)}
        for key, value in figures.items():
            floor[key] = max(floor.get(key, 0.0), round(float(value), 5))
    return floor


def _mark_stable(clean: dict[str, Any], noisy: list[dict[str, Any]]) -> None:
    """Append to each person entry the hex mask of its points every noisy run put within
    ``STABLE_SW`` shoulder widths (found in all runs)."""
    for video, summary in clean.items():
        for frame, people in summary["frames"].items():
            for person in people:
                want = _xy(person[2])
                a, b = want[_R_SHOULDER], want[_L_SHOULDER]
                width = float(np.hypot(*(a - b))) if min(a[0], b[0]) >= 0 else 0.0
                ok = (want[:, 0] >= 0) & (width > 0)
                for run in noisy:
                    got = {p[0]: p[2] for p in run[video]["frames"].get(frame, [])}
                    have = _xy(got[person[0]]) if person[0] in got else np.full_like(want, -1.0)
                    near = np.hypot(*(want - have).T) <= STABLE_SW * max(width, 1e-9)
                    ok &= (have[:, 0] >= 0) & near
                person.append(format(sum(1 << int(i) for i in np.flatnonzero(ok)), "x"))


def main() -> int:
    clean = _run(None)
    noisy = [_run(seed) for seed in range(NOISE_RUNS)]
    floor = _floor(clean, noisy)
    _mark_stable(clean, noisy)
    doc = {
        "format": 2,
        "noise": {"runs": NOISE_RUNS, "share": NOISE_SHARE, "levels": NOISE_LEVELS, "stable_sw": STABLE_SW},
        "floor": floor,
        "videos": clean,
    }
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(REFERENCE, "wb", mtime=0) as fh:
        fh.write(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode())
    print(f"{REFERENCE.relative_to(ROOT)}: {REFERENCE.stat().st_size} bytes, {len(clean)} videos")
    print(json.dumps(floor, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
