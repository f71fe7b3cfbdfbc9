"""The steps of the long-video state machine: ``{"step": ..., ...}`` → one step of a long video.

A thin adapter: parse the task's payload (:class:`voice.aws.long_videos.StepEvent`), run the step
(:func:`voice.aws.long_videos.run_step`), answer with small JSON (keys, indices, counts). Log
lines carry the step, the index and the patient's keyed reference only. Errors leave as the
step's own (``StepFailed``, ``StepRetryable``, ``PatientBusyError``: the state machine retries or
records by these names; their messages hold no data) or as :class:`lambdas.handler_errors.HandlerError`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.env import LongVideoEnv, load_env, video_store
from lambdas.handler_errors import HandlerError
from voice.aws import clients
from voice.aws.long_video_flow import PlanOutput, StepEvent
from voice.aws.long_videos import PatientBusyError, StepFailed, StepRetryable, run_step
from voice.config import get_settings

__all__ = ["handler"]

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    env = load_env(LongVideoEnv)
    try:
        step = StepEvent.model_validate(event)
    except ValueError:  # pydantic's message would quote the payload, keys and all
        raise HandlerError("ValidationError (patient ?)") from None
    where = {"step": step.step, "index": step.index, "patient_ref": step.patient_ref}
    try:
        result = run_step(
            video_store(env.videos_bucket, env.patients_bucket, env.data_key_arn),
            step,
            settings=get_settings(),
            sfn=clients.stepfunctions,
            per_patient=env.long_videos_per_patient,
        )
    except (StepFailed, StepRetryable, PatientBusyError) as exc:  # their messages hold no data
        logger.warning("long-video step failed", extra={**where, "error_type": type(exc).__name__})
        raise
    except Exception as exc:  # e.g. a client error of the admission: its type only
        logger.error("long-video step failed", extra={**where, "error_type": type(exc).__name__})
        raise HandlerError(f"{type(exc).__name__} (patient {step.patient_ref})") from None
    segments = len(result.segments) if isinstance(result, PlanOutput) else 0
    logger.info("long-video step done", extra={**where, "segments": segments})
    return result.model_dump()
