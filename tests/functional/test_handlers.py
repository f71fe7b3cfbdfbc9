"""The video-processor Lambda over moto S3 with the real pipeline: a batch with a good and a corrupt video."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests import aws as aws_events

EVENTS = Path(__file__).resolve().parents[1] / "events"
REGION = "us-east-1"
VIDEOS = "voice-videos"
PATIENTS = "voice-patients"
PATIENT = "maria"

boto3 = pytest.importorskip("boto3")


class FakeContext(SimpleNamespace):
    function_name = "voice-video-processor"
    memory_limit_in_mb = 3538
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:voice-video-processor"
    aws_request_id = "req-1"
    remaining_ms = 900_000  # a fresh invocation of the 900 s function

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_ms)


def sqs_record(key: str, message_id: str) -> dict[str, Any]:
    """An SQS record whose body is the EventBridge S3 event for ``videos/<key>``."""
    return aws_events.sqs_record(VIDEOS, key, message_id)


def snapshot(s3: Any) -> dict[str, str]:
    """Every object in both buckets → sha256 of its content."""
    out = {}
    for bucket in (VIDEOS, PATIENTS):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                out[f"{bucket}/{obj['Key']}"] = hashlib.sha256(body).hexdigest()
    return out


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, samples_dir: Path) -> Iterator[Any]:
    from moto import mock_aws

    from lambdas import env, video_processor
    from voice.config import get_settings

    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VOICE_VIDEOS_BUCKET": VIDEOS,
        "VOICE_PATIENTS_BUCKET": PATIENTS,
        "POWERTOOLS_SERVICE_NAME": "voice-video-processor",
    }.items():
        monkeypatch.setenv(name, value)
    env.load_env.cache_clear()
    get_settings.cache_clear()
    monkeypatch.setattr(video_processor, "_store", None)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (VIDEOS, PATIENTS):
            s3.create_bucket(Bucket=bucket)
        s3.upload_file(str(samples_dir / "balloon.mp4"), VIDEOS, f"{PATIENT}/balloon clip.mp4")
        s3.put_object(
            Bucket=VIDEOS, Key=f"{PATIENT}/broken.MP4", Body=b"\x00\x00\x00\x18ftypmp42" + b"\x17" * 4000
        )
        yield s3
    env.load_env.cache_clear()
    get_settings.cache_clear()


def test_batch_processes_the_good_video_and_reports_only_the_corrupt_one(
    aws: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from lambdas.video_processor import handler

    event = {
        "Records": [
            sqs_record(f"{PATIENT}/balloon clip.mp4", "good"),
            sqs_record(f"{PATIENT}/broken.MP4", "bad"),
        ]
    }
    with caplog.at_level("INFO"):  # the deployed level (POWERTOOLS_LOG_LEVEL=INFO)
        response = handler(event, FakeContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    # Logs name the patient and the session by hash only, and carry no transcript text: neither
    # in messages nor in the structured fields (``extra``) Powertools prints with them.
    logged = " ".join(f"{k}={v}" for record in caplog.records for k, v in vars(record).items()).lower()
    assert "video processed" in logged
    for secret in (PATIENT, "balloon", "surprised"):
        assert secret not in logged, secret

    keys = set(snapshot(aws))
    (metadata_key,) = [
        k for k in keys if k.startswith(f"{VIDEOS}/annotated/{PATIENT}/") and k.endswith("_metadata.json")
    ]
    metadata = json.loads(aws.get_object(Bucket=VIDEOS, Key=metadata_key.split("/", 1)[1])["Body"].read())
    assert metadata["status"] == "ok"
    assert metadata["source"]["key"] == f"{PATIENT}/balloon clip.mp4"
    assert [e["emotion"] for e in metadata["events"]] == ["surprise"]
    session = metadata["session"]
    for suffix in (".mp4", ".vtt", "_analysis.csv"):
        assert f"{VIDEOS}/annotated/{PATIENT}/{session}{suffix}" in keys
    assert any(k.startswith(f"{PATIENTS}/{PATIENT}/surprise/{session}_e") for k in keys)
    assert f"{PATIENTS}/{PATIENT}/.sessions/{session}.json" in keys
    # Nothing outside the allowed prefixes (the IAM policy would refuse it on AWS).
    assert not any(k.startswith(f"{PATIENTS}/models/") for k in keys)

    failure = json.loads(
        aws.get_object(Bucket=VIDEOS, Key=f"failed/{PATIENT}/broken.MP4.json")["Body"].read()
    )
    assert failure["source"]["key"] == f"{PATIENT}/broken.MP4"
    assert failure["error_type"]
    assert failure["stage"]


def test_a_batch_of_only_failures_reports_them_without_raising(aws: Any) -> None:
    from lambdas.video_processor import handler

    response = handler({"Records": [sqs_record(f"{PATIENT}/broken.MP4", "only")]}, FakeContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "only"}]}


def test_the_same_message_twice_gives_identical_outputs(aws: Any) -> None:
    from lambdas.video_processor import handler

    event = {"Records": [sqs_record(f"{PATIENT}/balloon clip.mp4", "m1")]}
    assert handler(copy.deepcopy(event), FakeContext()) == {"batchItemFailures": []}
    first = snapshot(aws)
    assert handler(copy.deepcopy(event), FakeContext()) == {"batchItemFailures": []}
    assert snapshot(aws) == first


@pytest.mark.parametrize("key", [f"annotated/{PATIENT}/x.mp4", f"{PATIENT}/sub/x.mp4", "models/x.mp4"])
def test_keys_that_are_not_uploads_are_acknowledged_not_retried(aws: Any, key: str) -> None:
    from lambdas.video_processor import handler

    response = handler({"Records": [sqs_record(key, "odd")]}, FakeContext())
    assert response == {"batchItemFailures": []}
    assert not any("/annotated/" in k and k.endswith("_metadata.json") for k in snapshot(aws))


def test_a_video_too_long_for_the_time_left_gets_a_failure_record_not_a_timeout(aws: Any) -> None:
    from lambdas.video_processor import handler
    from voice.budget import budget_rtf
    from voice.config import get_settings

    settings = get_settings()
    # 5.6 s of 480×360 25 fps video needs budget_fixed_s + 5.6 × its RTF seconds; give it less.
    remaining_s = settings.budget_fixed_s + 5.0 * budget_rtf(settings, 480 * 360 * 25 / 1e6)
    context = FakeContext(remaining_ms=remaining_s * 1000)
    response = handler({"Records": [sqs_record(f"{PATIENT}/balloon clip.mp4", "long")]}, context)
    assert response == {"batchItemFailures": []}, "acknowledged: a retry cannot make it fit"
    failure = json.loads(
        aws.get_object(Bucket=VIDEOS, Key=f"failed/{PATIENT}/balloon clip.mp4.json")["Body"].read()
    )
    assert failure["error_type"] == "VideoTooLongError"
    assert failure["stage"] == "validate"
    assert "at most 0.1 minutes" in failure["message"]
    assert not any("/annotated/" in k for k in snapshot(aws)), "no work was started"


def test_event_keys_are_url_decoded() -> None:
    from lambdas.video_processor import upload_key_from_event

    body = json.dumps({"detail": {"object": {"key": "Ann+Example/holiday+%281%29.MOV"}}})
    assert upload_key_from_event(body) == "Ann Example/holiday (1).MOV"
