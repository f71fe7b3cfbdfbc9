"""The video function killed as Lambda kills it, and every upload still gets its failure record.

Too little memory: the container's memory cap makes the kernel kill the runtime mid-run (no code
of ours runs after that); on the last delivery the provisional record written first stays.
Too little time: the Runtime API's deadline passes and the sandbox is stopped there; the
watchdog wrote the timeout record shortly before. Same image, same handler, same sandbox as
test_lambda_image.py, only the two limits lowered (voice/aws/stop_guard.py, docs/cloud.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.images.conftest import PATIENT, RESULTS, VIDEOS_BUCKET, Images
from tests.images.sandbox import FunctionConfig, HostLink, LambdaRun, lambda_container
from tests.support import media
from tests.support.aws import sqs_record
from voice import layout

SAMPLE = "garden.mp4"
#: What must never show in a log line or a record outside the message it owns.
SECRETS = ("Maria", "Example", "happy")


def _upload(aws: dict[str, Any], name: str, video: Path | None = None) -> str:
    from voice.run.demo import samples_dir

    key = f"{PATIENT}/{name}"
    aws["s3"].upload_file(str(video or samples_dir() / SAMPLE), VIDEOS_BUCKET, key)
    return key


def _record(aws: dict[str, Any], key: str) -> dict[str, Any] | None:
    try:
        body = aws["s3"].get_object(Bucket=VIDEOS_BUCKET, Key=layout.failure_key(*key.split("/")))["Body"]
    except aws["s3"].exceptions.NoSuchKey:
        return None
    return dict(json.loads(body.read()))


def _run(
    images: Images,
    config: FunctionConfig,
    event: dict[str, Any],
    *,
    link: HostLink,
    refs: dict[str, str],
    env: dict[str, str],
) -> tuple[LambdaRun, str]:
    with lambda_container(images.tag("lambda"), config, link=link, refs=refs, extra_env=env) as fn:
        fn.wait_for_init(timeout_s=300)
        ending = fn.invoke_to_the_end(event, timeout_s=config.timeout_s)
    return fn, ending


def _video_function(images: Images) -> FunctionConfig:
    return FunctionConfig.from_template(images.template(), "lambdas.video_processor.handler")


@pytest.mark.slow
def test_a_run_killed_for_its_memory_on_the_last_delivery_leaves_a_record(
    images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any], tmp_path: Path
) -> None:
    # 1080p: its frames (decoded, and the 720p copy's in the pass's queues) need more than 384 MB
    # beside the models, while start-up and the provisional record fit (a bundled 480×360 sample
    # has come to fit as the pass got lighter).
    video = media.long_narrated_video(tmp_path / "memory.mp4", 20, 1920, 1080, preset="ultrafast")
    key = _upload(aws, "memory visit.mp4", video)
    config = replace(_video_function(images), memory_mb=384)
    event = {"Records": [sqs_record(VIDEOS_BUCKET, key, "m-memory", receive_count=3)]}
    fn, ending = _run(images, config, event, link=link, refs=refs, env={"AWS_ENDPOINT_URL": aws["endpoint"]})
    RESULTS["lambda"]["memory_kill"] = {"ending": ending, "exit_code": fn.exit_code}
    assert ending == "killed", fn.logs[-3000:]
    assert fn.oom_killed, (fn.exit_code, fn.logs[-2000:])
    record = _record(aws, key)
    assert record is not None, "the provisional record of the last delivery stays"
    assert record["error_type"] == "RunStoppedError"
    assert "memory limit (384 MB" in record["message"]
    assert "last of 3 attempts" in record["message"]
    for secret in SECRETS:
        assert secret.lower() not in fn.logs.lower(), secret


@pytest.mark.slow
def test_a_run_stopped_at_its_deadline_has_recorded_the_timeout(
    images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any], tmp_path: Path
) -> None:
    # A minute of video on 0.87 vCPU in 8 s: the run cannot finish, however fast it gets (a
    # bundled 10 s sample came to finish in 7 s); the budget check is told it can (else it would
    # refuse the video at once, or hand it to the long-video state machine).
    key = _upload(aws, "time visit.mp4", media.long_narrated_video(tmp_path / "time.mp4", 60))
    config = replace(_video_function(images), memory_mb=1536, timeout_s=8)
    env = {
        "AWS_ENDPOINT_URL": aws["endpoint"],
        "VOICE_STOP_GUARD_S": "4",
        "VOICE_BUDGET_FIXED_S": "0",
        "VOICE_BUDGET_RTF": "0.001",
        "VOICE_BUDGET_RTF_PER_MPX_S": "0",
        "VOICE_LONG_VIDEO_STATE_MACHINE_ARN": "",
    }
    event = {"Records": [sqs_record(VIDEOS_BUCKET, key, "m-time", receive_count=1)]}
    fn, ending = _run(images, config, event, link=link, refs=refs, env=env)
    RESULTS["lambda"]["timeout_stop"] = {"ending": ending}
    assert ending == "timed out", fn.logs[-3000:]
    record = _record(aws, key)
    assert record is not None, fn.logs[-3000:]
    assert record["error_type"] == "RunTimeoutError"
    limit = re.search(r"time limit \((\d+) s\)", record["message"])
    assert limit is not None
    assert 7 <= int(limit.group(1)) <= 8
    assert "Attempt 1 of 3: it is tried again." in record["message"]
    assert not fn.oom_killed
    for secret in SECRETS:
        assert secret.lower() not in fn.logs.lower(), secret
