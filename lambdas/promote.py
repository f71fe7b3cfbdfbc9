"""Step Functions task after a training job: unpack the run, promote it if it beats the baseline.

Input ``{"patient", "training_job_name", "model_artifacts": "s3://<patients>/models/<patient>/<job>/output/model.tar.gz"}``.
The job's ``model.tar.gz`` (training/train.py's SM_MODEL_DIR) and, when present, its
``output.tar.gz`` (SM_OUTPUT_DATA_DIR) are unpacked to ``models/<patient>/<run-id>/`` — the same
run layout ``voice train`` writes locally. The promotion rule is the core's
(:func:`voice.evaluation.promotion`); ``models/<patient>/latest.json`` is written only when it passes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, PromoteEnv, load_env, patient_ref, patients_store

__all__ = ["handler", "promote", "split_s3_uri"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def promote(
    store: Any,
    patient: str,
    *,
    bucket: str,
    model_artifacts: str,
    training_job_name: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The job's artifacts must be in this stack's patients bucket; the core does the rest."""
    from voice.errors import ModelError
    from voice.runs import promote_training_output

    art_bucket, art_key = split_s3_uri(model_artifacts)
    if art_bucket != bucket:
        raise ModelError("the training output is not in the patients bucket; not promoted.")
    return promote_training_output(store, patient, model_key=art_key, job_name=training_job_name, now=now)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(PromoteEnv)
    patient = str(event.get("patient", ""))
    result = promote(
        patients_store(env.patients_bucket),
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
