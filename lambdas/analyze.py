"""Step Functions task: is the patient ready for training? ``voice.model.gate.decide`` over the S3 listing.

Input :class:`voice.aws.flow.AnalyzeEvent` (the execution input and name), output
:class:`voice.aws.flow.AnalyzeOutput`: the decision, strings ready for the history row, the
SageMaker job's name, URIs and ``force`` hyperparameter, the cooldown, and whether the gate
started the execution. The job name is deterministic in the execution: a retried task asks for
the same job. When the patient is ready, the samples are staged under the patient's keyed
reference (:mod:`voice.aws.training_stage`): the job's URIs name no patient. Nothing returned or
logged names the patient.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import METRICS_NAMESPACE, AnalyzeEnv, load_env, patients_store
from lambdas.handler_errors import clean_errors
from voice import layout
from voice.aws.flow import AnalyzeEvent, AnalyzeOutput
from voice.config import get_settings
from voice.model import gate

if TYPE_CHECKING:
    from voice.aws.s3 import S3Store

__all__ = ["analyze", "handler", "training_job_name"]

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def _execution_digest(execution: str) -> str:
    return hashlib.sha256(execution.encode()).hexdigest()[:20]


def training_job_name(ref: str, execution: str) -> str:
    """``voice-<patient ref>-<execution hash>``: ≤ 63 characters of [a-z0-9-], no patient name."""
    return f"voice-{ref[:16]}-{_execution_digest(execution)}"


def analyze(
    store: S3Store, event: AnalyzeEvent, *, bucket: str, now: datetime | None = None
) -> AnalyzeOutput:
    from voice.aws.training_stage import stage_training_data
    from voice.model.registry import last_run_at

    run = event.input
    patient = layout.stored_name(run.patient, what="patient name")
    settings = get_settings()
    listing = [obj.key for obj in store.list(layout.PATIENTS, layout.patient_prefix(patient))]
    decision = gate.decide(
        listing,
        now=now or datetime.now(UTC),
        last_run_at=last_run_at(store, patient),
        settings=settings,
        force=run.force,
    )
    stage = layout.training_stage_prefix(run.patient_ref, _execution_digest(event.execution))
    if decision.train:
        staged = stage_training_data(store, patient, run.patient_ref, _execution_digest(event.execution))
        logger.info("training data staged", extra={"patient_ref": run.patient_ref, "objects": staged.objects})
    return AnalyzeOutput(
        train=decision.train,
        reasons_text="; ".join(decision.reasons),
        counts_json=json.dumps(decision.counts, sort_keys=True),
        training_job_name=training_job_name(run.patient_ref, event.execution),
        train_uri=f"s3://{bucket}/{stage}samples/",
        output_uri=f"s3://{bucket}/{stage}output/",
        force="true" if run.force else "false",
        gate=run.gate,
        cooldown_s=int(settings.gate_cooldown_s),
    )


def _ref(event: dict[str, Any], *_: object) -> str:
    return str(event["input"]["patient_ref"])


@logger.inject_lambda_context
@metrics.log_metrics
@clean_errors(logger, _ref)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(AnalyzeEnv)
    parsed = AnalyzeEvent.model_validate(event)
    result = analyze(
        patients_store(env.patients_bucket, env.data_key_arn), parsed, bucket=env.patients_bucket
    )
    logger.info(
        "training decision",
        extra={"patient_ref": parsed.input.patient_ref, "train": result.train, "counts": result.counts_json},
    )
    metrics.add_metric(
        name="TrainingReady" if result.train else "TrainingSkipped", unit=MetricUnit.Count, value=1
    )
    return result.model_dump()
