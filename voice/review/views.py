"""What the review page shows, read from the store: patients, their sessions, one session's timeline.

Every function takes the store and names, validates them (:class:`~voice.errors.InvalidNameError`,
:class:`~voice.errors.UnknownSessionError`) and returns a record the JSON API sends as it is.
Labels come from :mod:`voice.labels.service` (the page never reads the reviews file itself).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from pydantic import Field

from voice import layout
from voice.config import EMOTIONS
from voice.errors import LabelError
from voice.labels.service import list_sessions, session_labels
from voice.labels.stored import check_patient, load_session, read_track
from voice.layout import PATIENTS, VIDEOS
from voice.people.patient import PIN_MARGIN
from voice.people.tracking import box_of
from voice.pose.body25 import PoseFrame
from voice.pose.track import PoseTrack
from voice.records.base import Record
from voice.records.labels import LabelRecord, SessionLabels
from voice.records.reviews import LabelSummary, ReviewRecord
from voice.records.session import (
    EventRecord,
    PatientTrackRecord,
    PredictionRecord,
    RecordedAtRecord,
    SessionMetadata,
    VideoRecord,
    WordRecord,
)
from voice.storage import Store

__all__ = [
    "PatientRow",
    "PersonBox",
    "SessionRow",
    "SessionView",
    "TrackSpan",
    "agreement",
    "patients",
    "people_at",
    "person_under",
    "session_rows",
    "session_view",
]

#: Two sightings of a person closer than this (seconds) are one span of their track tier.
SPAN_GAP_S = 0.6
#: Decoded pose tracks kept (a 10-minute track decodes in about a tenth of a second; the page asks
#: for the people at a time on every pick): keyed by store, names and the file's size and time.
TRACKS_KEPT = 4
_tracks: OrderedDict[tuple[int, str, str, int, float], list[PoseFrame]] = OrderedDict()


def _frames(store: Store, patient: str, session: str) -> list[PoseFrame]:
    """The session's pose track frames, decoded once while the file stays the same."""
    info = store.stat(PATIENTS, layout.pose_track_key(patient, session))
    stamp = (
        id(store),
        patient,
        session,
        -1 if info is None else info.size,
        0.0 if info is None else info.modified.timestamp(),
    )
    if stamp not in _tracks:
        _tracks[stamp] = read_track(store, patient, session).track.frames
        while len(_tracks) > TRACKS_KEPT:
            _tracks.popitem(last=False)
    _tracks.move_to_end(stamp)
    return _tracks[stamp]


class PatientRow(Record):
    patient: str
    sessions: int


class SessionRow(Record):
    """One session in a patient's list: when recorded, how long, its labels, how far the model's
    predictions agree with the labels that count (None: no predictions overlap a label)."""

    session: str
    recorded_at: RecordedAtRecord | None = None
    duration_s: float
    events_counted: int
    events_ignored: int
    reviewed: bool
    summary: LabelSummary
    agreement: float | None = None
    predictions: int = 0


class TrackSpan(Record):
    person: int
    start: float
    end: float


class SessionView(Record):
    """Everything the session page draws: the video's facts, the words, the narrated events, the
    labels (with ``version`` to send back with a change), the reviews, the predictions, and each
    person's track spans with the patient's id; ``deriving``: the samples are still being written
    after the last review."""

    patient: str
    session: str
    video: VideoRecord
    words: list[WordRecord]
    events: list[EventRecord]
    labels: SessionLabels
    reviews: list[ReviewRecord]
    predictions: list[PredictionRecord]
    emotions: list[str] = Field(default_factory=lambda: list(EMOTIONS))
    people: list[TrackSpan]
    patient_track: PatientTrackRecord
    sampled_fps: float
    deriving: bool = False


class PersonBox(Record):
    """A person in one sampled frame: track id, box (pixels of the upright frame), the patient?"""

    person: int
    box: tuple[float, float, float, float]
    patient: bool


def patients(store: Store) -> list[PatientRow]:
    """Every patient with a processed session (``patients/<patient>/.sessions/``)."""
    counts: dict[str, int] = {}
    for info in store.list(PATIENTS, ""):
        parts = info.key.split("/")
        if len(parts) == 3 and parts[1] == ".sessions" and parts[2].endswith(".json"):
            counts[parts[0]] = counts.get(parts[0], 0) + 1
    return [PatientRow(patient=p, sessions=n) for p, n in sorted(counts.items())]


def agreement(labels: list[LabelRecord], predictions: list[PredictionRecord]) -> float | None:
    """Share of the counting labels whose overlapping predictions' mean probabilities put the
    label's emotion first (None when no prediction overlaps a counting label)."""
    agree = total = 0
    for label in labels:
        if not label.counts:
            continue
        mean = _mean_probabilities(predictions, label.start, label.end)
        if mean is None:
            continue
        total += 1
        agree += int(max(mean, key=lambda e: mean[e]) == label.emotion)
    return None if total == 0 else agree / total


def _mean_probabilities(
    predictions: list[PredictionRecord], start: float, end: float
) -> dict[str, float] | None:
    over = [p for p in predictions if p.start < end and p.end > start]
    if not over:
        return None
    return {e: float(np.mean([p.probabilities.get(e, 0.0) for p in over])) for e in over[0].probabilities}


def _metadata(store: Store, patient: str, session: str) -> SessionMetadata:
    return load_session(store, patient, session).metadata


def session_rows(store: Store, patient: str) -> list[SessionRow]:
    """The patient's sessions in recording order, with what the list shows of each."""
    rows = []
    for summary in list_sessions(store, patient):
        stored = load_session(store, patient, summary.session)
        meta = stored.metadata
        labels = session_labels(store, patient, summary.session)
        rows.append(
            SessionRow(
                session=meta.session,
                recorded_at=meta.recorded_at,
                duration_s=meta.video.duration_s,
                events_counted=sum(1 for e in meta.events if e.counts),
                events_ignored=sum(1 for e in meta.events if not e.counts),
                reviewed=bool(stored.reviews.reviews),
                summary=labels.summary,
                agreement=agreement(labels.labels, meta.predictions),
                predictions=len(meta.predictions),
            )
        )
    return rows


def _spans(frames: list[PoseFrame]) -> list[TrackSpan]:
    open_: dict[int, TrackSpan] = {}
    done: list[TrackSpan] = []
    for frame in frames:
        for person in frame.people:
            span = open_.get(person.person_id)
            if span is not None and frame.time_s - span.end <= SPAN_GAP_S:
                span.end = frame.time_s
                continue
            if span is not None:
                done.append(span)
            open_[person.person_id] = TrackSpan(person=person.person_id, start=frame.time_s, end=frame.time_s)
    return sorted([*done, *open_.values()], key=lambda s: (s.person, s.start))


def session_view(store: Store, patient: str, session: str) -> SessionView:
    """The session page's data (module notes)."""
    stored = load_session(store, patient, session)
    meta = stored.metadata
    frames = _frames(store, meta.patient, meta.session) if stored.pose_track else []
    return SessionView(
        patient=meta.patient,
        session=meta.session,
        video=meta.video,
        words=[w for seg in meta.transcript.segments for w in seg.words],
        events=meta.events,
        labels=session_labels(store, meta.patient, meta.session),
        reviews=stored.reviews.reviews,
        predictions=meta.predictions,
        people=_spans(frames),
        patient_track=meta.patient_track,
        sampled_fps=meta.poses.sampled_fps,
    )


def _boxes(frame: PoseFrame) -> list[PersonBox]:
    out = []
    for person in frame.people:
        x0, y0, x1, y1 = (round(float(v), 1) for v in box_of(person.keypoints))
        out.append(
            PersonBox(
                person=person.person_id, box=(x0, y0, x1, y1), patient=person.person_id == frame.patient_id
            )
        )
    return out


def people_at(store: Store, patient: str, session: str, time_s: float) -> list[PersonBox]:
    """The people in the sampled frame nearest ``time_s`` (a time outside the video: LabelError)."""
    meta = _metadata(store, patient, session)
    check_time(time_s, meta.video.duration_s)
    frame = PoseTrack(_frames(store, meta.patient, meta.session)).nearest(time_s)
    return [] if frame is None else _boxes(frame)


def check_time(time_s: float, duration_s: float) -> None:
    if not 0 <= time_s <= duration_s + 1e-6:
        raise LabelError(f"the time {time_s:g} s is outside the video (0–{duration_s:g} s).")


def person_under(boxes: list[PersonBox], x: float, y: float) -> PersonBox | None:
    """The person whose box (widened as a pin's is) holds the point, nearest centre first."""
    best: tuple[float, PersonBox] | None = None
    for person in boxes:
        x0, y0, x1, y1 = person.box
        margin = PIN_MARGIN * max(x1 - x0, y1 - y0)
        if x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin:
            d = float(np.hypot((x0 + x1) / 2 - x, (y0 + y1) / 2 - y))
            if best is None or d < best[0]:
                best = (d, person)
    return None if best is None else best[1]


def video_key(store: Store, patient: str, session: str) -> str:
    """The annotated review copy's key (after checking the names and that the session exists)."""
    patient = check_patient(store, patient)
    session = layout.validate_name(session, what="session id")
    key = layout.annotated_video_key(patient, session)
    if store.stat(VIDEOS, key) is None:
        _metadata(store, patient, session)  # an unknown session says so
        raise LabelError(f"session {session!r} has no annotated video; reprocess it.")
    return key
