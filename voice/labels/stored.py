"""A processed session's stored parts that labels are made from: its metadata (the narration), its
whole pose track and its reviews file; each read with a clear error when it is not there."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from pydantic import ValidationError

from voice import layout
from voice.errors import NoPoseTrackError, StorageError, UnknownSessionError
from voice.layout import PATIENTS, VIDEOS
from voice.pose.track import PoseTrack
from voice.pose.track_file import TrackFormatError, decode_track, encode_track
from voice.records.reviews import ReviewsDoc
from voice.records.session import SessionIndex, SessionMetadata
from voice.storage import Store

__all__ = [
    "StoredSession",
    "TrackFile",
    "check_patient",
    "check_track",
    "has_track",
    "load_session",
    "read_index",
    "read_reviews",
    "read_track",
    "write_track",
]

log = logging.getLogger("voice")


@dataclass(frozen=True)
class StoredSession:
    """A processed session: its metadata, its reviews (``version``: the file's version tag, None
    when nobody reviewed it yet) and whether its whole pose track is stored."""

    metadata: SessionMetadata
    reviews: ReviewsDoc
    version: str | None
    pose_track: bool

    @property
    def patient(self) -> str:
        return self.metadata.patient

    @property
    def session(self) -> str:
        return self.metadata.session


@dataclass(frozen=True)
class TrackFile:
    """A stored pose track and the SHA-256 of its file (which samples were written from)."""

    track: PoseTrack
    sha256: str


def check_patient(store: Store, patient: str) -> str:
    """The patient's name (validated, NFC) if they have a processed session, else
    :class:`UnknownSessionError`."""
    patient = layout.validate_name(patient, what="patient name")
    if next(iter(store.list(PATIENTS, layout.sessions_prefix(patient))), None) is None:
        raise UnknownSessionError(
            f"unknown patient {patient!r}: no processed session; process a video first."
        )
    return patient


def read_reviews(store: Store, patient: str, session: str) -> tuple[ReviewsDoc, str | None]:
    """The session's reviews and the file's version tag; an empty list and None when there is none."""
    stored = store.read_versioned(PATIENTS, layout.reviews_key(patient, session))
    if stored is None:
        return ReviewsDoc(session=session), None
    try:
        return ReviewsDoc.model_validate_json(stored.data), stored.etag
    except ValidationError as exc:
        raise StorageError(
            f"the reviews file of session {layout.session_ref(session)} is not a reviews document; "
            "restore it from the bucket's versions."
        ) from exc


def load_session(store: Store, patient: str, session: str) -> StoredSession:
    """The processed session ``session`` of ``patient`` (:class:`UnknownSessionError` if there is
    none: never processed, or its metadata is from a version that cannot be read)."""
    patient = check_patient(store, patient)
    session = layout.validate_name(session, what="session id")
    key = layout.metadata_key(patient, session)
    data = store.read(VIDEOS, key) if store.exists(VIDEOS, key) else None
    try:
        metadata = None if data is None else SessionMetadata.model_validate_json(data)
    except ValidationError:
        metadata = None
    if metadata is None:
        raise UnknownSessionError(
            f"patient {patient!r} has no processed session {session!r}; `voice labels list {patient}` "
            "lists the sessions."
        )
    reviews, version = read_reviews(store, patient, session)
    return StoredSession(metadata, reviews, version, has_track(store, patient, session))


def has_track(store: Store, patient: str, session: str) -> bool:
    return store.exists(PATIENTS, layout.pose_track_key(patient, session))


def _no_track(patient: str, session: str, why: str) -> NoPoseTrackError:
    return NoPoseTrackError(
        f"session {session!r} {why}; reprocess this session first (`voice process --force VIDEO "
        f"--patient {patient}`; on AWS, `voice cloud reprocess` once the stack offers it)."
    )


def check_track(store: Store, patient: str, session: str) -> None:
    """:class:`NoPoseTrackError` when the session has no pose track (without reading it)."""
    if not has_track(store, patient, session):
        raise _no_track(patient, session, "has no pose track (processed before tracks were kept)")


def read_track(store: Store, patient: str, session: str) -> TrackFile:
    """The session's whole pose track; :class:`NoPoseTrackError` when the session was processed
    before tracks were kept (or the file is damaged): it has to be processed again."""
    check_track(store, patient, session)
    data = store.read(PATIENTS, layout.pose_track_key(patient, session))
    try:
        track = decode_track(data)
    except TrackFormatError as exc:
        raise _no_track(patient, session, f"has a pose track that cannot be read ({exc})") from exc
    return TrackFile(track, hashlib.sha256(data).hexdigest())


def write_track(store: Store, patient: str, session: str, track: PoseTrack) -> TrackFile:
    """Store the session's whole pose track; returns it as a reader will see it (values to the
    file's precision), so samples written now and later are the same bytes."""
    data = encode_track(track)
    store.write(
        PATIENTS, layout.pose_track_key(patient, session), data, content_type="application/octet-stream"
    )
    return TrackFile(decode_track(data), hashlib.sha256(data).hexdigest())


def read_index(store: Store, patient: str, session: str) -> SessionIndex | None:
    """The session's index (None when absent or unreadable)."""
    # One read, absent or whole: a relabelling may remove the index between a check and a read.
    stored = store.read_versioned(PATIENTS, layout.session_index_key(patient, session))
    if stored is None:
        return None
    try:
        return SessionIndex.model_validate_json(stored.data)
    except ValidationError:
        log.warning("a session index is not readable; it is written again")
        return None
