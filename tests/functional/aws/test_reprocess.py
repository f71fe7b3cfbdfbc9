"""voice cloud reprocess over moto: a new version of the upload (same bytes), marked as a new
attempt, that the video Lambda processes even when its session is complete and that gives a long
video a new execution; the version it replaced is tagged for expiry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import aws as aws_support
from tests.support.aws import PATIENTS_BUCKET, VIDEOS_BUCKET, LambdaContext, written_keys

PATIENT = "maria"
KEY = f"{PATIENT}/balloon clip.mp4"

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, samples_dir: Path) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    with mock_aws():
        stack = aws_support.moto_stack(monkeypatch)
        for bucket in (VIDEOS_BUCKET, PATIENTS_BUCKET):
            stack["s3"].put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        body = (samples_dir / "balloon.mp4").read_bytes()
        first = stack["s3"].put_object(
            Bucket=VIDEOS_BUCKET, Key=KEY, Body=body, Metadata={"sha256": hashlib.sha256(body).hexdigest()}
        )
        yield {**stack, "first": first["VersionId"], "body": body}
    aws_support.clear_handler_caches()


def test_a_reprocess_is_a_new_version_of_the_same_bytes_marked_as_a_new_attempt(aws: dict[str, Any]) -> None:
    from voice.aws.reprocess import SUPERSEDED_TAG, reprocess_requested, request_reprocess

    s3 = aws["s3"]
    seen = written_keys(s3)
    asked = request_reprocess(s3, VIDEOS_BUCKET, PATIENT, "balloon clip.mp4", kms_key=aws["key_arn"])
    assert asked["replaces"] == aws["first"]
    assert asked["version"] not in (None, aws["first"])
    new = s3.get_object(Bucket=VIDEOS_BUCKET, Key=KEY)
    assert new["VersionId"] == asked["version"]
    assert new["Body"].read() == aws["body"]
    assert new["Metadata"]["sha256"] == hashlib.sha256(aws["body"]).hexdigest(), "the upload's hash is kept"
    assert seen[(VIDEOS_BUCKET, KEY)] == aws["key_arn"], "the copy asks for SSE-KMS with the stack's key"
    assert reprocess_requested(s3, VIDEOS_BUCKET, KEY, asked["version"]) is True
    assert reprocess_requested(s3, VIDEOS_BUCKET, KEY, aws["first"]) is False
    # The replaced version holds the same bytes: tagged, so the lifecycle expires it (tests/infra).
    tags = s3.get_object_tagging(Bucket=VIDEOS_BUCKET, Key=KEY, VersionId=aws["first"])["TagSet"]
    assert tags == [{"Key": SUPERSEDED_TAG, "Value": "reprocess"}]


def test_reprocess_of_an_upload_that_is_not_there_says_so(aws: dict[str, Any]) -> None:
    from voice.aws.reprocess import request_reprocess
    from voice.errors import StorageError

    with pytest.raises(StorageError, match="no upload"):
        request_reprocess(aws["s3"], VIDEOS_BUCKET, PATIENT, "other.mp4", kms_key=aws["key_arn"])


def _record(version: str, message: str) -> dict[str, Any]:
    return aws_support.sqs_record(VIDEOS_BUCKET, KEY, message, version=version)


def _sample_versions(s3: Any) -> int:
    versions = s3.list_object_versions(Bucket=PATIENTS_BUCKET, Prefix=f"{PATIENT}/surprise/")
    return len(versions.get("Versions", []))


@pytest.mark.slow
def test_the_reprocessed_version_is_processed_again_although_its_session_is_complete(
    aws: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """The same event delivered again finds the session done; the reprocess version runs it again
    (as `voice process --force`): its samples are written anew."""
    from lambdas.video_processor import handler
    from voice.aws.reprocess import request_reprocess

    ok = {"batchItemFailures": []}
    assert handler({"Records": [_record(aws["first"], "first")]}, LambdaContext()) == ok
    written = _sample_versions(aws["s3"])
    assert written > 0
    assert handler({"Records": [_record(aws["first"], "again")]}, LambdaContext()) == ok
    assert _sample_versions(aws["s3"]) == written, "a delivery of the same version skips a complete session"
    asked = request_reprocess(aws["s3"], VIDEOS_BUCKET, PATIENT, "balloon clip.mp4", kms_key=aws["key_arn"])
    with caplog.at_level("INFO"):
        response = handler({"Records": [_record(asked["version"], "reprocess")]}, LambdaContext())
    assert response == {"batchItemFailures": []}
    assert _sample_versions(aws["s3"]) == 2 * written, "processed again: every sample written anew"
    assert "a new attempt was asked for" in caplog.text


def test_a_reprocessed_long_video_gets_a_new_execution_that_is_forced(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed long video's execution name is taken for 90 days: the new version names a new one."""
    from lambdas.video_processor import handler
    from voice.aws.long_video_flow import ExecutionInput
    from voice.aws.reprocess import request_reprocess

    sfn = aws["sfn"]
    role = boto3.client("iam").get_role(RoleName="sfn")["Role"]["Arn"]
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    arn = sfn.create_state_machine(name="long-videos", definition=json.dumps(wait), roleArn=role)[
        "stateMachineArn"
    ]
    monkeypatch.setenv("VOICE_LONG_VIDEO_STATE_MACHINE_ARN", arn)
    aws_support.clear_handler_caches()
    short_of_time = LambdaContext(remaining_ms=30_000)  # the clip goes to the long-video machine
    handler({"Records": [_record(aws["first"], "first")]}, short_of_time)
    asked = request_reprocess(aws["s3"], VIDEOS_BUCKET, PATIENT, "balloon clip.mp4", kms_key=aws["key_arn"])
    handler({"Records": [_record(asked["version"], "reprocess")]}, short_of_time)
    executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert len({e["name"] for e in executions}) == 2
    inputs = [
        ExecutionInput.model_validate_json(sfn.describe_execution(executionArn=e["executionArn"])["input"])
        for e in executions
    ]
    assert {(i.version, i.force) for i in inputs} == {(aws["first"], False), (asked["version"], True)}
