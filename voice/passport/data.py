"""What a passport is drawn from, read from a store: the promoted (else newest) training run's
metrics and out-of-fold attributions, the features of the samples it was trained on, the
patient's current sample counts, and per session when it was recorded, its labels and predictions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from pydantic import ValidationError

from voice import layout
from voice.errors import StorageError
from voice.model import gate
from voice.model.features import FEATURE_NAMES, extract_feature_matrix
from voice.model.registry import shown_run
from voice.model.training import samples_from_store
from voice.records.passport import SampleFeatures
from voice.records.session import SessionMetadata
from voice.records.stored import session_indexes
from voice.records.training import OutOfFold, TrainingMetrics
from voice.storage import Store

__all__ = ["PassportData", "SessionWeek", "TrainedSample", "load_passport_data", "read_metadata", "week_of"]

log = logging.getLogger("voice")

#: Label statuses that a person set (``docs/labels.md``); ``narrated`` (or none) is the narration's.
REVIEWED = frozenset({"confirmed", "changed", "counted", "added"})


@dataclass(frozen=True)
class TrainedSample:
    """One sample the run was trained on: its id, emotion, video, window and out-of-fold prediction."""

    sample: str
    emotion: str
    session: str
    start: float
    end: float
    predicted: str
    probability: float  # out-of-fold probability of its own emotion (first repeat)


@dataclass(frozen=True)
class SessionWeek:
    """One session's counts for the emotions-over-time table (``week``: the Monday, None: undated)."""

    session: str
    week: date | None
    narrated: dict[str, int]
    reviewed: dict[str, int]
    predicted: dict[str, int]


@dataclass
class PassportData:
    patient: str
    run_id: str | None = None
    promoted: bool = False
    metrics: TrainingMetrics | None = None
    samples: list[TrainedSample] = field(default_factory=list)
    features: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURE_NAMES))))
    #: Emotion → (samples, features) SHAP values towards it, rows as ``samples``.
    attributions: dict[str, np.ndarray] = field(default_factory=dict)
    #: Emotion → (samples, videos) in the store now.
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    sessions: list[SessionWeek] = field(default_factory=list)


def week_of(iso_time: str) -> date:
    """The Monday of the week ``iso_time`` falls in (in its own UTC offset: the caregiver's week)."""
    day = datetime.fromisoformat(iso_time).date()
    return day - timedelta(days=day.weekday())


def _read_run(store: Store, patient: str, run_id: str) -> tuple[TrainingMetrics, OutOfFold] | None:
    try:
        metrics = TrainingMetrics.model_validate_json(
            store.read(layout.PATIENTS, layout.model_artifact_key(patient, run_id, "metrics.json"))
        )
        oof = OutOfFold.model_validate_json(
            store.read(layout.PATIENTS, layout.model_artifact_key(patient, run_id, "out_of_fold.json"))
        )
    except (StorageError, ValidationError, FileNotFoundError):
        log.warning("a training run's metrics or out-of-fold file cannot be read; the passport leaves it out")
        return None
    return metrics, oof


def _stored_features(store: Store, patient: str, run_id: str) -> dict[str, tuple[float, float, np.ndarray]]:
    """Sample id → (start, end, feature row in today's :data:`FEATURE_NAMES` order): from the run's
    ``sample_features.json``, else (runs from before it) from the stored samples' poses."""
    key = layout.model_artifact_key(patient, run_id, "sample_features.json")
    if store.exists(layout.PATIENTS, key):
        try:
            doc = SampleFeatures.model_validate_json(store.read(layout.PATIENTS, key))
        except ValidationError:
            log.warning("a run's sample features cannot be read; the passport reads the samples instead")
        else:
            where = [doc.feature_names.index(n) if n in doc.feature_names else -1 for n in FEATURE_NAMES]
            out = {}
            for row in doc.samples:
                values = [row.values[i] if 0 <= i < len(row.values) else None for i in where]
                out[row.sample] = (row.start, row.end, np.array([np.nan if v is None else v for v in values]))
            return out
    stored, _ = samples_from_store(store, patient)
    stored = [s for s in stored if s.frames]
    matrix = (
        extract_feature_matrix([s.frames for s in stored]) if stored else np.zeros((0, len(FEATURE_NAMES)))
    )
    return {
        s.prefix.removeprefix(layout.patient_prefix(patient)).rstrip("/"): (
            min(f.time_s for f in s.frames),
            max(f.time_s for f in s.frames),
            matrix[i],
        )
        for i, s in enumerate(stored)
    }


def _trained(store: Store, patient: str, data: PassportData, oof: OutOfFold) -> None:
    """The run's samples, their windows, features and attributions (towards each class)."""
    assert data.run_id is not None
    features = _stored_features(store, patient, data.run_id)
    # Column of each of the run's features in today's feature list (a renamed feature drops out).
    columns = [(i, FEATURE_NAMES.index(n)) for i, n in enumerate(oof.feature_names) if n in FEATURE_NAMES]
    rows, values, attributions = [], [], []
    for record in oof.samples:
        found = features.get(record.sample)
        if found is None or not record.predictions:
            continue
        first = record.predictions[0]
        rows.append(
            TrainedSample(
                record.sample, record.emotion, record.session, found[0], found[1], first.label,
                float(first.probabilities.get(record.emotion, 0.0)),
            )
        )  # fmt: skip
        values.append(found[2])
        per_class = np.zeros((len(FEATURE_NAMES), len(oof.classes)))
        for c, emotion in enumerate(oof.classes):
            towards = record.attributions.get(emotion, [])
            for i, j in columns:
                if i < len(towards):
                    per_class[j, c] = towards[i]
        attributions.append(per_class)
    data.samples = rows
    if rows:
        data.features = np.vstack(values)
        stacked = np.stack(attributions)
        data.attributions = {e: stacked[:, :, c] for c, e in enumerate(oof.classes)}


def _counts(store: Store, patient: str) -> dict[str, tuple[int, int]]:
    listing = [o.key for o in store.list(layout.PATIENTS, layout.patient_prefix(patient))]
    samples: dict[str, int] = {}
    videos: dict[str, set[str]] = {}
    for ref in gate.samples_from_listing(listing):
        samples[ref.emotion] = samples.get(ref.emotion, 0) + 1
        videos.setdefault(ref.emotion, set()).add(ref.session)
    return {e: (samples[e], len(videos[e])) for e in samples}


def _tally(items: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def read_metadata(store: Store, patient: str, session: str) -> SessionMetadata | None:
    key = layout.metadata_key(patient, session)
    if not store.exists(layout.VIDEOS, key):
        return None
    try:
        return SessionMetadata.model_validate_json(store.read(layout.VIDEOS, key))
    except ValidationError:
        return None


def _sessions(store: Store, patient: str) -> list[SessionWeek]:
    """Per processed session: its week, its labels by who set them (a label counts once however
    many sample windows it has), and its predicted windows that are not unsure."""
    out = []
    for index in session_indexes(store, patient):
        labels = {(s.label or s.prefix): (s.emotion, s.status) for s in index.samples}
        narrated = [e for e, status in labels.values() if status not in REVIEWED]
        reviewed = [e for e, status in labels.values() if status in REVIEWED]
        meta = read_metadata(store, patient, index.session)
        predicted = [p.label for p in meta.predictions if not p.unsure] if meta is not None else []
        recorded = index.recorded_at or (meta.recorded_at if meta is not None else None)
        week = week_of(recorded.time) if recorded is not None else None
        out.append(SessionWeek(index.session, week, _tally(narrated), _tally(reviewed), _tally(predicted)))
    return sorted(out, key=lambda s: (s.week is None, s.week or date.min, s.session))


def load_passport_data(store: Store, patient: str) -> PassportData:
    """Everything the passport says, read once (the run: the promoted one, else the newest)."""
    data = PassportData(patient)
    data.run_id, data.promoted = shown_run(store, patient, having="out_of_fold.json")
    if data.run_id is not None:
        run = _read_run(store, patient, data.run_id)
        if run is not None:
            data.metrics, oof = run
            _trained(store, patient, data, oof)
    data.counts = _counts(store, patient)
    data.sessions = _sessions(store, patient)
    return data
