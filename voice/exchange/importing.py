"""A researcher's coding becomes labels: each coded tier's spans are ``add`` reviews of source
``import`` whose author is the coder, written through :mod:`voice.labels.service`.

Everything is checked before anything is written: the file (size, format, safe XML), the tiers
asked for, the values (the five emotions, or ``--map``), which session each tier codes (``--video``;
else the media file name, the content hash of a media file beside the coding, or the session VOICE
exported it for), and each tier's spans on that session (inside the video, not overlapping). Any
refusal is a :class:`~voice.errors.CodingFileError` (the CLI exits 2) and nothing is written.
A span already imported for the same coder (same range and emotion) is left alone, so importing a
file twice, or VOICE's own export (its tiers are marked), changes nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voice.config import EMOTIONS, Settings
from voice.errors import CodingFileError, LabelError, UnknownMediaError, UnmappedValueError
from voice.exchange.boris import read_boris
from voice.exchange.coding import MAX_FILE_BYTES, CodedFile, CodedSpan, CodedTier
from voice.exchange.eaf_read import read_eaf
from voice.exchange.sources import IMPORT, NOT_COUNTED
from voice.exchange.table import read_csv
from voice.labels.service import Change, ReviewRequest, list_sessions, review
from voice.labels.stored import StoredSession, check_track, load_session
from voice.layout import parse_upload_key
from voice.records.exchange import ImportedTier, ImportResult
from voice.storage import Store

__all__ = ["END_TOLERANCE_S", "ImportRequest", "import_coding", "parse_map", "read_coding"]

#: A span may end this much past the video's end (rounding in other tools); it is cut at the end.
END_TOLERANCE_S = 0.05
_READERS = {".eaf": read_eaf, ".boris": read_boris, ".csv": read_csv}


def parse_map(text: str | None) -> dict[str, str]:
    """``"joy=happiness,distress=sadness"`` → {value: emotion} (values case-folded)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        value, sep, emotion = part.partition("=")
        emotion = emotion.strip().casefold()
        if not sep or not value.strip():
            raise LabelError(f"--map entry {part.strip()!r} is not VALUE=EMOTION.")
        if emotion not in EMOTIONS and emotion != NOT_COUNTED:
            raise LabelError(f"--map: {emotion!r} is not one of {', '.join(EMOTIONS)} (or '{NOT_COUNTED}').")
        out[value.strip().casefold()] = emotion
    return out


@dataclass(frozen=True)
class ImportRequest:
    """Import ``path`` for ``patient``: only ``tier`` (None: every coded tier), values mapped by
    ``mapping``, into session ``video`` (None: the session the file's media names)."""

    patient: str
    path: Path
    tier: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    video: str | None = None


def read_coding(path: Path) -> CodedFile:
    """The file's coded tiers (its format by extension)."""
    reader = _READERS.get(path.suffix.casefold())
    if reader is None:
        raise CodingFileError(
            f"{path.suffix or 'a file without extension'}: import reads .eaf, .boris or .csv."
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CodingFileError(
                f"the file is {size / 1e6:.1f} MB; a coding file is at most {MAX_FILE_BYTES // 10**6} MB."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CodingFileError(f"cannot read the file: {exc.strerror}.") from exc
    return reader(data, path.name)


def _chosen(coded: CodedFile, name: str | None) -> list[CodedTier]:
    if name is not None:
        found = [t for t in coded.tiers if t.name == name]
        if not found:
            names = ", ".join(repr(t.name) for t in coded.tiers) or "none"
            raise CodingFileError(f"the file has no tier {name!r}; its tiers: {names}.")
        return found
    if not coded.tiers:
        raise CodingFileError("the file holds no coded tier.")
    return [t for t in coded.tiers if t.spans]


def _emotions(tiers: Sequence[CodedTier], mapping: dict[str, str]) -> None:
    found = sorted({s.value for t in tiers for s in t.spans})
    unmapped = [
        v for v in found if v.casefold() not in mapping and v.casefold() not in (*EMOTIONS, NOT_COUNTED)
    ]
    if unmapped:
        raise UnmappedValueError(
            f"value(s) {', '.join(repr(v) for v in unmapped)} are not emotions; map them with "
            f'--map "VALUE=EMOTION,..." (emotions: {", ".join(EMOTIONS)}). Values in the file: '
            f"{', '.join(repr(v) for v in found)}."
        )


def _emotion(value: str, mapping: dict[str, str]) -> str | None:
    key = value.casefold()
    emotion = mapping.get(key, key)
    return None if emotion == NOT_COUNTED else emotion


class _Sessions:
    """The patient's sessions, found by id, media name or content hash."""

    def __init__(self, store: Store, patient: str, base: Path) -> None:
        self.store, self.patient, self.base = store, patient, base
        self.ids = [s.session for s in list_sessions(store, patient)]
        self._names: dict[str, str] | None = None

    def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = {}
            for sid in self.ids:
                meta = load_session(self.store, self.patient, sid).metadata
                self._names[f"{sid}.mp4".casefold()] = sid
                self._names[sid.casefold()] = sid
                upload = parse_upload_key(meta.source.key)
                self._names[upload.file_name.casefold()] = sid
        return self._names

    def by_hash(self, name: str) -> str | None:
        candidate = self.base / Path(name).name
        if not candidate.is_file():
            return None
        digest = hashlib.sha256()
        with candidate.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        tail = "-" + digest.hexdigest()[:10]
        return next((sid for sid in self.ids if sid.endswith(tail)), None)

    def match(self, media: Sequence[str], exported_for: str | None) -> str:
        for name in media:
            sid = self.names().get(Path(name).name.casefold()) or self.by_hash(name)
            if sid is not None:
                return sid
        if exported_for in self.ids:
            return str(exported_for)
        shown = ", ".join(repr(m) for m in media) or "none"
        raise UnknownMediaError(
            f"the file's media ({shown}) is none of this patient's sessions (by name or content hash); "
            "name the session with --video SESSION (`voice labels list PATIENT` lists them)."
        )


def _checked_spans(tier: CodedTier, duration: float, mapping: dict[str, str]) -> list[CodedSpan]:
    spans = sorted(tier.spans, key=lambda s: (s.start, s.end))
    for a, b in itertools.pairwise(spans):
        if b.start < a.end - 1e-6:
            raise CodingFileError(
                f"tier {tier.name!r} has overlapping labels: {a.start:g}–{a.end:g} s and "
                f"{b.start:g}–{b.end:g} s; one tier codes one emotion at a time."
            )
    out = []
    for s in spans:
        if s.start < 0 or s.end > duration + END_TOLERANCE_S:
            raise CodingFileError(
                f"tier {tier.name!r}: the label {s.start:g}–{s.end:g} s is past the video's end "
                f"({duration:g} s)."
            )
        emotion = _emotion(s.value, mapping)
        if emotion is not None:
            out.append(CodedSpan(round(s.start, 3), round(min(s.end, duration), 3), emotion))
    return out


def _printable(text: str, limit: int) -> str:
    """``text`` as a review may hold it: NFC, no control characters, at most ``limit`` characters
    (checked here, so no write fails half-way through an import)."""
    text = "".join(
        c for c in unicodedata.normalize("NFC", text) if not unicodedata.category(c).startswith("C")
    )
    return text.strip()[:limit].strip()


@dataclass
class _Plan:
    """One coder's new labels in one session, and the spans of theirs imported before."""

    stored: StoredSession
    author: str
    earlier: dict[tuple[float | None, float | None, str | None], str]
    tiers: list[ImportedTier] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    wanted: set[tuple[float, float, str]] = field(default_factory=set)


def _plan(
    stored: StoredSession, tier: CodedTier, spans: list[CodedSpan], plans: dict[tuple[str, str], _Plan]
) -> None:
    author = _printable(tier.author, 100) or "coder"
    if (stored.session, author) not in plans:
        earlier = {
            (r.start, r.end, r.emotion): r.event
            for r in stored.reviews.reviews
            if r.source == IMPORT and r.author == author and r.action == "add"
        }
        plans[(stored.session, author)] = _Plan(stored, author, earlier)
    plan = plans[(stored.session, author)]
    keys = [(s.start, s.end, s.value) for s in spans]
    new = [s for s, k in zip(spans, keys, strict=True) if k not in plan.earlier and k not in plan.wanted]
    plan.wanted.update(keys)
    reason = _printable(f"from tier {tier.name}", 200)
    plan.changes += [Change("add", emotion=s.value, start=s.start, end=s.end, reason=reason) for s in new]
    plan.tiers.append(
        ImportedTier(
            tier=tier.name,
            author=author,
            session=stored.session,
            added=len(new),
            unchanged=len(spans) - len(new),
        )
    )


def _not_in_file(plans: dict[tuple[str, str], _Plan]) -> None:
    """Each coder's labels imported before that the whole file no longer holds (reported on the
    coder's first tier; kept until someone rejects them)."""
    for plan in plans.values():
        gone = sorted(event for key, event in plan.earlier.items() if key not in plan.wanted)
        if gone and plan.tiers:
            plan.tiers[0].not_in_file = gone


def import_coding(
    store: Store, request: ImportRequest, *, settings: Settings, derive_samples: bool = True
) -> ImportResult:
    """Check the whole file against the patient's sessions, then write each coder's new labels of
    each session as one review (module notes)."""
    coded = read_coding(request.path)
    tiers = _chosen(coded, request.tier)
    voice_tiers = [t.name for t in tiers if t.voice]
    tiers = [t for t in tiers if not t.voice]
    _emotions(tiers, request.mapping)
    sessions = _Sessions(store, request.patient, request.path.parent)
    plans: dict[tuple[str, str], _Plan] = {}
    loaded: dict[str, StoredSession] = {}
    for tier in tiers:
        if request.video is not None:
            sid = load_session(store, request.patient, request.video).session
        else:
            sid = sessions.match([tier.media] if tier.media else coded.media, coded.session)
        stored = loaded.get(sid) or loaded.setdefault(sid, load_session(store, request.patient, sid))
        _plan(stored, tier, _checked_spans(tier, stored.metadata.video.duration_s, request.mapping), plans)
    if request.tier is None:
        _not_in_file(plans)
    todo = [p for p in plans.values() if p.changes]
    for p in todo:
        check_track(store, p.stored.patient, p.stored.session)
    # Each write names the reviews' version the plan was made from: a change someone made since is
    # a ConflictError (import again), never mixed into what this import checked.
    versions = {sid: s.version for sid, s in loaded.items()}
    for p in todo:
        change = ReviewRequest(
            p.stored.patient,
            p.stored.session,
            tuple(p.changes),
            author=p.author,
            source=IMPORT,
            version=versions[p.stored.session],
        )
        outcome = review(store, change, settings=settings, derive_samples=derive_samples)
        versions[p.stored.session] = outcome.version
    return ImportResult(
        file=request.path.name,
        tiers=[t for p in plans.values() for t in p.tiers],
        voice_tiers=voice_tiers,
        written=bool(todo),
    )
