"""The training and prediction jobs over a :class:`~voice.storage.Store`.

``train_patient``: list the patient's samples → gate → features → grouped CV + final fit →
artifacts in ``models/<patient>/<run-id>/`` → promote to ``models/<patient>/latest.json`` only
when the run beats the majority baseline. The same function runs for ``voice train``, in the
Step Functions flow and inside the SageMaker container (``training/train.py``).

``predict_track``: per-window probabilities over a whole video's pose track with the same
window length and features as the training samples.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tarfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from voice import gate, layout
from voice.body25 import PoseFrame, pose_from_json
from voice.config import Settings
from voice.errors import ModelError, StorageError
from voice.features import FEATURE_NAMES, extract_feature_matrix, extract_features
from voice.model import PatientModel, dump_model, load_model, train_model
from voice.storage import Store

__all__ = [
    "ARTIFACTS",
    "Sample",
    "TrainResult",
    "WindowPrediction",
    "last_run_at",
    "load_latest_model",
    "load_run_model",
    "make_run_id",
    "predict_track",
    "samples_from_store",
    "train_patient",
]

log = logging.getLogger("voice")

#: Files of one training run, in the order they are written (model.tar.gz bundles the others).
ARTIFACTS = (
    "model.skops",
    "metrics.json",
    "confusion_matrix.png",
    "feature_importance.png",
    "training_sessions.json",
    "report.html",
    "model.tar.gz",
)
_CONTENT_TYPES = {
    ".skops": "application/zip",
    ".json": "application/json",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".gz": "application/gzip",
}
#: Concurrent reads of pose files (S3 round trips).
READ_WORKERS = 8
#: Windows with fewer detected poses than this get no prediction.
MIN_DETECTED_PER_WINDOW = 2


@dataclass(frozen=True)
class Sample:
    """One training sample: the poses of one event window of one video."""

    emotion: str
    session: str
    event_index: int
    prefix: str
    frames: list[PoseFrame]


@dataclass(frozen=True)
class WindowPrediction:
    start: float
    end: float
    probabilities: dict[str, float]
    label: str


@dataclass
class TrainResult:
    """What ``train_patient`` did. ``trained`` False: the gate said no (see ``reasons``)."""

    patient: str
    trained: bool
    reasons: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    run_id: str | None = None
    promoted: bool = False
    promotion_reason: str | None = None
    balanced_accuracy: dict[str, float] | None = None
    baseline: float | None = None
    artifacts: dict[str, str] = field(default_factory=dict)  # file name → key in the patients bucket
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "trained": self.trained,
            "reasons": list(self.reasons),
            "counts": dict(self.counts),
            "run_id": self.run_id,
            "promoted": self.promoted,
            "promotion_reason": self.promotion_reason,
            "balanced_accuracy": self.balanced_accuracy,
            "baseline": self.baseline,
            "artifacts": dict(self.artifacts),
            "seconds": round(self.seconds, 3),
        }


def samples_from_store(
    store: Store, patient: str, *, emotions: Sequence[str] | None = None
) -> tuple[list[Sample], str]:
    """All training samples of ``patient`` (optionally only some emotions) and a digest of them.

    The digest (sha256 over keys and bytes) names the training set in the run id.
    """
    listing = [o.key for o in store.list(layout.PATIENTS, layout.patient_prefix(patient))]
    refs = [r for r in gate.samples_from_listing(listing) if emotions is None or r.emotion in emotions]
    wanted = {r.prefix for r in refs}
    by_prefix: dict[str, list[str]] = {}
    for key in listing:
        folder, name = key.rsplit("/", 1)
        if f"{folder}/" in wanted and name.startswith("pose_") and name.endswith(".json"):
            by_prefix.setdefault(f"{folder}/", []).append(key)
    ordered = [(ref, sorted(by_prefix.get(ref.prefix, []))) for ref in refs]
    all_keys = [key for _, keys in ordered for key in keys]
    # Many small objects: on S3 each is a round trip, so read them concurrently.
    with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
        contents = dict(
            zip(all_keys, pool.map(lambda k: store.read(layout.PATIENTS, k), all_keys), strict=True)
        )
    digest = hashlib.sha256()
    samples = []
    for ref, keys in ordered:
        frames = []
        for key in keys:
            data = contents[key]
            digest.update(key.encode() + b"\0" + hashlib.sha256(data).digest())
            try:
                frames.append(pose_from_json(data))
            except (ValueError, KeyError) as exc:
                raise StorageError(
                    f"pose file {key} is not valid pose JSON; remove or regenerate it."
                ) from exc
        samples.append(Sample(ref.emotion, ref.session, ref.event_index, ref.prefix, frames))
    return samples, digest.hexdigest()


def make_run_id(now: datetime, data_digest: str) -> str:
    """``<UTC timestamp>-<8 hex of the training set>``: deterministic given the data and the time."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{data_digest[:8]}"


def last_run_at(store: Store, patient: str) -> datetime | None:
    """Time of the newest training run in ``models/<patient>/`` (promoted or not)."""
    return gate.last_run_from_listing(store.list(layout.PATIENTS, layout.models_prefix(patient)), patient)


def _write(store: Store, key: str, data: bytes) -> None:
    suffix = key[key.rfind(".") :]
    store.write(layout.PATIENTS, key, data, content_type=_CONTENT_TYPES.get(suffix))


def _tarball(files: dict[str, bytes], mtime: float) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(mtime)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _training_sessions(samples: Sequence[Sample]) -> dict[str, Any]:
    per_class: dict[str, dict[str, list[str]]] = {}
    for s in samples:
        per_class.setdefault(s.emotion, {}).setdefault(s.session, []).append(s.prefix)
    return {
        "schema": "voice.training_sessions/1",
        "sessions": sorted({s.session for s in samples}),
        "per_class": per_class,
        "samples": [
            {"emotion": s.emotion, "session": s.session, "prefix": s.prefix, "poses": len(s.frames)}
            for s in samples
        ],
    }


def train_patient(
    store: Store,
    patient: str,
    *,
    settings: Settings,
    force: bool = False,
    now: datetime | None = None,
) -> TrainResult:
    """Gate, then train ``patient``'s model and write its artifacts; promote if it beats the baseline."""
    from voice.report import confusion_matrix_png, feature_importance_png, render_run_report

    t0 = time.perf_counter()
    now = now or datetime.now(UTC)
    listing = [o.key for o in store.list(layout.PATIENTS, layout.patient_prefix(patient))]
    decision = gate.decide(
        listing, now=now, last_run_at=last_run_at(store, patient), settings=settings, force=force
    )
    if not decision.train:
        log.info("training skipped: %s", "; ".join(decision.reasons))
        return TrainResult(
            patient, False, decision.reasons, decision.counts, seconds=time.perf_counter() - t0
        )

    samples, digest = samples_from_store(store, patient, emotions=decision.emotions)
    run_id = make_run_id(now, digest)
    features = extract_feature_matrix([s.frames for s in samples])
    labels = [s.emotion for s in samples]
    groups = [s.session for s in samples]
    log.info("training run %s: %d samples, %d videos", run_id, len(samples), len(set(groups)))
    model = train_model(features, labels, groups, settings=settings, run_id=run_id)
    metrics = model.metrics
    metrics["gate"] = decision.to_dict()
    metrics["trained_at"] = now.astimezone(UTC).isoformat()
    metrics["features"] = {"count": len(FEATURE_NAMES), "doc": "docs/features.md"}

    cm = metrics["confusion_matrix"]
    importances = metrics["feature_importance"]["values"]
    files: dict[str, bytes] = {
        "model.skops": dump_model(model),
        "metrics.json": json.dumps(metrics, indent=2, sort_keys=False).encode(),
        "confusion_matrix.png": confusion_matrix_png(np.array(cm["matrix"]), cm["labels"]),
        "feature_importance.png": feature_importance_png(list(importances), list(importances.values())),
        "training_sessions.json": json.dumps(_training_sessions(samples), indent=2).encode(),
    }
    files["report.html"] = render_run_report(patient, metrics, files, settings=settings).encode()
    files["model.tar.gz"] = _tarball(files, now.timestamp())
    artifacts, promoted, _reason = store_run(store, patient, run_id, files, now=now)
    log.info("training run %s: %s", run_id, metrics["promotion"]["reason"])
    ba = metrics["balanced_accuracy"]
    return TrainResult(
        patient=patient,
        trained=True,
        reasons=decision.reasons,
        counts=decision.counts,
        run_id=run_id,
        promoted=promoted,
        promotion_reason=metrics["promotion"]["reason"],
        balanced_accuracy={"mean": ba["mean"], "std": ba["std"]},
        baseline=metrics["baseline"]["balanced_accuracy"],
        artifacts=artifacts,
        seconds=time.perf_counter() - t0,
    )


def store_run(
    store: Store,
    patient: str,
    run_id: str,
    files: Mapping[str, bytes],
    *,
    now: datetime,
    pointer_extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, str], bool, str]:
    """Write a run's files to ``models/<patient>/<run-id>/``; promote it if it beats the baseline.

    ``models/<patient>/latest.json`` moves to this run only when :func:`voice.model.promotion`
    says so. Returns (file name → key, promoted, reason). Shared by ``voice train`` and the
    cloud's promote step, so a SageMaker run lands in exactly the layout a local run has.
    """
    from voice.model import promotion

    missing = {"model.skops", "metrics.json"} - set(files)
    if missing:
        raise ModelError(f"run {run_id} has no {', '.join(sorted(missing))}; not stored, not promoted.")
    artifacts = {}
    for name in ARTIFACTS:
        if name in files:
            key = layout.model_artifact_key(patient, run_id, name)
            _write(store, key, files[name])
            artifacts[name] = key
    metrics = json.loads(files["metrics.json"])
    promoted, reason = promotion(metrics)
    if promoted:
        pointer = {
            "run_id": run_id,
            "model": artifacts["model.skops"],
            "metrics": artifacts["metrics.json"],
            "balanced_accuracy": metrics["balanced_accuracy"]["mean"],
            "baseline": metrics["baseline"]["balanced_accuracy"],
            "promoted_at": now.astimezone(UTC).isoformat(),
            **(pointer_extra or {}),
        }
        _write(store, layout.latest_model_key(patient), json.dumps(pointer, indent=2).encode())
    return artifacts, promoted, reason


def _run_files(archive: bytes) -> dict[str, bytes]:
    """Regular files at a tar.gz's top level whose names are run files (no paths, no links)."""
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("./")
            if member.isfile() and name in ARTIFACTS:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[name] = extracted.read()
    return files


def promote_training_output(
    store: Store, patient: str, *, model_key: str, job_name: str, now: datetime | None = None
) -> dict[str, Any]:
    """Unpack a SageMaker job's ``model.tar.gz`` (and its ``output.tar.gz`` beside it) into the run
    layout and promote the run if it beats the baseline (see :func:`store_run`)."""
    layout.validate_name(patient, what="patient name")
    if not model_key.startswith(layout.models_prefix(patient)):
        raise ModelError("the training output is not under this patient's models/ prefix; not promoted.")
    files = _run_files(store.read(layout.PATIENTS, model_key))
    output_key = model_key.rsplit("/", 1)[0] + "/output.tar.gz"
    if store.exists(layout.PATIENTS, output_key):
        for name, data in _run_files(store.read(layout.PATIENTS, output_key)).items():
            files.setdefault(name, data)
    if "metrics.json" not in files:
        raise ModelError(f"training job {job_name} left no metrics.json; not promoted.")
    run_id = str(json.loads(files["metrics.json"]).get("run_id") or job_name)
    _, promoted, reason = store_run(
        store,
        patient,
        run_id,
        files,
        now=now or datetime.now(UTC),
        pointer_extra={"training_job_name": job_name},
    )
    return {"promoted": promoted, "reason": reason, "run_id": run_id}


def load_run_model(store: Store, patient: str, run_id: str) -> PatientModel:
    """The model of one run (promoted or not), with its metrics."""
    data = store.read(layout.PATIENTS, layout.model_artifact_key(patient, run_id, "model.skops"))
    metrics_key = layout.model_artifact_key(patient, run_id, "metrics.json")
    metrics = (
        json.loads(store.read(layout.PATIENTS, metrics_key))
        if store.exists(layout.PATIENTS, metrics_key)
        else {}
    )
    return load_model(data, metrics=metrics)


def load_latest_model(store: Store, patient: str) -> PatientModel | None:
    """The promoted model of ``patient``, or None if no run was ever promoted."""
    key = layout.latest_model_key(patient)
    if not store.exists(layout.PATIENTS, key):
        return None
    try:
        run_id = str(json.loads(store.read(layout.PATIENTS, key))["run_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{key} is not a valid model pointer; retrain with 'voice train --force'.") from exc
    return load_run_model(store, patient, run_id)


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
    if tuple(model.feature_names) != FEATURE_NAMES:
        raise ModelError("the model was trained with other features; retrain it with this version of VOICE.")
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
    proba = model.predict_proba(np.vstack(rows))
    out = []
    for (start, end), p in zip(spans, proba, strict=True):
        probs = {c: float(v) for c, v in zip(model.classes, p, strict=True)}
        out.append(WindowPrediction(start, end, probs, model.classes[int(np.argmax(p))]))
    return out
