"""The environment of each handler as a small pydantic model, read and validated once per cold start,
and the per-container store and patient references built from it.

Variable names are the core's (``VOICE_*``, see :class:`voice.config.Settings`), so the core's own
settings see the same values.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from voice.aws import clients
from voice.aws.ref_key import RefKeys
from voice.aws.s3 import S3Store

__all__ = [
    "METRICS_NAMESPACE",
    "AnalyzeEnv",
    "GateEnv",
    "LabelsEnv",
    "LongVideoEnv",
    "PromoteEnv",
    "VideoProcessorEnv",
    "load_env",
    "patients_store",
    "ref_keys",
    "video_store",
]


#: CloudWatch namespace of the handlers' metrics (the stack sets POWERTOOLS_METRICS_NAMESPACE too).
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "VOICE")


class _Env(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOICE_", extra="ignore", frozen=True)


class _Writer(_Env):
    """A handler that writes to the buckets: with the stack's data key (the buckets refuse others)."""

    data_key_arn: str = ""


class VideoProcessorEnv(_Writer):
    videos_bucket: str = Field(min_length=3)
    patients_bucket: str = Field(min_length=3)
    ref_secret_arn: str = Field(min_length=3)
    #: The long-video state machine (empty: every video in one invocation, as far as time allows).
    long_video_state_machine_arn: str = ""
    #: The upload queue's maxReceiveCount: the delivery that is the last attempt at an upload.
    upload_max_receives: int = Field(3, ge=1)
    #: Seconds before the timeout when the run's timeout record is written (voice.aws.stop_guard).
    stop_guard_s: float = Field(10.0, gt=0)


class LongVideoEnv(_Writer):
    videos_bucket: str = Field(min_length=3)
    patients_bucket: str = Field(min_length=3)
    #: Long videos of one patient processed at once (``voice.aws.long_videos.admit``).
    long_videos_per_patient: int = Field(1, ge=1)


class GateEnv(_Env):
    history_table: str = Field(min_length=3)
    state_machine_arn: str = Field(pattern=r"^arn:aws[a-z-]*:states:")
    #: How long a lock may live at most: the state machine's timeout (set by the stack).
    gate_lock_s: float = Field(gt=0)
    ref_secret_arn: str = Field(min_length=3)
    #: Its session indexes start checks; its folders name the patient of a Recheck.
    patients_bucket: str = Field(min_length=3)


class LabelsEnv(_Writer):
    videos_bucket: str = Field(min_length=3)
    patients_bucket: str = Field(min_length=3)
    ref_secret_arn: str = Field(min_length=3)


class AnalyzeEnv(_Writer):
    patients_bucket: str = Field(min_length=3)


class PromoteEnv(_Writer):
    patients_bucket: str = Field(min_length=3)


E = TypeVar("E", bound=_Env)


@cache
def load_env(model: type[E]) -> E:
    """The handler's environment; a missing or malformed variable fails the cold start loudly."""
    return model()


@cache
def patients_store(bucket: str, kms_key: str = "") -> S3Store:
    """An S3Store over the patients bucket only (analyze and promote never touch videos)."""
    return S3Store(clients.s3(), videos_bucket="unused", patients_bucket=bucket, kms_key=kms_key)


@cache
def video_store(videos_bucket: str, patients_bucket: str, kms_key: str = "") -> S3Store:
    """Both buckets (the video processor reads uploads and writes samples)."""
    return S3Store(
        clients.s3(), videos_bucket=videos_bucket, patients_bucket=patients_bucket, kms_key=kms_key
    )


@cache
def ref_keys(secret_arn: str) -> RefKeys:
    """Patient references under the stack's key (read from Secrets Manager once per container)."""
    return RefKeys(clients.secretsmanager(), secret_arn)
