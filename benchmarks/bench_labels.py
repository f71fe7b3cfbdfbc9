"""Benchmark: the whole pose track's size and the labels' derivation time on a 10-minute session (issue 20).

    .venv/bin/python benchmarks/bench_labels.py [--seconds 600] [--inputs-dir DIR] [--data-dir DIR]
        [--repeats 5] [--out JSON]

1. **The session.** A ``--seconds``-long narrated 640×480 video (the bundled samples back to back,
   ``tests.support.media.long_narrated_video``, built once into ``--inputs-dir``) processed as
   ``voice process`` does it (one pass) into ``--data-dir`` (kept: a second run with the same
   ``--data-dir`` measures again without processing).
2. **The track file** (budget: ≤ 5 MB per 10 minutes per person in view). Its size, the sampled
   frames, the people in view per frame (mean), MB per 10 minutes per person in view; side by side
   on the same track, the other ways it could be stored: a BODY_25 JSON file per frame (as the
   samples are), numpy's ``savez_compressed`` of float32 and of the same integers without the byte
   shuffle; the time to write (encode) and read (decode) it.
3. **The derivation** (target: ≤ 2 s locally for a 10-minute session). On the processed session,
   each change written as ``voice labels`` writes it and then the samples derived from the labels
   (:func:`voice.labels.derive.derive`), ``--repeats`` times each (undone in between), median and
   worst: nothing changed (a confirm), one event rejected, one emotion set, a label added
   where no label is, a label of 8 s over narrated events (two windows; the narrated labels under
   it held back by the conflict); for scale, every sample written again (a new track); and the
   whole command (``voice labels reject …``) in a fresh process, imports included, beside
   ``voice labels list`` in a fresh process (start-up and imports without a change).

The last line: ``LABELS track_mb=… frames=… people_per_frame=… mb_per_10min_per_person=…
derive_median_s=… derive_worst_s=… cli_s=… cli_list_s=… rewrite_all_s=…``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import shutil
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import measure  # noqa: E402 - after the path is set

#: The samples' narrator names Maria: as this patient, her statements are labels.
PATIENT = "maria"


def process_once(video: Path, data: Path) -> str:
    """The session id of ``video`` processed (one pass) into ``data``; reused when already there."""
    from voice.config import Settings
    from voice.run.batch import stage_upload
    from voice.run.pipeline import Hooks, process_video
    from voice.storage import LocalStore

    store = LocalStore(data)
    key = stage_upload(store, video, PATIENT)
    t0 = time.perf_counter()
    meta = process_video(store, key, settings=Settings(), hooks=Hooks(workers=1))
    print(f"processed in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return str(meta.session)


def _alternatives(track: Any) -> dict[str, int]:
    """The same track stored other ways, in bytes."""
    import numpy as np

    from voice.pose.body25 import pose_to_json

    people = [p for f in track.frames for p in f.people]
    floats = {
        "body": np.array([p.keypoints for p in people], dtype=np.float32),
        "face": np.array([p.face for p in people if p.face is not None], dtype=np.float32),
        "hand_left": np.array([p.hand_left for p in people if p.hand_left is not None], dtype=np.float32),
        "hand_right": np.array([p.hand_right for p in people if p.hand_right is not None], dtype=np.float32),
    }
    ints = {k: np.rint(v.astype(np.float64) * 1000).astype(np.int32) for k, v in floats.items()}
    out = {"json_per_frame": sum(len(pose_to_json(f, "s")) for f in track.frames)}
    for name, arrays in (("npz_float32", floats), ("npz_int32_unshuffled", ints)):
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        out[name] = len(buf.getvalue())
    return out


def _track_figures(data: Path, session: str, seconds: float) -> dict[str, Any]:
    from voice import layout
    from voice.pose.track_file import decode_track, encode_track

    raw = (data / "patients" / layout.pose_track_key(PATIENT, session)).read_bytes()
    t0 = time.perf_counter()
    track = decode_track(raw)
    decode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = encode_track(track)
    encode_s = time.perf_counter() - t0
    assert again == raw, "the file re-encodes to the same bytes"
    frames = len(track.frames)
    people = sum(len(f.people) for f in track.frames) / max(frames, 1)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        members = {i.filename: i.compress_size for i in zf.infolist()}
    per_10min = len(raw) / 2**20 * (600.0 / seconds)
    return {
        "bytes": len(raw),
        "mb": round(len(raw) / 2**20, 3),
        "frames": frames,
        "people_per_frame": round(people, 3),
        "patient_frames": track.detected,
        "mb_per_10min": round(per_10min, 3),
        "mb_per_10min_per_person": round(per_10min / max(people, 1e-9), 3),
        "encode_s": round(encode_s, 3),
        "decode_s": round(decode_s, 3),
        "members": members,
        "alternatives": _alternatives(track),
    }


def _timed(fn: Callable[[], Any], repeats: int, undo: Callable[[], None]) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        undo()
    return times


def _derivations(data: Path, session: str, repeats: int) -> dict[str, Any]:
    from voice import layout
    from voice.config import Settings
    from voice.labels.derive import derive
    from voice.labels.service import Change, ReviewRequest, review, session_labels
    from voice.storage import LocalStore

    settings = Settings()
    store = LocalStore(data)
    derive(store, PATIENT, session, settings=settings)  # the state as processed
    view = session_labels(store, PATIENT, session)
    counting = [label for label in view.labels if label.trains]
    middle = counting[len(counting) // 2]
    reviews = data / "patients" / layout.reviews_key(PATIENT, session)
    index = data / "patients" / layout.session_index_key(PATIENT, session)
    pristine = {"reviews": reviews.read_bytes() if reviews.exists() else None}

    def undo() -> None:
        if pristine["reviews"] is None:
            reviews.unlink(missing_ok=True)
        else:
            reviews.write_bytes(pristine["reviews"])
        derive(store, PATIENT, session, settings=settings)

    def change(*changes: Change) -> Callable[[], Any]:
        def run() -> Any:
            request = ReviewRequest(PATIENT, session, changes, author="bench")
            return review(store, request, settings=settings)

        return run

    other = next(e for e in ("neutral", "surprise", "anger") if e != middle.emotion)
    # The widest stretch no label covers: the added label conflicts with nothing there.
    ends = sorted((label.start, label.end) for label in view.labels)
    gaps = [(b[0] - a[1], a[1]) for a, b in itertools.pairwise(ends)]
    width, start = max(gaps)
    length = min(8.0, width - 0.4)
    scenarios = {
        "confirm (nothing changes)": change(Change("confirm", middle.id)),
        "reject one event": change(Change("reject", middle.id)),
        "set one emotion": change(Change("set", middle.id, emotion=other)),
        f"add {length:.1f} s where no label is": change(
            Change("add", emotion="surprise", start=start + 0.2, end=start + 0.2 + length)
        ),
        # Over narrated events: two windows, and the narrated labels it overlaps held back (conflicts).
        "add 8 s over narrated events": change(
            Change("add", emotion="surprise", start=middle.start, end=middle.start + 8.0)
        ),
    }
    out: dict[str, Any] = {"labels": len(view.labels), "samples_before": len(counting), "changes": {}}
    for name, run in scenarios.items():
        times = _timed(run, repeats, undo)
        out["changes"][name] = {
            "median_s": round(statistics.median(times), 3),
            "worst_s": round(max(times), 3),
        }

    def rewrite_all() -> None:
        index.write_text(index.read_text().replace('"track": "', '"track": "x'))
        derive(store, PATIENT, session, settings=settings)

    out["every sample again (new track)"] = {
        "median_s": round(statistics.median(_timed(rewrite_all, repeats, lambda: None)), 3)
    }
    listing = []
    for _ in range(repeats):  # the same fresh process without a change: start-up and imports
        run = measure(
            [sys.executable, "-m", "voice.cli", "labels", "list", PATIENT, session, "--data-dir", str(data)],
            {**os.environ, "PYTHONPATH": str(ROOT)},
        )
        listing.append(run.wall_s)
    out["voice labels list (fresh process)"] = {"median_s": round(statistics.median(listing), 3)}
    cli = []
    for _ in range(repeats):
        run = measure(
            [
                sys.executable,
                "-m",
                "voice.cli",
                "labels",
                "reject",
                PATIENT,
                session,
                middle.id,
                "--data-dir",
                str(data),
            ],
            {**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if run.returncode != 0:
            raise RuntimeError(run.stderr[-2000:])
        cli.append(run.wall_s)
        undo()
    out["voice labels reject (fresh process)"] = {
        "median_s": round(statistics.median(cli), 3),
        "worst_s": round(max(cli), 3),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--inputs-dir", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "out" / "labels-data")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--fresh", action="store_true", help="process the video again into an empty --data-dir"
    )
    args = parser.parse_args(argv)
    from tests.support.media import long_narrated_video

    video = args.inputs_dir / f"narrated_{int(args.seconds)}s_640x480.mp4"
    if not video.is_file():
        long_narrated_video(video, args.seconds)
    if args.fresh:
        shutil.rmtree(args.data_dir, ignore_errors=True)
    load = os.getloadavg()[0]
    session = process_once(video, args.data_dir)
    result = {
        "seconds": args.seconds,
        "session": session,
        "load_before": round(load, 2),
        "track": _track_figures(args.data_dir, session, args.seconds),
        "derivation": _derivations(args.data_dir, session, args.repeats),
        "load_after": round(os.getloadavg()[0], 2),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
    d, t = result["derivation"], result["track"]
    changes = d["changes"].values()
    print(
        f"LABELS track_mb={t['mb']} frames={t['frames']} people_per_frame={t['people_per_frame']} "
        f"mb_per_10min_per_person={t['mb_per_10min_per_person']} "
        f"derive_median_s={max(c['median_s'] for c in changes)} "
        f"derive_worst_s={max(c['worst_s'] for c in changes)} "
        f"cli_s={d['voice labels reject (fresh process)']['median_s']} "
        f"cli_list_s={d['voice labels list (fresh process)']['median_s']} "
        f"rewrite_all_s={d['every sample again (new track)']['median_s']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
