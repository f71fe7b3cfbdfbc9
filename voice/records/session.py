"""A processed session's records: ``<session>_metadata.json`` and the session index.

``docs/design.md`` ("Session metadata") says what each field means; these models are what the
writer (:mod:`voice.session.finish`) builds and every reader parses. Fields added after the first
files were written have defaults, so older sessions still read.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from voice.records.base import Record
from voice.records.reviews import LabelSummary

__all__ = [
    "METADATA_SCHEMA",
    "EventRecord",
    "ModelsRecord",
    "PatientTrackRecord",
    "PersonRecord",
    "PinRecord",
    "PosesRecord",
    "PredictionRecord",
    "RecordedAtRecord",
    "SampleRecord",
    "SegmentRecord",
    "SessionIndex",
    "SessionMetadata",
    "SignalRecord",
    "SourceRecord",
    "TranscriptRecord",
    "VideoRecord",
    "WordRecord",
]

METADATA_SCHEMA: Final = "voice.session/1"


class SourceRecord(Record):
    """The upload a session was made from: bucket, key and the SHA-256 of its bytes."""

    bucket: str
    key: str
    sha256: str


class VideoRecord(Record):
    duration_s: float
    fps: float
    width: int
    height: int
    has_audio: bool


class WordRecord(Record):
    word: str
    start: float
    end: float
    probability: float = 1.0


class SegmentRecord(Record):
    start: float
    end: float
    text: str
    words: list[WordRecord] = Field(default_factory=list)


class TranscriptRecord(Record):
    language: str = "en"
    text: str = ""
    segments: list[SegmentRecord] = Field(default_factory=list)


class EventRecord(Record):
    """A narrated emotion statement; it counts when neither ``negated`` nor ``ignored``. ``id``:
    its stable id (:mod:`voice.narration.event_ids`; None in files written before ids existed)."""

    id: str | None = None
    time: float
    emotion: str
    keyword: str
    subject: str | None = None
    text: str = ""
    negated: bool = False
    who: str = "patient"
    tense: str = "present"
    mood: str = "statement"
    ignored: str | None = None
    window: tuple[float, float]

    @property
    def counts(self) -> bool:
        return not self.negated and self.ignored is None


class PosesRecord(Record):
    sampled_fps: float
    frames: int
    detected: int
    detection_rate: float
    faces: int = 0
    hands: int = 0


class PersonRecord(Record):
    """One person's track: sampled frames seen, share of the video, first/last time, mean box
    (width, height) and centre in pixels of the upright frame."""

    id: int
    frames: int
    share: float
    first_s: float
    last_s: float
    mean_box: tuple[float, float]
    mean_position: tuple[float, float]


class PinRecord(Record):
    x: float
    y: float
    t: float = 0.0


class PatientTrackRecord(Record):
    """Which track is the patient (None: nobody), the rule that chose it, why, and the pin used."""

    id: int | None = None
    rule: Literal["pinned", "appearance", "longest", "none"] = "none"
    reason: str = ""
    pin: PinRecord | None = None


class SampleRecord(Record):
    """A training sample: ``prefix`` names its folder; ``label`` the label it was written for (an
    event id, or an added label's id) and ``status`` how that label stands (``docs/labels.md``:
    narrated, confirmed, changed, counted, added). Both None in files written before labels."""

    emotion: str
    prefix: str
    poses: int
    label: str | None = None
    status: str | None = None


class RecordedAtRecord(Record):
    """When the video was recorded (ISO 8601 with its UTC offset) and where that came from: the
    container's creation time (``container``, as phones write it) or, without one, the time the
    upload was stored (``upload``)."""

    time: str
    source: Literal["container", "upload"]


class SignalRecord(Record):
    """A feature that pushed a window towards its label: its name, its words ("smiling"), and its
    SHAP value towards the label (probability for a forest, log-odds for the other families)."""

    feature: str
    words: str
    contribution: float


class PredictionRecord(Record):
    """One window's prediction: ``label`` is the most probable emotion, ``probabilities`` are
    calibrated; ``unsure``: the top probability is below the model's threshold, so the label is
    not to be taken as the model's answer; ``signals``: up to three features that pushed the
    window most towards ``label``, strongest first."""

    start: float
    end: float
    label: str
    probabilities: dict[str, float]
    unsure: bool = False
    signals: list[SignalRecord] = Field(default_factory=list)


class ModelsRecord(Record):
    whisper: str
    pose: str
    face_hands: str | None = None
    patient: str | None = None


class SessionMetadata(Record):
    """``annotated/<patient>/<session>_metadata.json``: written last, it marks the session complete."""

    schema_: Literal["voice.session/1"] = Field(METADATA_SCHEMA, alias="schema")
    session: str
    patient: str
    source: SourceRecord
    recorded_at: RecordedAtRecord | None = None
    video: VideoRecord
    transcript: TranscriptRecord
    events: list[EventRecord]
    poses: PosesRecord
    people: list[PersonRecord] = Field(default_factory=list)
    patient_track: PatientTrackRecord = Field(default_factory=PatientTrackRecord)
    samples: list[SampleRecord]
    predictions: list[PredictionRecord] = Field(default_factory=list)
    models: ModelsRecord
    reasons: list[str] = Field(default_factory=list)
    timings_s: dict[str, float] = Field(default_factory=dict)
    status: Literal["ok"] = "ok"


class SessionIndex(Record):
    """``patients/<patient>/.sessions/<session>.json``: which sample folders came from which
    upload; written after all of them, so its presence marks them complete. Since labels: when the
    session was recorded, how its labels stand (``labels``), and which pose track (``track``: its
    SHA-256) and reviews file (``reviews``: its version tag, None without one) the samples were
    written from."""

    session: str
    source: SourceRecord
    samples: list[SampleRecord]
    recorded_at: RecordedAtRecord | None = None
    labels: LabelSummary | None = None
    track: str | None = None
    reviews: str | None = None

    @classmethod
    def of(cls, metadata: SessionMetadata) -> SessionIndex:
        return cls(
            session=metadata.session,
            source=metadata.source,
            samples=metadata.samples,
            recorded_at=metadata.recorded_at,
        )
