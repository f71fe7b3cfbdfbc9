"""The video-processor Lambda over moto S3 with the real pipeline: good, corrupt, transient, nested."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import aws as aws_events
from tests.support.aws import LambdaContext

EVENTS = Path(__file__).resolve().parents[2] / "events"
REGION = "us-east-1"
VIDEOS = aws_events.VIDEOS_BUCKET
PATIENTS = aws_events.PATIENTS_BUCKET
PATIENT = "maria"

boto3 = pytest.importorskip("boto3")


FakeContext = LambdaContext


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

    with mock_aws():
        s3 = aws_events.moto_stack(monkeypatch, REGION)["s3"]
        s3.upload_file(str(samples_dir / "balloon.mp4"), VIDEOS, f"{PATIENT}/balloon clip.mp4")
        s3.put_object(
            Bucket=VIDEOS, Key=f"{PATIENT}/broken.MP4", Body=b"\x00\x00\x00\x18ftypmp42" + b"\x17" * 4000
        )
        yield s3
    aws_events.clear_handler_caches()


@pytest.mark.slow
def test_batch_processes_the_good_video_and_acknowledges_the_corrupt_one_after_its_record(
    aws: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt upload can never succeed: it gets its failure record and is not retried (no DLQ
    page for a user's bad file); a missing object may appear later, so that one is retried."""
    from lambdas.video_processor import handler

    event = {
        "Records": [
            sqs_record(f"{PATIENT}/balloon clip.mp4", "good"),
            sqs_record(f"{PATIENT}/broken.MP4", "bad"),
            sqs_record(f"{PATIENT}/not-there-yet.mp4", "transient"),
        ]
    }
    with caplog.at_level("INFO"):  # the deployed level (POWERTOOLS_LOG_LEVEL=INFO)
        response = handler(event, FakeContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "transient"}]}
    # Logs name the patient and the session by reference only, and carry no transcript text:
    # neither in messages nor in the structured fields (``extra``) Powertools prints with them.
    logged = " ".join(f"{k}={v}" for record in caplog.records for k, v in vars(record).items()).lower()
    assert "video processed" in logged
    assert aws_events.ref(PATIENT) in logged
    for secret in (PATIENT, "balloon", "surprised", "broken", "not-there"):
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
    for suffix in (".mp4", ".vtt", ".srt", "_events.vtt", "_analysis.csv"):
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

    response = handler({"Records": [sqs_record(f"{PATIENT}/missing.mp4", "only")]}, FakeContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "only"}]}


def test_an_upload_over_the_size_limit_is_refused_from_the_event_before_any_download(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.video_processor import handler

    record = sqs_record(f"{PATIENT}/balloon clip.mp4", "big")
    body = json.loads(record["body"])
    body["detail"]["object"]["size"] = 3 * 2**30
    record["body"] = json.dumps(body)
    downloads: list[str] = []
    monkeypatch.setattr(aws, "download_file", lambda *a, **k: downloads.append(a[1]))
    assert handler({"Records": [record]}, FakeContext()) == {"batchItemFailures": []}
    assert downloads == []
    failure = json.loads(
        aws.get_object(Bucket=VIDEOS, Key=f"failed/{PATIENT}/balloon clip.mp4.json")["Body"].read()
    )
    assert failure["error_type"] == "MediaLimitError"


@pytest.mark.slow
def test_the_exact_version_the_event_names_is_processed(aws: Any, samples_dir: Path) -> None:
    """A second upload under the same name (versioned bucket) never replaces the first one's run."""
    from lambdas.video_processor import handler

    aws.put_bucket_versioning(Bucket=VIDEOS, VersioningConfiguration={"Status": "Enabled"})
    first = aws.put_object(
        Bucket=VIDEOS, Key=f"{PATIENT}/IMG_0001.mp4", Body=(samples_dir / "rain.mp4").read_bytes()
    )
    aws.put_object(Bucket=VIDEOS, Key=f"{PATIENT}/IMG_0001.mp4", Body=(samples_dir / "bath.mp4").read_bytes())
    record = aws_events.sqs_record(VIDEOS, f"{PATIENT}/IMG_0001.mp4", "v1", version=first["VersionId"])
    assert handler({"Records": [record]}, FakeContext()) == {"batchItemFailures": []}
    keys = [k for k in snapshot(aws) if k.endswith("_metadata.json")]
    (key,) = keys
    meta = json.loads(aws.get_object(Bucket=VIDEOS, Key=key.split("/", 1)[1])["Body"].read())
    assert meta["source"]["sha256"] == hashlib.sha256((samples_dir / "rain.mp4").read_bytes()).hexdigest()


@pytest.mark.slow
def test_the_same_message_twice_gives_identical_outputs(aws: Any) -> None:
    from lambdas.video_processor import handler

    event = {"Records": [sqs_record(f"{PATIENT}/balloon clip.mp4", "m1")]}
    assert handler(copy.deepcopy(event), FakeContext()) == {"batchItemFailures": []}
    first = snapshot(aws)
    assert handler(copy.deepcopy(event), FakeContext()) == {"batchItemFailures": []}
    assert snapshot(aws) == first


@pytest.mark.parametrize("key", [f"annotated/{PATIENT}/x.mp4", f"{PATIENT}/2024/x.mp4", "models/x.mp4"])
def test_keys_that_are_not_uploads_get_a_failure_record_and_are_not_retried(aws: Any, key: str) -> None:
    """A nested upload (alice/2024/clip.mp4) reaches the handler and is recorded as invalid."""
    from lambdas.video_processor import handler

    response = handler({"Records": [sqs_record(key, "odd")]}, FakeContext())
    assert response == {"batchItemFailures": []}
    keys = snapshot(aws)
    assert not any("/annotated/" in k and k.endswith("_metadata.json") for k in keys)
    records = [k for k in keys if k.startswith(f"{VIDEOS}/failed/_invalid/")]
    assert len(records) == 1
    doc = json.loads(aws.get_object(Bucket=VIDEOS, Key=records[0].split("/", 1)[1])["Body"].read())
    assert doc["error_type"] == "InvalidNameError"


def test_a_video_too_long_for_the_time_left_gets_a_failure_record_not_a_timeout(aws: Any) -> None:
    from lambdas.video_processor import handler
    from voice.config import get_settings
    from voice.session.time_budget import budget_rtf

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
    from lambdas.video_processor import UploadRecord
    from voice.layout import decode_event_key

    record = aws_events.sqs_record(VIDEOS, "Ann Example/holiday (1).MOV", "m")
    parsed = UploadRecord.model_validate(record)
    assert parsed.body.detail.object.key == "Ann+Example/holiday+%281%29.MOV"
    assert decode_event_key(parsed.body.detail.object.key) == "Ann Example/holiday (1).MOV"


def _long_video_state_machine(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """A stand-in long-video state machine (it only waits), deployed for the handler."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    role = boto3.client("iam", region_name=REGION).get_role(RoleName="sfn")["Role"]["Arn"]
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    arn = sfn.create_state_machine(name="long-videos", definition=json.dumps(wait), roleArn=role)[
        "stateMachineArn"
    ]
    monkeypatch.setenv("VOICE_LONG_VIDEO_STATE_MACHINE_ARN", arn)
    aws_events.clear_handler_caches()
    return sfn, arn


def test_every_outcome_of_an_upload_is_answered_in_one_shape(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused for good and handed over alike: a ``VideoResult`` (status, session, error type)."""
    from lambdas.video_processor import UploadRecord, VideoResult, record_handler

    def answer(key: str, remaining_ms: int = 900_000) -> VideoResult:
        record = UploadRecord.model_validate(sqs_record(key, key))
        return record_handler(record, FakeContext(remaining_ms=remaining_ms))

    failed = answer(f"{PATIENT}/broken.MP4")
    _long_video_state_machine(monkeypatch)
    segmented = answer(f"{PATIENT}/balloon clip.mp4", remaining_ms=30_000)
    assert (failed.status, failed.session, failed.error_type) == ("failed", None, "CorruptMediaError")
    assert segmented.status == "segmented"
    assert segmented.session is not None
    assert segmented.session.startswith("balloon-clip-")
    assert segmented.error_type is None
    assert list(failed.model_dump()) == list(segmented.model_dump()) == ["status", "session", "error_type"]


def test_a_video_too_long_for_one_invocation_is_handed_to_the_long_video_state_machine(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the long-video state machine deployed, a video that cannot finish in the time left
    starts one execution (the same event twice: still one) instead of failing."""
    from lambdas.video_processor import handler
    from voice.aws.long_video_flow import ExecutionInput

    sfn, arn = _long_video_state_machine(monkeypatch)
    context = FakeContext(remaining_ms=30_000)  # far too little for one pass of the clip
    key = f"{PATIENT}/balloon clip.mp4"
    for message in ("long-1", "long-1-again"):
        response = handler({"Records": [sqs_record(key, message)]}, context)
        assert response == {"batchItemFailures": []}
    (execution,) = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert execution["name"].startswith(aws_events.ref(PATIENT) + "-")
    started = sfn.describe_execution(executionArn=execution["executionArn"])
    assert ExecutionInput.model_validate_json(started["input"]) == ExecutionInput(
        key=key, version=None, patient_ref=aws_events.ref(PATIENT)
    )
    assert not [k for k in snapshot(aws) if "/annotated/" in k or "/failed/" in k], "no work, no failure"


def test_a_malformed_long_video_step_fails_with_its_type_only(aws: Any) -> None:
    """pydantic's message would quote the payload (keys name the patient): only the type leaves."""
    from lambdas.handler_errors import HandlerError
    from lambdas.long_video import handler

    with pytest.raises(HandlerError) as raised:
        handler({"step": "unknown", "key": f"{PATIENT}/balloon clip.mp4"}, FakeContext())
    assert str(raised.value) == "ValidationError (patient ?)"
    assert raised.value.__cause__ is None


def test_an_event_of_another_bucket_is_acknowledged_without_a_word_in_ours(aws: Any) -> None:
    """The rule names the bucket and the queue takes our rule only; the handler checks it anyway."""
    from lambdas.video_processor import NOT_OUR_BUCKET, UploadRecord, record_handler

    before = snapshot(aws)
    foreign = aws_events.sqs_record("someone-elses-bucket", f"{PATIENT}/broken.MP4", "foreign")
    result = record_handler(UploadRecord.model_validate(foreign), FakeContext())
    assert (result.status, result.error_type) == ("failed", NOT_OUR_BUCKET)
    assert snapshot(aws) == before


def test_a_failure_record_that_cannot_be_written_leaves_the_message_to_be_retried(aws: Any) -> None:
    """A corrupt upload is acknowledged only once its record is written: if the record cannot be
    written the message is a batch item failure (retried), so the upload never vanishes."""
    from botocore.exceptions import ClientError

    from lambdas.video_processor import handler
    from voice.aws import clients

    def refuse_records(params: dict[str, Any], **_: Any) -> None:
        if params["Key"].startswith("failed/"):
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "try later"}}, "PutObject")

    clients.s3().meta.events.register("provide-client-params.s3.PutObject", refuse_records)
    response = handler({"Records": [sqs_record(f"{PATIENT}/broken.MP4", "bad")]}, FakeContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    clients.s3().meta.events.unregister("provide-client-params.s3.PutObject", refuse_records)
    # The next delivery writes it and is acknowledged.
    response = handler({"Records": [sqs_record(f"{PATIENT}/broken.MP4", "bad")]}, FakeContext())
    assert response == {"batchItemFailures": []}
    failure = json.loads(
        aws.get_object(Bucket=VIDEOS, Key=f"failed/{PATIENT}/broken.MP4.json")["Body"].read()
    )
    assert failure["error_type"] == "CorruptMediaError"


@pytest.mark.slow
def test_every_object_the_handler_writes_is_encrypted_with_the_stacks_key(aws: Any) -> None:
    from lambdas.video_processor import handler

    key_arn = os.environ["VOICE_DATA_KEY_ARN"]
    before = set(snapshot(aws))
    assert handler({"Records": [sqs_record(f"{PATIENT}/balloon clip.mp4", "good")]}, FakeContext()) == {
        "batchItemFailures": []
    }
    written = set(snapshot(aws)) - before
    assert any("/annotated/" in k for k in written)
    assert any(k.startswith(f"{PATIENTS}/") for k in written)
    for bucket_key in written:
        bucket, key = bucket_key.split("/", 1)
        assert aws.head_object(Bucket=bucket, Key=key).get("SSEKMSKeyId") == key_arn, bucket_key
