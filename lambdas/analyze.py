"""Step Functions task: is the patient ready for training? ``voice.gate.decide`` over the S3 listing.

Input ``{"input": <execution input: {"patient", "force"?}>, "execution": <execution name>}``.
Output: the decision, strings ready for the history row, the SageMaker job's name, URIs and
``force`` hyperparameter, the cooldown, and whether the gate started the execution (``gate``).
The job name is deterministic in (patient, execution): a retried task asks for the same job.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, AnalyzeEnv, load_env, patient_ref, patients_store

__all__ = ["analyze", "handler", "training_job_name"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def training_job_name(patient: str, execution: str) -> str:
    """``voice-<patient ref>-<execution hash>``: ≤ 63 characters of [a-z0-9-], no patient name."""
    digest = hashlib.sha256(f"{patient}\n{execution}".encode()).hexdigest()[:20]
    return f"voice-{patient_ref(patient)[:8]}-{digest}"


def analyze(
    store: Any, patient: str, *, execution: str, bucket: str, force: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    from voice import gate, layout
    from voice.config import get_settings
    from voice.runs import last_run_at

    patient = layout.validate_name(patient, what="patient name")
    now = now or datetime.now(UTC)
    settings = get_settings()
    listing = [obj.key for obj in store.list(layout.PATIENTS, layout.patient_prefix(patient))]
    decision = gate.decide(
        listing, now=now, last_run_at=last_run_at(store, patient), settings=settings, force=force
    )
    return {
        # For the training job: SageMaker hyperparameters are strings, and train.py reads "true".
        "force": "true" if force else "false",
        "cooldown_s": int(settings.gate_cooldown_s),
        "train": decision.train,
        "reasons": list(decision.reasons),
        "reasons_text": "; ".join(decision.reasons),
        "counts": dict(decision.counts),
        "counts_json": json.dumps(decision.counts, sort_keys=True),
        "training_job_name": training_job_name(patient, execution),
        "train_uri": f"s3://{bucket}/{layout.patient_prefix(patient)}",
        "output_uri": f"s3://{bucket}/{layout.models_prefix(patient)}",
    }


def _flag(execution_input: dict[str, Any], name: str) -> bool:
    """``true`` as JSON or as text (a console start); anything else is false."""
    return str(execution_input.get(name, False)).strip().lower() == "true"


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(AnalyzeEnv)
    execution_input = event.get("input") or {}
    patient = str(execution_input.get("patient", ""))
    result = analyze(
        patients_store(env.patients_bucket),
        patient,
        execution=str(event.get("execution", "")),
        bucket=env.patients_bucket,
        force=_flag(execution_input, "force"),
    )
    # Started by the gate: this execution owns the patient's lock and releases it at its end.
    result["gate"] = _flag(execution_input, "gate")
    logger.info(
        "training decision",
        extra={"patient_ref": patient_ref(patient), "train": result["train"], "counts": result["counts"]},
    )
    metrics.add_metric(
        name="TrainingReady" if result["train"] else "TrainingSkipped", unit=MetricUnit.Count, value=1
    )
    return result
