"""A session's samples written from its effective labels and its stored pose track.

:func:`apply_labels` is the step every writer of samples shares (processing a video ends with it;
:mod:`voice.session.finish`); :func:`derive` runs it on a stored session when its reviews changed
(``voice labels``, the labels Lambda on AWS), and writes the session index when anything changed —
on AWS the index's "Object Created" starts the training gate, as a processed upload's does.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from voice import layout
from voice.config import Settings
from voice.errors import ConflictError
from voice.labels.effective import Resolution, resolve
from voice.labels.samples import SampleChanges, sample_windows, write_samples
from voice.labels.stored import TrackFile, load_session, read_index, read_track
from voice.layout import PATIENTS
from voice.records.labels import DerivationRecord
from voice.records.reviews import ReviewsDoc
from voice.records.session import SessionIndex, SessionMetadata
from voice.storage import Store, json_bytes

__all__ = ["Applied", "apply_labels", "derive", "label_index"]

log = logging.getLogger("voice")

#: Derivations in a row before giving up while the reviews or the track keep changing under one.
ATTEMPTS = 3


@dataclass(frozen=True)
class Applied:
    """The labels as resolved and what writing their samples changed."""

    resolution: Resolution
    changes: SampleChanges


def apply_labels(
    store: Store,
    metadata: SessionMetadata,
    track: TrackFile,
    reviews: ReviewsDoc,
    *,
    settings: Settings,
    index: SessionIndex | None,
) -> Applied:
    """Resolve the labels and make the session's sample folders match them (only what differs;
    everything again when the samples on record came from another track)."""
    resolution = resolve(metadata.events, reviews.reviews)
    windows = sample_windows(resolution, metadata.video.duration_s, settings)
    rewrite = index is None or index.track != track.sha256
    changes = write_samples(store, metadata.patient, metadata.session, windows, track.track, rewrite=rewrite)
    return Applied(resolution, changes)


def label_index(
    metadata: SessionMetadata, applied: Applied, track: TrackFile, version: str | None
) -> SessionIndex:
    """The session index after labels: its samples, recording time, label tallies, and the track and
    reviews version the samples came from."""
    return SessionIndex(
        session=metadata.session,
        source=metadata.source,
        samples=applied.changes.samples,
        recorded_at=metadata.recorded_at,
        labels=applied.resolution.summary(),
        track=track.sha256,
        reviews=version,
    )


def _current(store: Store, patient: str, session: str, version: str | None, track_sha: str) -> bool:
    """Whether the reviews and the track are still those the samples were just written from."""
    reviews = store.read_versioned(PATIENTS, layout.reviews_key(patient, session))
    if (None if reviews is None else reviews.etag) != version:
        return False
    data = store.read_versioned(PATIENTS, layout.pose_track_key(patient, session))
    return data is not None and hashlib.sha256(data.data).hexdigest() == track_sha


def derive(store: Store, patient: str, session: str, *, settings: Settings) -> DerivationRecord:
    """Write the session's samples from its labels as they stand now (module notes).

    Two derivations of one session may run at once (two reviews in a row on AWS): each checks at
    its end that the reviews and the track are still those it used, and derives again if not, so
    the last one to finish leaves the samples of the newest reviews."""
    for _ in range(ATTEMPTS):
        stored = load_session(store, patient, session)
        meta = stored.metadata
        track = read_track(store, meta.patient, meta.session)
        index = read_index(store, meta.patient, meta.session)
        applied = apply_labels(store, meta, track, stored.reviews, settings=settings, index=index)
        new_index = label_index(meta, applied, track, stored.version)
        rewrite_index = applied.changes.changed or index is None or index.json_doc() != new_index.json_doc()
        if rewrite_index:
            key = layout.session_index_key(meta.patient, meta.session)
            store.write(PATIENTS, key, json_bytes(new_index.json_doc()), content_type="application/json")
        if _current(store, meta.patient, meta.session, stored.version, track.sha256):
            changes = applied.changes
            log.info(
                "session %s labels applied: %d samples, %d written, %d deleted",
                layout.session_ref(meta.session),
                len(changes.samples),
                len(changes.written),
                len(changes.deleted),
            )
            return DerivationRecord(
                session=meta.session,
                samples=len(changes.samples),
                written=changes.written,
                deleted=changes.deleted,
                unchanged=changes.unchanged,
                no_patient=changes.no_patient,
                summary=applied.resolution.summary(),
                index_written=rewrite_index,
            )
    raise ConflictError(
        f"the labels of session {layout.session_ref(session)} kept changing while its samples were "
        "written; run the derivation again."
    )
