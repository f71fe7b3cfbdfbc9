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
from voice.model.registry import last_run_at, make_run_id, store_run, tarball
from voice.model.report import confusion_matrix_png, feature_importance_png, render_run_report
from voice.pose.body25 import PoseFrame, pose_from_json
from voice.records.training import FeatureCounts, GateRecord, TrainingMetrics
from voice.storage import Store

__all__ = ["Sample", "TrainResult", "samples_from_store", "train_patient"]

log = logging.getLogger("voice")

#: Concurrent reads of pose files (S3 round trips).
READ_WORKERS = 8


@dataclass(frozen=True)
class Sample:
    """One training sample: the poses of one event window of one video."""

    emotion: str
    session: str
    event_index: int
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
    balanced_accuracy: dict[str, float] | None = None
    baseline: float | None = None
    artifacts: dict[str, str] = field(default_factory=dict)  # file name → key in the patients bucket
    seconds: float = 0.0
    #: Feature group → how much it adds to the CV balanced accuracy (with it − without it).
    group_adds: dict[str, float] = field(default_factory=dict)

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
            "feature_groups_add": {g: round(v, 4) for g, v in self.group_adds.items()},
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


def _run_files(
    patient: str, metrics: TrainingMetrics, model_bytes: bytes, samples: Sequence[Sample], settings: Settings
) -> dict[str, bytes]:
    """A run's files (all but the tarball): model, metrics, plots, sessions, report."""
    cm = metrics.confusion_matrix
    importances = metrics.feature_importance.values
    files: dict[str, bytes] = {
        "model.skops": model_bytes,
        "metrics.json": json.dumps(metrics.json_doc(), indent=2, sort_keys=False).encode(),
        "confusion_matrix.png": confusion_matrix_png(np.array(cm.matrix), cm.labels),
        "feature_importance.png": feature_importance_png(
            list(importances), list(importances.values()), groups=[group_of(n) for n in importances]
        ),
        "training_sessions.json": json.dumps(_training_sessions(samples), indent=2).encode(),
    }
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
    model = train_model(features, labels, groups, settings=settings, run_id=run_id)
    assert model.metrics is not None
    metrics = model.metrics.model_copy(
        update={
            "gate": GateRecord.model_validate(decision.to_dict()),
            "trained_at": now.astimezone(UTC).isoformat(),
            "features": FeatureCounts(
                count=len(FEATURE_NAMES),
                groups={g: len(names) for g, names in FEATURE_GROUPS.items()},
                doc="docs/features.md",
            ),
        }
    )
    contributions = group_contributions(
        features, labels, groups, settings=settings, feature_names=FEATURE_NAMES, metrics=metrics
    )
    metrics.feature_groups = contributions
    model = replace(model, metrics=metrics)
    files = _run_files(patient, metrics, dump_model(model), samples, settings)
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
        balanced_accuracy={"mean": ba.mean, "std": ba.std},
        baseline=metrics.baseline.balanced_accuracy,
        artifacts=artifacts,
        seconds=time.perf_counter() - t0,
        group_adds={g: v.adds for g, v in contributions.groups.items()},
    )
