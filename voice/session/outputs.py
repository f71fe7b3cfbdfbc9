"""What one processed upload leaves behind: metadata, CSV, session index (samples:
:mod:`voice.labels.samples`).

A session is one upload (``<session>`` = slug of the file stem + content hash). Its outputs are
collected in :class:`SessionOutputs` while the video pass runs and written only once the whole
video succeeded; the metadata file goes last because it marks the session complete
(``docs/design.md``, "Storage layout" and "Session metadata").
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from voice import layout
from voice.config import EMOTIONS
from voice.errors import VoiceError
from voice.layout import PATIENTS, VIDEOS
from voice.narration.windows import EventWindow
from voice.pose.track import PoseTrack
from voice.records.session import PredictionRecord, SessionIndex, SessionMetadata
from voice.storage import Store, json_bytes

__all__ = [
    "SessionOutputs",
    "analysis_csv",
    "completed_metadata",
    "read_metadata",
    "write_metadata",
    "write_session_index",
]

log = logging.getLogger("voice")


@dataclass
class SessionOutputs:
    """Everything a run writes to the videos bucket, written only once the whole video succeeded.

    Small outputs are kept as bytes; the annotated video stays a file in ``workdir`` and is
    streamed to the store, so memory does not grow with the video's length.
    """

    workdir: Path
    files: dict[str, tuple[bytes | Path, str]] = field(default_factory=dict)

    def add(self, key: str, data: bytes | Path, content_type: str) -> None:
        self.files[key] = (data, content_type)

    def write_all(self, store: Store) -> None:
        for key, (data, ctype) in sorted(self.files.items()):
            if isinstance(data, Path):
                store.upload(VIDEOS, key, data, content_type=ctype)
            else:
                store.write(VIDEOS, key, data, content_type=ctype)


def read_metadata(store: Store, meta_key: str) -> SessionMetadata | None:
    """A stored session's metadata; None when there is none or it is not a metadata document
    this version reads (the session is then processed again)."""
    if not store.exists(VIDEOS, meta_key):
        return None
    try:
        return SessionMetadata.model_validate_json(store.read(VIDEOS, meta_key))
    except ValidationError:
        log.warning("stored session metadata is not readable; the session counts as not done")
        return None


def completed_metadata(store: Store, meta_key: str, sha256: str) -> SessionMetadata | None:
    """The stored metadata if this very upload (same content hash) already finished, else None.

    Finished means both: the metadata and the session index that names the same upload and samples
    (the index also says how the labels stand, which the metadata does not repeat; a run
    that died after deleting the index to rewrite the samples left the metadata of an earlier
    run beside a session that is not complete)."""
    existing = read_metadata(store, meta_key)
    if existing is None or existing.source.sha256 != sha256:
        return None
    index_key = layout.session_index_key(existing.patient, existing.session)
    try:
        index = SessionIndex.model_validate_json(store.read(PATIENTS, index_key))
    except (VoiceError, ValidationError):
        log.info(
            "session %s has metadata but no complete index; not done", layout.session_ref(existing.session)
        )
        return None
    same = (index.session, index.source, index.samples) == (
        existing.session,
        existing.source,
        existing.samples,
    )
    return existing if same else None


def write_session_index(store: Store, patient: str, index: SessionIndex) -> None:
    """``patients/<patient>/.sessions/<session>.json``: which sample folders came from which upload
    (:func:`voice.labels.derive.label_index`). Written after all of the session's samples: its
    presence marks them complete."""
    key = layout.session_index_key(patient, index.session)
    store.write(PATIENTS, key, json_bytes(index.json_doc()), content_type="application/json")


def write_metadata(store: Store, key: str, metadata: SessionMetadata) -> None:
    """Write metadata last (it marks the session complete). Keep an existing file when only the
    timings would change, so a forced re-run leaves every output byte-identical."""
    doc = metadata.json_doc()
    if store.exists(VIDEOS, key):
        try:
            old = json.loads(store.read(VIDEOS, key))
        except (json.JSONDecodeError, VoiceError):
            old = None
        if old is not None and {**old, "timings_s": None} == {**doc, "timings_s": None}:
            return
    store.write(VIDEOS, key, json_bytes(doc), content_type="application/json")


def _window_counts(track: PoseTrack, start: float, end: float) -> tuple[int, int]:
    frames = track.between(start, end)
    return len(frames), sum(1 for f in frames if f.keypoints is not None)


_SIGNAL_COLUMNS = ("unsure", *(f"{c}_{i}" for i in range(1, 4) for c in ("signal", "contribution")))


def _signal_cells(p: PredictionRecord) -> list[str]:
    cells = [str(p.unsure).lower()]
    for i in range(3):
        s = p.signals[i] if i < len(p.signals) else None
        cells += [s.words, f"{s.contribution:.4f}"] if s else ["", ""]
    return cells


def analysis_csv(
    session: str, windows: Sequence[EventWindow], track: PoseTrack, predictions: Sequence[PredictionRecord]
) -> bytes:
    """One row per narrated event and one per prediction window; a window's ``unsure`` and its
    top signals (words and contribution, strongest first) are the last columns."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "session", "kind", "index", "time_s", "start_s", "end_s", "emotion", "keyword", "subject",
            "negated", "ignored", "poses", "detected", *[f"p_{e}" for e in EMOTIONS], *_SIGNAL_COLUMNS,
        ]
    )  # fmt: skip
    for w in windows:
        ev = w.event
        writer.writerow(
            [
                session, "event", w.index, f"{ev.time:.3f}", f"{w.start:.3f}", f"{w.end:.3f}", ev.emotion,
                ev.keyword, ev.subject, str(ev.negated).lower(), ev.ignored or "",
                *_window_counts(track, w.start, w.end),
                *[""] * (len(EMOTIONS) + len(_SIGNAL_COLUMNS)),
            ]
        )  # fmt: skip
    for i, p in enumerate(predictions):
        writer.writerow(
            [
                session, "prediction", i, "", f"{p.start:.3f}", f"{p.end:.3f}", p.label, "", "",
                "", "", *_window_counts(track, p.start, p.end),
                *[f"{p.probabilities.get(e, 0.0):.4f}" for e in EMOTIONS], *_signal_cells(p),
            ]
        )  # fmt: skip
    return buf.getvalue().encode()
