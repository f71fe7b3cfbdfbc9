"""Step Functions task after a training job: unpack the run, promote it if it beats the baseline.

Input ``{"patient", "training_job_name", "model_artifacts": "s3://<patients>/models/<patient>/<job>/output/model.tar.gz"}``.
The job's ``model.tar.gz`` (training/train.py's SM_MODEL_DIR) and, when present, its
``output.tar.gz`` (SM_OUTPUT_DATA_DIR) are unpacked to ``models/<patient>/<run-id>/`` — the same
run layout ``voice train`` writes locally. The promotion rule is the core's
(:func:`voice.model.promotion`); ``models/<patient>/latest.json`` is written only when it passes.
"""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, PromoteEnv, load_env, patient_ref

__all__ = ["handler", "promote", "split_s3_uri"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)

#: Files a run may hold (DESIGN §6); anything else in an archive is ignored.
RUN_FILES = frozenset(
    {
        "model.skops",
        "metrics.json",
        "training_sessions.json",
        "confusion_matrix.png",
        "feature_importance.png",
        "report.html",
        "model.tar.gz",
    }
)
_CONTENT_TYPES = {".json": "application/json", ".png": "image/png", ".html": "text/html"}


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def _members(data: bytes) -> dict[str, bytes]:
    """Regular files at the archive's top level whose names are run files (no paths, no links)."""
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("./")
            if member.isfile() and name in RUN_FILES:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[name] = extracted.read()
    return files


def promote(
    store: Any,
    patient: str,
    *,
    bucket: str,
    model_artifacts: str,
    training_job_name: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    from voice import layout
    from voice.errors import ModelError
    from voice.model import promotion

    layout.validate_name(patient, what="patient name")
    art_bucket, art_key = split_s3_uri(model_artifacts)
    if art_bucket != bucket or not art_key.startswith(layout.models_prefix(patient)):
        raise ModelError("the training output is not under this patient's models/ prefix; not promoted.")

    files = _members(store.read(layout.PATIENTS, art_key))
    output_key = art_key.rsplit("/", 1)[0] + "/output.tar.gz"
    if store.exists(layout.PATIENTS, output_key):
        for name, data in _members(store.read(layout.PATIENTS, output_key)).items():
            files.setdefault(name, data)
    if "metrics.json" not in files or "model.skops" not in files:
        raise ModelError(f"training job {training_job_name} left no model.skops/metrics.json; not promoted.")

    metrics_doc = json.loads(files["metrics.json"])
    run_id = str(metrics_doc.get("run_id") or training_job_name)
    keys = {}
    for name, data in sorted(files.items()):
        key = layout.model_artifact_key(patient, run_id, name)
        store.write(layout.PATIENTS, key, data, content_type=_CONTENT_TYPES.get(name[name.rfind(".") :]))
        keys[name] = key

    promoted, reason = promotion(metrics_doc)
    if promoted:
        now = now or datetime.now(UTC)
        pointer = {
            "run_id": run_id,
            "model": keys["model.skops"],
            "metrics": keys["metrics.json"],
            "balanced_accuracy": metrics_doc["balanced_accuracy"]["mean"],
            "baseline": metrics_doc["baseline"]["balanced_accuracy"],
            "promoted_at": now.astimezone(UTC).isoformat(),
            "training_job_name": training_job_name,
        }
        store.write(
            layout.PATIENTS,
            layout.latest_model_key(patient),
            json.dumps(pointer, indent=2).encode(),
            content_type="application/json",
        )
    return {"promoted": promoted, "reason": reason, "run_id": run_id}


_store: Any = None


def _get_store(bucket: str) -> Any:
    global _store
    if _store is None:
        import boto3

        from voice.storage import S3Store

        _store = S3Store(boto3.client("s3"), videos_bucket="unused", patients_bucket=bucket)
    return _store


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(PromoteEnv)
    patient = str(event.get("patient", ""))
    result = promote(
        _get_store(env.patients_bucket),
        patient,
        bucket=env.patients_bucket,
        model_artifacts=str(event["model_artifacts"]),
        training_job_name=str(event["training_job_name"]),
    )
    logger.info("training run", extra={"patient_ref": patient_ref(patient), "promoted": result["promoted"]})
    metrics.add_metric(
        name="ModelsPromoted" if result["promoted"] else "ModelsNotPromoted", unit=MetricUnit.Count, value=1
    )
    return result
