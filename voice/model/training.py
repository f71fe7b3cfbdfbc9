"""The training job over a :class:`~voice.storage.Store`.

``train_patient``: list the patient's samples → gate → features → grouped CV + final fit →
artifacts in ``models/<patient>/<run-id>/`` → promote to ``models/<patient>/latest.json`` only
when the run beats the majority baseline (:mod:`voice.model.registry`). The same function runs for
``voice train``, in the Step Functions flow and inside the SageMaker container
(``training/train.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from voice import layout
from voice.config import Settings
from voice.errors import StorageError
from voice.model import gate
from voice.model.ablation import group_contributions
from voice.model.evaluation import train_model
from voice.model.features import FEATURE_GROUPS, FEATURE_NAMES, extract_feature_matrix, group_of
from voice.model.patient_model import dump_model
from voice.model.plots import reliability_png
from voice.model.registry import last_run_at, make_run_id, store_run, tarball
from voice.model.report import confusion_matrix_png, feature_importance_png, render_run_report
from voice.pose.body25 import PoseFrame, pose_from_json
from voice.records.passport import SampleFeatureRow, SampleFeatures
from voice.records.reviews import LabelSummary
from voice.records.stored import session_indexes
from voice.records.training import FeatureCounts, GateRecord, OutOfFold, TrainingMetrics
from voice.storage import Store

__all__ = ["Sample", "TrainResult", "label_counts", "samples_from_store", "train_patient"]

log = logging.getLogger("voice")

#: Concurrent reads of pose files (S3 round trips).
READ_WORKERS = 8


@dataclass(frozen=True)
class Sample:
    """One training sample: the poses of one event window of one video."""

    emotion: str
    session: str
    tag: str
    prefix: str
    frames: list[PoseFrame]


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
    #: The configuration nested CV chose (``boosting(min_samples_leaf=5, max_iter=40)``).
    model: str | None = None
    balanced_accuracy: dict[str, float] | None = None
    baseline: float | None = None
    artifacts: dict[str, str] = field(default_factory=dict)  # file name → key in the patients bucket
    seconds: float = 0.0
    #: Feature group → how much it adds to the CV balanced accuracy (with it − without it).
    group_adds: dict[str, float] = field(default_factory=dict)
    #: Where the trained labels came from (``metrics.json`` ``labels``).
    labels: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "trained": self.trained,
            "reasons": list(self.reasons),
            "counts": dict(self.counts),
            "run_id": self.run_id,
            "promoted": self.promoted,
            "promotion_reason": self.promotion_reason,
            "model": self.model,
            "balanced_accuracy": self.balanced_accuracy,
            "baseline": self.baseline,
            "artifacts": dict(self.artifacts),
            "seconds": round(self.seconds, 3),
            "feature_groups_add": {g: round(v, 4) for g, v in self.group_adds.items()},
            "labels": dict(self.labels),
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
        samples.append(Sample(ref.emotion, ref.session, ref.tag, ref.prefix, frames))
    return samples, digest.hexdigest()


def label_counts(store: Store, patient: str, samples: Sequence[Sample]) -> LabelSummary:
    """Where the trained labels came from (``metrics.json`` ``labels``; ``docs/labels.md``): the
    labels trained on by how they stand (a label with several windows counts once; samples of
    sessions processed before labels count as narration), and, over all the patient's processed
    sessions, the labels people rejected, the narrated events that do not count, the labels held
    back by a conflict and the orphaned reviews (from the session indexes)."""
    out = LabelSummary()
    statuses: dict[str, tuple[str, str | None]] = {}
    for index in session_indexes(store, patient):
        for r in index.samples:  # "patients/<patient>/<emotion>/<folder>/": the folder's own part
            statuses["/".join(r.prefix.split("/")[2:])] = (r.label or r.prefix, r.status)
        if index.labels is not None:
            for field_name in ("rejected", "ignored", "conflicts", "orphans"):
                setattr(out, field_name, getattr(out, field_name) + getattr(index.labels, field_name))
    # A sample's prefix is "<patient>/<emotion>/<folder>/" (the patient by reference on SageMaker).
    own = {s.prefix.split("/", 1)[1]: s.prefix for s in samples}
    for _label, status in {statuses.get(part, (prefix, None)) for part, prefix in own.items()}:
        name = "narration" if status in (None, "narrated") else status
        setattr(out, name, getattr(out, name) + 1)
    return out


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


def _sample_id(patient: str, sample: Sample) -> str:
    """A sample's folder below the patient (``<emotion>/<session>_e<k>``): no name in it."""
    return sample.prefix.removeprefix(layout.patient_prefix(patient)).rstrip("/")


def _sample_features(patient: str, run_id: str, samples: Sequence[Sample], features: np.ndarray) -> bytes:
    """``sample_features.json``: each sample's window and feature values (the passport's input)."""
    rows = [
        SampleFeatureRow(
            sample=_sample_id(patient, s),
            session=s.session,
            emotion=s.emotion,
            start=min((f.time_s for f in s.frames), default=0.0),
            end=max((f.time_s for f in s.frames), default=0.0),
            values=[None if np.isnan(v) else round(float(v), 6) for v in row],
        )
        for s, row in zip(samples, features, strict=True)
    ]
    doc = SampleFeatures(run_id=run_id, feature_names=list(FEATURE_NAMES), samples=rows)
    return json.dumps(doc.json_doc(), separators=(",", ":")).encode()


def _run_files(
    patient: str,
    metrics: TrainingMetrics,
    model_bytes: bytes,
    out_of_fold: OutOfFold,
    samples: Sequence[Sample],
    settings: Settings,
) -> dict[str, bytes]:
    """A run's files (all but the tarball): model, metrics, out-of-fold predictions, plots,
    sessions, report."""
    cm = metrics.confusion_matrix
    importances = metrics.feature_importance.values
    files: dict[str, bytes] = {
        "model.skops": model_bytes,
        "metrics.json": json.dumps(metrics.json_doc(), indent=2, sort_keys=False).encode(),
        "out_of_fold.json": json.dumps(out_of_fold.json_doc(), separators=(",", ":")).encode(),
        "confusion_matrix.png": confusion_matrix_png(np.array(cm.matrix), cm.labels),
        "feature_importance.png": feature_importance_png(
            list(importances), list(importances.values()), groups=[group_of(n) for n in importances]
        ),
        "training_sessions.json": json.dumps(_training_sessions(samples), indent=2).encode(),
    }
    if metrics.calibration is not None:
        files["reliability.png"] = reliability_png(metrics.calibration)
    files["report.html"] = render_run_report(patient, metrics, files, settings=settings).encode()
    return files


def train_patient(
    store: Store,
    patient: str,
    *,
    settings: Settings,
    force: bool = False,
    now: datetime | None = None,
) -> TrainResult:
    """Gate, then train ``patient``'s model and write its artifacts; promote if it beats the baseline."""
    patient = layout.stored_name(patient, what="patient name")
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
    model = train_model(
        features,
        labels,
        groups,
        settings=settings,
        run_id=run_id,
        samples=[_sample_id(patient, s) for s in samples],
    )
    assert model.metrics is not None
    out_of_fold = model.out_of_fold
    assert out_of_fold is not None
    metrics = model.metrics.model_copy(
        update={
            "gate": GateRecord.model_validate(decision.to_dict()),
            "trained_at": now.astimezone(UTC).isoformat(),
            "features": FeatureCounts(
                count=len(FEATURE_NAMES),
                groups={g: len(names) for g, names in FEATURE_GROUPS.items()},
                doc="docs/features.md",
            ),
            "labels": label_counts(store, patient, samples),
        }
    )
    contributions = group_contributions(
        features, labels, groups, settings=settings, feature_names=FEATURE_NAMES, metrics=metrics
    )
    metrics.feature_groups = contributions
    model = replace(model, metrics=metrics)
    files = _run_files(patient, metrics, dump_model(model), out_of_fold, samples, settings)
    files["sample_features.json"] = _sample_features(patient, run_id, samples, features)
    files["model.tar.gz"] = tarball(files, now.timestamp())
    artifacts, promoted, _reason = store_run(store, patient, run_id, files, now=now)
    log.info("training run %s: %s", run_id, metrics.promotion.reason)
    ba = metrics.balanced_accuracy
    return TrainResult(
        patient=patient,
        trained=True,
        reasons=decision.reasons,
        counts=decision.counts,
        run_id=run_id,
        promoted=promoted,
        promotion_reason=metrics.promotion.reason,
        model=model.config,
        balanced_accuracy={"mean": ba.mean, "std": ba.std},
        baseline=metrics.baseline.balanced_accuracy,
        artifacts=artifacts,
        seconds=time.perf_counter() - t0,
        group_adds={g: v.adds for g, v in contributions.groups.items()},
        labels=metrics.labels.model_dump() if metrics.labels is not None else {},
    )
