"""What people and programs do with a session's labels: list them, review them, list sessions.

The API the CLI (``voice labels``), the review page and importers use; none of them reads or writes
the files themselves. A change is checked against the labels as they stand and written with the
reviews file's version (a conditional write): when someone else changed the file since it was read
(``version``: the tag the caller saw), the change is a :class:`~voice.errors.ConflictError` and
nothing is written. Bad input is a :class:`~voice.errors.LabelError` naming the problem, before
anything is written.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pydantic import ValidationError

from voice import layout
from voice.config import EMOTIONS, Settings
from voice.errors import ConflictError, LabelError, UnknownEventError
from voice.labels.derive import derive
from voice.labels.effective import Resolution, resolve
from voice.labels.stored import (
    StoredSession,
    check_patient,
    check_track,
    load_session,
    read_index,
    read_track,
)
from voice.layout import PATIENTS
from voice.records.labels import ReviewOutcome, SessionLabels, SessionSummary
from voice.records.reviews import Action, ReviewRecord, ReviewsDoc
from voice.storage import Store, json_bytes

__all__ = ["ANY_VERSION", "Change", "ReviewRequest", "list_sessions", "review", "session_labels"]

#: ``version`` of a change that applies to the reviews as they are now (the CLI's way).
ANY_VERSION: Final = "*"


@dataclass(frozen=True)
class Change:
    """One review to make. ``event``: the label's id (None for ``add``); ``emotion``: for ``set``
    and ``add``; ``start``/``end``: an added label's range, seconds; ``reason``: why (``count``
    needs one)."""

    action: Action
    event: str | None = None
    emotion: str | None = None
    start: float | None = None
    end: float | None = None
    reason: str | None = None


def _labels_view(stored: StoredSession, resolution: Resolution) -> SessionLabels:
    meta = stored.metadata
    return SessionLabels(
        patient=meta.patient,
        session=meta.session,
        recorded_at=meta.recorded_at,
        duration_s=meta.video.duration_s,
        pose_track=stored.pose_track,
        version=stored.version,
        labels=resolution.labels,
        orphans=resolution.orphans,
        summary=resolution.summary(),
    )


def session_labels(store: Store, patient: str, session: str) -> SessionLabels:
    """The session's effective labels in time order, its orphaned reviews and the reviews file's
    version (pass it back with a change)."""
    stored = load_session(store, patient, session)
    return _labels_view(stored, resolve(stored.metadata.events, stored.reviews.reviews))


def _recorded(summary: SessionSummary) -> tuple[int, datetime, str]:
    if summary.recorded_at is None:
        return 1, datetime.min.replace(tzinfo=UTC), summary.session
    return 0, datetime.fromisoformat(summary.recorded_at.time), summary.session


def list_sessions(store: Store, patient: str) -> list[SessionSummary]:
    """The patient's processed sessions in the order they were recorded (sessions without a
    recording time last)."""
    patient = check_patient(store, patient)
    prefix = layout.sessions_prefix(patient)
    keys = {o.key for o in store.list(PATIENTS, prefix)}
    out = []
    for key in sorted(keys):
        name = key[len(prefix) :]
        if "/" in name or not name.endswith(".json"):
            continue
        session = name.removesuffix(".json")
        index = read_index(store, patient, session)
        if index is None:
            continue
        out.append(
            SessionSummary(
                session=session,
                recorded_at=index.recorded_at,
                samples=len(index.samples),
                labels=index.labels,
                pose_track=layout.pose_track_key(patient, session) in keys,
            )
        )
    return sorted(out, key=_recorded)


def _clean(text: str | None, what: str, limit: int) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).strip()
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise LabelError(f"{what} contains control characters; remove them.")
    if len(text) > limit:
        raise LabelError(f"{what} is longer than {limit} characters; shorten it.")
    return text or None


def _check_emotion(emotion: str | None, action: str) -> str:
    if emotion is None:
        raise LabelError(f"`{action}` needs an emotion (--emotion): one of {', '.join(EMOTIONS)}.")
    if emotion not in EMOTIONS:
        raise LabelError(f"unknown emotion {emotion!r}; use one of {', '.join(EMOTIONS)}.")
    return emotion


def _check_range(change: Change, duration: float) -> tuple[float, float]:
    if change.start is None or change.end is None:
        raise LabelError("`add` needs a range: --from SECONDS --to SECONDS.")
    start, end = round(change.start, 3), round(change.end, 3)
    if end <= start:
        raise LabelError(
            f"the range ends ({end:g} s) before it starts ({start:g} s); give --to after --from."
        )
    if start < 0 or end > duration + 1e-6:
        raise LabelError(f"the range {start:g}–{end:g} s is outside the video (0–{duration:g} s).")
    return start, end


def _check_verdict(change: Change, labels: Resolution, session: str) -> str:
    """The label a confirm/set/reject/count refers to, if that action suits it."""
    label = labels.label(change.event or "")
    if label is None:
        raise UnknownEventError(
            f"session {session!r} has no label {change.event!r}; `voice labels list` shows the ids."
        )
    narrated_counts = label.kind == "narrated" and label.ignored is None
    if change.action == "count":
        if label.kind == "added" or narrated_counts:
            raise LabelError(
                f"{label.id} counts already; `count` is for ignored or negated events (use confirm)."
            )
        if not change.reason:
            raise LabelError("`count` overrides the narration: say why with --reason TEXT.")
    if change.action == "confirm" and not (label.counts or label.kind == "added" or narrated_counts):
        raise LabelError(
            f"{label.id} is not a label (ignored: {label.ignored}); `count` it with --reason if it "
            "should be one."
        )
    return label.id


def _review_of(
    change: Change, labels: Resolution, stored: StoredSession, *, author: str, source: str, at: str
) -> ReviewRecord:
    """The review ``change`` asks for, checked against the labels as they stand."""
    meta = stored.metadata
    reason = _clean(change.reason, "the reason", 500)
    fields: dict[str, object] = {
        "action": change.action,
        "reason": reason,
        "author": author,
        "source": source,
        "at": at,
    }
    if change.action == "add":
        start, end = _check_range(change, meta.video.duration_s)
        emotion = _check_emotion(change.emotion, "add")
        seed = "\x1f".join([meta.session, f"{start:.3f}", f"{end:.3f}", emotion, author, at])
        fields |= {"event": "a" + hashlib.sha256(seed.encode()).hexdigest()[:10], "emotion": emotion}
        fields |= {"start": start, "end": end}
    else:
        event = _check_verdict(Change(change.action, change.event, reason=reason), labels, meta.session)
        fields["event"] = event
        label = labels.label(event)
        fields["event_time"] = None if label is None else label.time
        if change.action == "set":
            fields["emotion"] = _check_emotion(change.emotion, "set")
    try:
        return ReviewRecord.model_validate(fields)
    except ValidationError as exc:
        raise LabelError(f"the review is not valid: {exc.errors()[0]['msg']}.") from exc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ReviewRequest:
    """Changes to one session's labels, made by ``author`` through ``source`` (``review``: a person
    in VOICE; an importer names itself). ``version``: the reviews file's version the caller saw
    (None: it saw none); :data:`ANY_VERSION` applies the changes to the file as it is."""

    patient: str
    session: str
    changes: tuple[Change, ...]
    author: str
    source: str = "review"
    version: str | None = ANY_VERSION


def review(
    store: Store, request: ReviewRequest, *, settings: Settings, derive_samples: bool = True
) -> ReviewOutcome:
    """Make the request's changes (in order; a later one may refer to a label an earlier one added)
    as one write of the reviews file, then write the session's samples from its labels.

    When the reviews file is not the version the request saw, :class:`~voice.errors.ConflictError`
    and nothing is written. ``derive_samples`` False leaves the samples to the stack (on AWS the
    reviews file's "Object Created" derives them)."""
    checked_author = _clean(request.author, "the author", 100)
    checked_source = _clean(request.source, "the source", 100)
    changes, version = request.changes, request.version
    if checked_author is None or checked_source is None:
        raise LabelError("a review needs an author (--author NAME) and a source.")
    stored = load_session(store, request.patient, request.session)
    meta = stored.metadata
    # No change to a session whose samples cannot follow. Deriving here, the track must read; on
    # the stack (S3) the labels function reads it, so only its presence is checked (no download).
    if derive_samples:
        read_track(store, meta.patient, meta.session)
    else:
        check_track(store, meta.patient, meta.session)
    if version != ANY_VERSION and version != stored.version:
        raise ConflictError(
            f"the reviews of session {meta.session!r} changed since they were read; list them again "
            "and redo the change."
        )
    if not changes:
        raise LabelError("no change to make.")
    doc = ReviewsDoc(session=meta.session, reviews=list(stored.reviews.reviews))
    new: list[ReviewRecord] = []
    for change in changes:
        labels = resolve(meta.events, doc.reviews)
        made = _review_of(change, labels, stored, author=checked_author, source=checked_source, at=_now())
        doc.reviews.append(made)
        new.append(made)
    tag = store.write_if(
        PATIENTS,
        layout.reviews_key(meta.patient, meta.session),
        json_bytes(doc.json_doc()),
        etag=stored.version,
        content_type="application/json",
    )
    derivation = derive(store, meta.patient, meta.session, settings=settings) if derive_samples else None
    after = StoredSession(meta, doc, tag, stored.pose_track)
    return ReviewOutcome(
        reviews=new,
        version=tag,
        derivation=derivation,
        labels=_labels_view(after, resolve(meta.events, doc.reviews)),
    )
