"""The deployed stack's outputs: one list, used by ``infra/stack.py`` to declare them and by
``voice cloud`` to find the resources (``docs/cloud.md``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from voice.aws.access import error_code
from voice.config import Settings, get_settings
from voice.errors import CloudSetupError, ConfigError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

__all__ = ["STACK_OUTPUTS", "CloudNames", "StackOutput", "resolve_names", "stack_outputs"]


@dataclass(frozen=True)
class StackOutput:
    """One output: its name, the setting it fills (``VOICE_<SETTING>``, None: information only)."""

    name: str
    setting: str | None
    description: str


STACK_OUTPUTS: tuple[StackOutput, ...] = (
    StackOutput(
        "VideosBucket", "videos_bucket", "upload videos to <patient>/<file>; outputs under annotated/"
    ),
    StackOutput("PatientsBucket", "patients_bucket", "training samples and models"),
    StackOutput("StateMachineArn", "state_machine_arn", "the training flow (voice cloud train)"),
    StackOutput(
        "LongVideoStateMachineArn",
        "long_video_state_machine_arn",
        "long videos in segments (voice cloud status lists the patient's)",
    ),
    StackOutput("HistoryTable", "history_table", "training history rows and the gate's lock"),
    StackOutput("RefKeySecretArn", "ref_secret_arn", "key of the patient references in logs and names"),
    StackOutput("UploadQueueUrl", None, "the video Lambda's queue"),
    StackOutput(
        "DataKeyArn",
        "data_key_arn",
        "VOICE data key: every write is encrypted with it; voice cloud users need Decrypt, GenerateDataKey",
    ),
    StackOutput(
        "GateLockSeconds",
        "gate_lock_s",
        "how long a training run may hold a patient's lock at most (voice cloud train takes it too)",
    ),
    StackOutput("AlarmTopicArn", None, "alarms (dead letters, video errors, failed training): subscribe"),
)


@dataclass(frozen=True)
class CloudNames:
    """Real names of the deployed resources ``voice cloud`` uses."""

    videos_bucket: str
    patients_bucket: str
    state_machine_arn: str
    history_table: str
    ref_secret_arn: str
    long_video_state_machine_arn: str = ""  # optional: stacks deployed before long videos lack it
    data_key_arn: str = ""  # writes ask for SSE-KMS with it (the buckets refuse others)
    gate_lock_s: str = ""  # the training lock's longest hold (else the setting's default)


_OPTIONAL = {"long_video_state_machine_arn", "data_key_arn", "gate_lock_s"}


def stack_outputs(cloudformation: CloudFormationClient, stack_name: str) -> dict[str, str]:
    """``OutputKey → OutputValue`` of a deployed stack."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if error_code(exc) != "ValidationError":  # access denied etc.: see aws_errors
            raise
        raise CloudSetupError(
            f"stack {stack_name!r} is not deployed in {cloudformation.meta.region_name}: deploy it "
            "(npx cdk deploy), or set AWS_REGION to the stack's region and VOICE_STACK_NAME to its name."
        ) from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputKey" in o}


def _from_settings(settings: Settings, wanted: list[str]) -> dict[str, str]:
    return {
        f: str(getattr(settings, f))
        for f in wanted
        if f in settings.model_fields_set and getattr(settings, f)
    }


def resolve_names(
    settings: Settings | None = None, *, cloudformation: CloudFormationClient | Any
) -> CloudNames:
    """Names from explicitly set settings; anything not set comes from the stack outputs."""
    settings = settings or get_settings()
    wanted = [f.name for f in fields(CloudNames)]
    chosen = _from_settings(settings, wanted)
    if len(chosen) < len(wanted):
        outputs: Mapping[str, str] = stack_outputs(cloudformation, settings.stack_name)
        for output in STACK_OUTPUTS:
            if output.setting in wanted and output.setting not in chosen and output.name in outputs:
                chosen[output.setting] = outputs[output.name]
    absent = [f for f in wanted if f not in chosen and f not in _OPTIONAL]
    if absent:
        raise ConfigError(f"stack {settings.stack_name!r} has no output for {', '.join(absent)}.")
    return CloudNames(**chosen)
