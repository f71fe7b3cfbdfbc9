"""The one VOICE stack: storage + processing + labels + training, and the outputs the CLI reads."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Annotations, CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components import Labels, LongVideos, Monitoring, Processing, Storage, Training
from voice.aws.outputs import STACK_OUTPUTS

__all__ = ["BASE_NOT_PINNED", "ROOT", "VoiceStack", "base_image_build_args"]

#: The build context of both images: the repository root (filtered by .dockerignore).
ROOT = Path(__file__).resolve().parents[1]
#: The id of the synth warning for a base image without a digest (``cdk deploy --strict`` refuses it).
BASE_NOT_PINNED = "voice:base-image-not-pinned"
_DIGEST = re.compile(r"[^\s@]+@sha256:[0-9a-f]{64}")


def base_image_build_args(base_image: str | None) -> tuple[dict[str, str] | None, str | None]:
    """The images' build arguments for ``base_image``, and a warning when it has no digest.

    ``None`` keeps the Dockerfiles' default (``python:3.11-slim``, a tag: it moves); a name without a
    digest is used as given, with the warning. A value with ``@`` that is not
    ``NAME[:TAG]@sha256:<64 hex digits>`` raises ``ValueError`` (a typo must not pass as a pin)."""
    if base_image and "@" in base_image and not _DIGEST.fullmatch(base_image):
        raise ValueError(f"baseImage {base_image!r} is not NAME[:TAG]@sha256:<64 lowercase hex digits>")
    args = {"BASE_IMAGE": base_image} if base_image else None
    if base_image and _DIGEST.fullmatch(base_image):
        return args, None
    named = base_image or "python:3.11-slim, the Dockerfiles' default"
    warning = (
        f"The images' base ({named}) is not pinned by digest: a tag can move between two deploys. "
        "Deploy with -c baseImage=python:3.11-slim@sha256:<digest> (docs/cloud.md, 'Supply chain'); "
        "`cdk deploy --strict` refuses to deploy while this warning stands."
    )
    return args, warning


class VoiceStack(Stack):
    """Everything VOICE needs in one account and region. Environment values are keyword-only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        retain_data: bool = True,
        video_memory_mib: int = 3538,  # 2 vCPU: docs/cloud.md, "Sizing the video Lambda"
        video_timeout_s: int = 900,
        video_ephemeral_storage_mib: int = 4096,
        video_max_concurrency: int = 5,
        long_video_map_concurrency: int = 10,
        long_video_reserved_concurrency: int | None = 20,
        long_videos_per_patient: int = 1,
        training_cooldown_s: int = 3600,
        training_instance_type: str = "m5.large",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        base_image: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # An encrypted queue target then accepts events from this account's rules only (else any).
        self.node.set_context("@aws-cdk/aws-events:eventsTargetQueueSameAccount", True)
        removal = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY

        # Docker assets are staged at synth and built only by `cdk deploy`, both on one base.
        build_args, warning = base_image_build_args(base_image)
        if warning:
            Annotations.of(self).add_warning_v2(BASE_NOT_PINNED, warning)
        handler_image = ecr_assets.DockerImageAsset(
            self,
            "HandlerImage",
            directory=str(ROOT),
            file="docker/lambda.Dockerfile",
            platform=ecr_assets.Platform.LINUX_AMD64,
            build_args=build_args,
        )
        training_image = ecr_assets.DockerImageAsset(
            self,
            "TrainingImage",
            directory=str(ROOT),
            file="docker/training.Dockerfile",
            platform=ecr_assets.Platform.LINUX_AMD64,
            build_args=build_args,
        )

        self.storage = Storage(self, "Storage", removal_policy=removal)
        self.monitoring = Monitoring(self, "Monitoring", key=self.storage.key)
        self.processing = Processing(
            self,
            "Processing",
            storage=self.storage,
            image=handler_image,
            event_dead_letters=self.monitoring.event_dead_letters,
            memory_mib=video_memory_mib,
            timeout_s=video_timeout_s,
            ephemeral_storage_mib=video_ephemeral_storage_mib,
            max_concurrency=video_max_concurrency,
            log_retention=log_retention,
            removal_policy=removal,
        )
        # Videos longer than settings.segment_above_s: in segments, by a state machine.
        self.long_videos = LongVideos(
            self,
            "LongVideos",
            storage=self.storage,
            image=handler_image,
            memory_mib=video_memory_mib,
            map_concurrency=long_video_map_concurrency,
            reserved_concurrency=long_video_reserved_concurrency,
            per_patient=long_videos_per_patient,
            log_retention=log_retention,
            removal_policy=removal,
        )
        self.processing.function.add_environment(
            "VOICE_LONG_VIDEO_STATE_MACHINE_ARN", self.long_videos.state_machine.state_machine_arn
        )
        self.long_videos.grant_start(self.processing.function)
        self.training = Training(
            self,
            "Training",
            storage=self.storage,
            image=handler_image,
            training_image=training_image,
            event_dead_letters=self.monitoring.event_dead_letters,
            cooldown_s=training_cooldown_s,
            instance_type=training_instance_type,
            log_retention=log_retention,
            removal_policy=removal,
        )

        # A reviews file written: the session's samples follow its labels (then the gate, as above).
        self.labels = Labels(
            self,
            "Labels",
            storage=self.storage,
            image=handler_image,
            event_dead_letters=self.monitoring.event_dead_letters,
            log_retention=log_retention,
            removal_policy=removal,
        )

        self._watch()
        values = {
            "VideosBucket": self.storage.videos.bucket_name,
            "PatientsBucket": self.storage.patients.bucket_name,
            "StateMachineArn": self.training.state_machine.state_machine_arn,
            "LongVideoStateMachineArn": self.long_videos.state_machine.state_machine_arn,
            "HistoryTable": self.training.table.table_name,
            "RefKeySecretArn": self.storage.ref_secret.secret_arn,
            "UploadQueueUrl": self.processing.queue.queue_url,
            "DataKeyArn": self.storage.key.key_arn,
            "GateLockSeconds": str(int(self.training.execution_timeout.to_seconds())),
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
        }
        # One list of outputs (voice.aws.outputs), read by `voice cloud` too.
        for output in STACK_OUTPUTS:
            setting = f" (VOICE_{output.setting.upper()})" if output.setting else ""
            CfnOutput(self, output.name, value=values[output.name], description=output.description + setting)

    def _watch(self) -> None:
        watch = self.monitoring
        watch.watch_dead_letters("UploadDeadLetters", self.processing.dead_letter_queue)
        watch.watch_dead_letters("GateDeadLetters", self.training.gate_dead_letters)
        watch.watch_dead_letters("LabelsDeadLetters", self.labels.dead_letters)
        watch.watch_function("Labels", self.labels.function)
        watch.watch_function("VideoProcessor", self.processing.function)
        watch.watch_state_machine("Training", self.training.state_machine)
        # Its steps function's throttles are expected (reserved concurrency) and retried: no alarm.
        watch.watch_state_machine("LongVideos", self.long_videos.state_machine)
