"""Label a video nobody narrated: per-window emotion probabilities from the patient's model.

:func:`predict_track` scores windows of a pose track with the same window length and features
as the training samples; the video pass uses it to draw the model's label, ``voice predict``
to print a timeline. Each window carries its calibrated probabilities, whether it is "unsure"
(top probability below the model's threshold) and its top signals: the features that pushed it
most towards its label, in words (:mod:`voice.model.explain`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice import layout
from voice.config import Settings
from voice.errors import ModelError
from voice.media.frames import frame_plans, iter_frames
from voice.media.probe import VideoInfo, probe
from voice.model.explain import Signal, top_signals
from voice.model.features import FEATURE_NAMES, extract_features
from voice.model.patient_model import PatientModel
from voice.model.registry import load_latest_model
from voice.people.estimator import patient_track, track_people
from voice.people.patient import PatientChooser
from voice.people.patient_store import profile_appearance
from voice.people.pin import PersonPin
from voice.people.profile import load_profile
from voice.pose.body25 import PoseFrame
from voice.pose.track import PoseTrack
from voice.records.session import PredictionRecord, SignalRecord
from voice.storage import Store

__all__ = ["WindowPrediction", "pose_track", "predict_file", "predict_track", "prediction_records"]

log = logging.getLogger("voice")

#: Windows with fewer detected poses than this get no prediction.
MIN_DETECTED_PER_WINDOW = 2


@dataclass(frozen=True)
class WindowPrediction:
    start: float
    end: float
    probabilities: dict[str, float]
    label: str
    unsure: bool = False
    signals: tuple[Signal, ...] = ()


def _explained(
    model: PatientModel, spans: list[tuple[float, float]], rows: np.ndarray
) -> list[WindowPrediction]:
    proba = model.predict_proba(rows)
    unsure = model.unsure(proba)
    values, scaled = model.attributions(rows)
    out = []
    for i, ((start, end), p) in enumerate(zip(spans, proba, strict=True)):
        best = int(np.argmax(p))
        signals = top_signals(values[i, :, best], scaled[i], np.isfinite(rows[i]), model.feature_names)
        probs = {c: float(v) for c, v in zip(model.classes, p, strict=True)}
        out.append(WindowPrediction(start, end, probs, model.classes[best], bool(unsure[i]), tuple(signals)))
    return out


def predict_track(
    model: PatientModel, frames: Sequence[PoseFrame], *, settings: Settings
) -> list[WindowPrediction]:
    """Per-window emotion probabilities over a whole video's pose track.

    Windows are ``predict_window_s`` long every ``predict_hop_s`` seconds, both ends inclusive
    like the training samples (``window_before_s`` + ``window_after_s`` around an event); the
    features are the training features. When the hops leave a tail uncovered, one more window
    ends exactly at the last pose; a track shorter than one window gets one window over all of
    it. Windows with fewer than :data:`MIN_DETECTED_PER_WINDOW` detected poses are skipped.
    """
    unknown = set(model.feature_names) - set(FEATURE_NAMES)
    if unknown:
        raise ModelError("the model was trained with other features; retrain it with this version of VOICE.")
    # A model trained before some feature groups existed still predicts from the columns it knows.
    columns = [FEATURE_NAMES.index(name) for name in model.feature_names]
    train_window = settings.window_before_s + settings.window_after_s
    if abs(settings.predict_window_s - train_window) > 1e-6:
        log.warning(
            "predict window %.2fs differs from the training window %.2fs; features that depend on "
            "the window length will be off",
            settings.predict_window_s,
            train_window,
        )
    ordered = sorted(frames, key=lambda f: f.time_s)
    if not ordered:
        return []
    times = np.array([f.time_s for f in ordered])
    window, hop = settings.predict_window_s, settings.predict_hop_s
    first, last = float(times[0]), float(times[-1])
    starts = [first + i * hop for i in range(max(int(np.floor((last - first - window) / hop + 1e-9)) + 1, 1))]
    if last - first > window and starts[-1] + window < last - 1e-6:
        starts.append(last - window)  # one more window, flush with the end, so the tail is covered
    spans, rows = [], []
    for start in starts:
        end = min(start + window, last) if last - first < window else start + window
        lo, hi = np.searchsorted(times, start - 1e-9), np.searchsorted(times, end + 1e-9, side="right")
        chunk = ordered[lo:hi]
        if sum(1 for f in chunk if f.keypoints is not None) < MIN_DETECTED_PER_WINDOW:
            continue
        spans.append((start, end))
        rows.append(extract_features(chunk))
    if not rows:
        return []
    return _explained(model, spans, np.vstack(rows)[:, columns])


def prediction_records(windows: Sequence[WindowPrediction]) -> list[PredictionRecord]:
    """Predictions as metadata stores them (times to the millisecond, probabilities and
    contributions to 4 places)."""
    return [
        PredictionRecord(
            start=round(w.start, 3),
            end=round(w.end, 3),
            label=w.label,
            probabilities={k: round(float(v), 4) for k, v in w.probabilities.items()},
            unsure=w.unsure,
            signals=[
                SignalRecord(feature=s.feature, words=s.words, contribution=round(s.contribution, 4))
                for s in w.signals
            ],
        )
        for w in windows
    ]


def pose_track(
    path: Path,
    settings: Settings,
    chooser: PatientChooser | None = None,
    *,
    info: VideoInfo | None = None,
    timer: list[float] | None = None,
) -> PoseTrack:
    """The patient's poses over the whole video at ``settings.pose_fps``, as in processing
    (everyone found and tracked; the patient chosen by ``chooser``, by default the one in view
    longest). A pose-only pass: only the pose frames are converted, at the size pose uses."""
    info = info or probe(path)
    chooser = chooser or PatientChooser((info.width, info.height))
    plan, _ = frame_plans(info, settings)
    track = PoseTrack([])
    frames = iter_frames(path, plan)
    for _ in track_people(frames, track, chooser, stride=plan.pose_every, settings=settings, timer=timer):
        pass
    return patient_track(track, chooser.final().track_id)


def predict_file(
    store: Store, path: Path, patient: str, *, settings: Settings, pin: PersonPin | None = None
) -> dict[str, Any]:
    """The emotion timeline of a local video from ``patient``'s promoted model; the patient is
    chosen as in processing (``pin``, the profile's colours, in view longest)."""
    patient = layout.stored_name(patient, what="patient name")
    model = load_latest_model(store, patient)
    if model is None:
        raise ModelError(
            f"patient has no promoted model yet; run 'voice train {patient}' first "
            "(a model is promoted only when it beats the majority baseline)."
        )
    t0 = time.perf_counter()
    info = probe(path)
    colours = profile_appearance(load_profile(store, patient))
    chooser = PatientChooser((info.width, info.height), pin=pin, appearance=colours)
    track = pose_track(path, settings, chooser)
    windows = predict_track(model, track.frames, settings=settings)
    return {
        "video": str(path),
        "model": model.run_id,
        "window_s": settings.predict_window_s,
        "hop_s": settings.predict_hop_s,
        "poses": {"frames": len(track.frames), "detected": track.detected},
        "patient_track": chooser.final().record().json_doc(),
        "windows": [p.json_doc() for p in prediction_records(windows)],
        "seconds": round(time.perf_counter() - t0, 3),
    }
