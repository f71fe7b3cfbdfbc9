"""The CSV of label intervals: one row per interval of every source (for R and pandas), and a
researcher's CSV read back as coded tiers.

Columns: ``session, media, source, author, label, start_s, end_s, emotion, note`` (``emotion``:
one of the five, or "not counted"). A researcher's CSV needs ``start_s``, ``end_s`` and
``emotion``; ``author`` (else ``coder``, else the file name) groups rows into tiers, ``session`` or
``media`` names the video. Rows whose ``source`` is one of VOICE's own (narration, review, model,
effective) are VOICE's export and are never imported back; ``import`` rows are a coder's labels.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import PurePosixPath

from voice.errors import CodingFileError
from voice.exchange.coding import CodedFile, CodedSpan, CodedTier
from voice.exchange.sources import EFFECTIVE, MODEL, REVIEW, Interval
from voice.labels.effective import NARRATION

__all__ = ["COLUMNS", "csv_bytes", "read_csv"]

COLUMNS = ("session", "media", "source", "author", "label", "start_s", "end_s", "emotion", "note")
#: Rows of an imported coder (source ``import``) are that coder's labels: importable elsewhere.
_VOICE_SOURCES = {NARRATION, REVIEW, MODEL, EFFECTIVE}


def csv_bytes(intervals: Sequence[Interval]) -> bytes:
    """The intervals as CSV (UTF-8, a header row, ``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in intervals:
        writer.writerow(
            [
                i.session,
                f"{i.session}.mp4",
                i.source,
                i.author,
                i.label,
                f"{i.start:.3f}",
                f"{i.end:.3f}",
                i.value,
                i.note,
            ]
        )
    return out.getvalue().encode()


def _number(row: dict[str, str], column: str, line: int) -> float:
    try:
        return float(row[column])
    except (TypeError, ValueError) as exc:
        raise CodingFileError(f"line {line}: {column} is {row.get(column)!r}, not seconds.") from exc


def read_csv(data: bytes, file_name: str) -> CodedFile:
    """A researcher's CSV as coded tiers, one per author and video."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodingFileError("the CSV file is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = {"start_s", "end_s", "emotion"} - set(reader.fieldnames or ())
    if missing:
        raise CodingFileError(
            f"the CSV file has no {', '.join(sorted(missing))} column(s); it needs start_s, end_s, emotion."
        )
    stem = PurePosixPath(file_name).stem
    tiers: dict[tuple[str, str | None, bool], CodedTier] = {}
    media: list[str] = []
    for line, row in enumerate(reader, 2):
        author = (row.get("author") or row.get("coder") or "").strip() or stem
        session = (row.get("session") or "").strip()
        video = (row.get("media") or "").strip() or (f"{session}.mp4" if session else None)
        voice = (row.get("source") or "").strip() in _VOICE_SOURCES
        span = CodedSpan(
            _number(row, "start_s", line), _number(row, "end_s", line), (row["emotion"] or "").strip()
        )
        if span.end <= span.start:
            raise CodingFileError(
                f"line {line}: the label ends ({span.end:g} s) before it starts ({span.start:g} s)."
            )
        key = (author, video, voice)
        if key not in tiers:
            tiers[key] = CodedTier(author, author, video, voice)
        tiers[key].spans.append(span)
        if video and video not in media:
            media.append(video)
    return CodedFile(media, list(tiers.values()))
