"""``voice export``: a patient's sessions as files a researcher opens, in a folder.

``eaf``: ``<session>.eaf`` per session; ``boris``: ``<patient>.boris`` (one observation per
session) and ``<patient>_aggregated.tsv``; ``csv``: ``<patient>_labels.csv`` (every source's
intervals). The review copies (``<session>.mp4``) are copied beside them, so ELAN and BORIS find
their media by the relative name. A file already in the folder is never overwritten: the export
stops before writing anything (a researcher may have coded in it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from voice import layout
from voice.errors import LabelError
from voice.exchange.boris import BorisSession, aggregated_tsv, project_json
from voice.exchange.eaf import eaf_bytes
from voice.exchange.session_tiers import session_tiers
from voice.exchange.sources import effective_intervals, session_intervals
from voice.exchange.table import csv_bytes
from voice.labels.service import list_sessions
from voice.labels.stored import StoredSession, load_session
from voice.storage import Store

__all__ = ["ExportRequest", "Format", "export_sessions"]

Format = Literal["eaf", "boris", "csv"]


def _boris_session(stored: StoredSession) -> BorisSession:
    """The session's effective labels: counting ones as their emotion (a conflict says so in its
    comment), the rest as "not counted"."""
    meta = stored.metadata
    intervals = effective_intervals(meta, stored.reviews.reviews, training_only=False)
    return BorisSession(
        meta.session,
        f"{meta.session}.mp4",
        meta.video.duration_s,
        meta.video.fps,
        meta.video.has_audio,
        intervals,
        recorded=None if meta.recorded_at is None else datetime.fromisoformat(meta.recorded_at.time),
    )


def _documents(
    store: Store, patient: str, stored: list[StoredSession], fmt: Format, transcript: bool
) -> dict[str, bytes]:
    if fmt == "eaf":
        return {f"{s.session}.eaf": eaf_bytes(session_tiers(store, s, transcript=transcript)) for s in stored}
    if fmt == "boris":
        sessions = [_boris_session(s) for s in stored]
        return {
            f"{patient}.boris": project_json(patient, sessions),
            f"{patient}_aggregated.tsv": aggregated_tsv(patient, sessions),
        }
    rows = [i for s in stored for i in session_intervals(s.metadata, s.reviews.reviews)]
    return {f"{patient}_labels.csv": csv_bytes(rows)}


@dataclass(frozen=True)
class ExportRequest:
    """Export ``sessions`` of ``patient`` (none: every processed session) as ``fmt`` into ``out``;
    ``transcript``: ELAN gets the words; ``media``: copy the review copies beside the files."""

    patient: str
    sessions: tuple[str, ...]
    fmt: Format
    out: Path
    transcript: bool = False
    media: bool = True


def export_sessions(store: Store, request: ExportRequest) -> list[Path]:
    """Write the export; the paths written. :class:`~voice.errors.LabelError` (nothing written)
    when a file is there already."""
    out = request.out
    ids = list(request.sessions) or [s.session for s in list_sessions(store, request.patient)]
    if not ids:
        raise LabelError("the patient has no processed session to export.")
    stored = [load_session(store, request.patient, sid) for sid in ids]
    patient = stored[0].patient
    documents = _documents(store, patient, stored, request.fmt, request.transcript)
    there = sorted(name for name in documents if (out / name).exists())
    if there:
        raise LabelError(
            f"{', '.join(there)} already in {out}; nothing was written (a researcher may have coded in "
            "it). Export into another folder (--out) or move the file."
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in documents.items():
        (out / name).write_bytes(data)
        written.append(out / name)
    if request.media and request.fmt != "csv":
        for s in stored:
            key, target = layout.annotated_video_key(patient, s.session), out / f"{s.session}.mp4"
            if target.exists() or not store.exists(layout.VIDEOS, key):
                continue
            with store.download(layout.VIDEOS, key) as local:
                shutil.copyfile(local, target)
            written.append(target)
    return written
