"""Step Functions task after a training job: unpack the run, promote it if it beats the baseline.

Input :class:`voice.aws.flow.PromoteInput`; output :class:`voice.aws.flow.PromoteOutput`. The
job's ``model.tar.gz`` (training/train.py's SM_MODEL_DIR) and, when present, its
``output.tar.gz`` (SM_OUTPUT_DATA_DIR), both below the run's staging output
``work/training/<patient ref>/<stage>/output/``, are unpacked to ``models/<patient>/<run-id>/`` —
the same run layout ``voice train`` writes locally (:mod:`voice.aws.artifacts`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, PromoteEnv, load_env, patients_store
from lambdas.handler_errors import clean_errors
from voice.aws.flow import PromoteInput, PromoteOutput
from voice.errors import ModelError
from voice.storage import Store

__all__ = ["handler", "promote", "split_s3_uri"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError("not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def promote(store: Store, job: PromoteInput, *, bucket: str, now: datetime | None = None) -> PromoteOutput:
    """The job's artifacts must be in this stack's patients bucket; the core does the rest."""
    from voice.aws.artifacts import promote_training_output  # numpy: kept off the handler's import

    art_bucket, art_key = split_s3_uri(job.model_artifacts)
    if art_bucket != bucket:
        raise ModelError("the training output is not in the patients bucket; not promoted.")
    result = promote_training_output(
        store, job.patient, ref=job.patient_ref, model_key=art_key, job_name=job.training_job_name, now=now
    )
    return PromoteOutput.model_validate(result)


def _ref(event: dict[str, Any], *_: object) -> str:
    return str(event["patient_ref"])


@logger.inject_lambda_context
@metrics.log_metrics
@clean_errors(logger, _ref)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(PromoteEnv)
    job = PromoteInput.model_validate(event)
    result = promote(patients_store(env.patients_bucket, env.data_key_arn), job, bucket=env.patients_bucket)
    logger.info("training run", extra={"patient_ref": job.patient_ref, "promoted": result.promoted})
    metrics.add_metric(
        name="ModelsPromoted" if result.promoted else "ModelsNotPromoted", unit=MetricUnit.Count, value=1
    )
    return result.model_dump()
