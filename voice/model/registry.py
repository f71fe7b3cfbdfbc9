"""The run registry: training runs in ``models/<patient>/<run-id>/`` and the promoted pointer.

A run's files (:data:`ARTIFACTS`) are written by :func:`store_run`, which also moves
``models/<patient>/latest.json`` to the run when it beats the majority baseline
(:func:`voice.model.evaluation.promotion`). Local ``voice train`` runs and the cloud's promote step
both end here, so a SageMaker run lands in exactly the layout a local run has.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from voice import layout
from voice.errors import ConflictError, ModelError
from voice.model import gate
from voice.model.evaluation import promotion
from voice.model.patient_model import PatientModel, load_model
from voice.records.training import TrainingMetrics
from voice.storage import Store

__all__ = [
    "ARTIFACTS",
    "last_run_at",
    "load_latest_model",
    "load_run_model",
    "make_run_id",
    "shown_run",
    "store_run",
    "tarball",
]

#: Files of one training run, in the order they are written (model.tar.gz bundles the others).
ARTIFACTS = (
    "model.skops",
    "metrics.json",
    "out_of_fold.json",
    "sample_features.json",
    "confusion_matrix.png",
    "feature_importance.png",
    "reliability.png",
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


def make_run_id(now: datetime, data_digest: str) -> str:
    """``<UTC timestamp>-<8 hex of the training set>``: deterministic given the data and the time."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{data_digest[:8]}"


def last_run_at(store: Store, patient: str) -> datetime | None:
    """Time of the newest training run in ``models/<patient>/`` (promoted or not)."""
    return gate.last_run_from_listing(store.list(layout.PATIENTS, layout.models_prefix(patient)), patient)


def _write(store: Store, key: str, data: bytes) -> None:
    suffix = key[key.rfind(".") :]
    store.write(layout.PATIENTS, key, data, content_type=_CONTENT_TYPES.get(suffix))


def tarball(files: dict[str, bytes], mtime: float) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(mtime)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


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

    ``models/<patient>/latest.json`` moves to this run only when :func:`voice.model.evaluation.promotion`
    says so. Returns (file name → key, promoted, reason). Shared by ``voice train`` and the
    cloud's promote step, so a SageMaker run lands in exactly the layout a local run has.
    """
    missing = {"model.skops", "metrics.json"} - set(files)
    if missing:
        raise ModelError(f"run {run_id} has no {', '.join(sorted(missing))}; not stored, not promoted.")
    artifacts = {}
    for name in ARTIFACTS:
        if name in files:
            key = layout.model_artifact_key(patient, run_id, name)
            _write(store, key, files[name])
            artifacts[name] = key
    metrics = read_metrics(files["metrics.json"])
    promoted, reason = promotion(metrics)
    if promoted:
        pointer = {
            "run_id": run_id,
            "model": artifacts["model.skops"],
            "metrics": artifacts["metrics.json"],
            "balanced_accuracy": metrics.balanced_accuracy.mean,
            "baseline": metrics.baseline.balanced_accuracy,
            "promoted_at": now.astimezone(UTC).isoformat(),
            **(pointer_extra or {}),
        }
        if not _move_latest(store, patient, run_id, json.dumps(pointer, indent=2).encode()):
            promoted, reason = False, f"{reason}; a newer run was promoted meanwhile, latest.json stays on it"
    return artifacts, promoted, reason


def _newer(stored: bytes, run_id: str) -> bool:
    """Whether the pointer ``stored`` names a run that started after ``run_id``."""
    try:
        other = str(json.loads(stored)["run_id"])
    except (ValueError, KeyError, TypeError):
        return False
    theirs, ours = gate.run_time(other), gate.run_time(run_id)
    return theirs is not None and ours is not None and theirs > ours


def _move_latest(store: Store, patient: str, run_id: str, pointer: bytes) -> bool:
    """Point ``latest.json`` at ``run_id`` with a conditional write (two promotions never overwrite
    each other blindly), unless a newer run holds it. False: left on the newer run."""
    key = layout.latest_model_key(patient)
    for _attempt in range(5):
        current = store.read_versioned(layout.PATIENTS, key)
        if current is not None and _newer(current.data, run_id):
            return False
        try:
            store.write_if(layout.PATIENTS, key, pointer, etag=None if current is None else current.etag)
            return True
        except ConflictError:
            continue  # another promotion wrote it meanwhile: look again
    raise ConflictError(f"{key} kept changing while this run was promoted; promote it again.")


def shown_run(store: Store, patient: str, *, having: str) -> tuple[str | None, bool]:
    """The run to show (report, passport): the promoted one, else the newest run that has the file
    ``having`` (e.g. ``metrics.json``). Returns (run id or None, promoted)."""
    latest = layout.latest_model_key(patient)
    if store.exists(layout.PATIENTS, latest):
        return str(json.loads(store.read(layout.PATIENTS, latest))["run_id"]), True
    prefix = layout.models_prefix(patient)
    runs = sorted(
        {
            o.key[len(prefix) :].split("/", 1)[0]
            for o in store.list(layout.PATIENTS, prefix)
            if o.key.endswith(f"/{having}")
        }
    )
    return (runs[-1], False) if runs else (None, False)


def read_metrics(data: bytes) -> TrainingMetrics:
    """A run's ``metrics.json``; :class:`~voice.errors.ModelError` when it is not one."""
    try:
        return TrainingMetrics.model_validate_json(data)
    except ValidationError as exc:
        raise ModelError(
            f"metrics.json is not a training run's metrics ({exc.error_count()} problems); retrain the model."
        ) from None


def load_run_model(store: Store, patient: str, run_id: str) -> PatientModel:
    """The model of one run (promoted or not), with its metrics."""
    data = store.read(layout.PATIENTS, layout.model_artifact_key(patient, run_id, "model.skops"))
    metrics_key = layout.model_artifact_key(patient, run_id, "metrics.json")
    metrics = (
        read_metrics(store.read(layout.PATIENTS, metrics_key))
        if store.exists(layout.PATIENTS, metrics_key)
        else None
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
