"""S3Store with the stack's data key (moto): every kind of write asks for SSE-KMS with it (the
buckets refuse others; moto cannot evaluate that bucket policy, so the requests are checked), and
the top-level folders the gate reads a Recheck's patient from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import written_keys

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("real-videos", "real-patients"):
            client.create_bucket(Bucket=bucket)
        key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
        yield {"s3": client, "key": key}


def test_every_write_asks_for_sse_kms_with_the_stacks_key(aws: dict[str, Any], tmp_path: Path) -> None:
    from voice.aws.s3 import S3Store

    store = S3Store(
        aws["s3"], videos_bucket="real-videos", patients_bucket="real-patients", kms_key=aws["key"]
    )
    seen = written_keys(aws["s3"])
    big = tmp_path / "annotated.mp4"
    big.write_bytes(b"\x00" * (9 * 1024 * 1024))  # above the multipart threshold
    store.write("videos", "annotated/maria/s.vtt", b"WEBVTT", content_type="text/vtt")
    store.put_if_absent("patients", "maria/happiness/s_e0/pose_000001.json", b"{}")
    tag = store.write_if("patients", "models/maria/latest.json", b"{}", etag=None)
    store.write_if("patients", "models/maria/latest.json", b"{ }", etag=tag)
    store.upload("videos", "annotated/maria/s.mp4", big, content_type="video/mp4")
    assert seen == {
        ("real-videos", "annotated/maria/s.vtt"): aws["key"],
        ("real-patients", "maria/happiness/s_e0/pose_000001.json"): aws["key"],
        ("real-patients", "models/maria/latest.json"): aws["key"],
        ("real-videos", "annotated/maria/s.mp4"): aws["key"],
    }
    head = aws["s3"].head_object(Bucket="real-videos", Key="annotated/maria/s.mp4")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", aws["key"])


def test_without_a_key_writes_send_no_encryption_header_and_a_refusal_says_what_to_set(
    aws: dict[str, Any],
) -> None:
    from botocore.exceptions import ClientError

    from voice.aws.s3 import S3Store
    from voice.errors import StorageError

    store = S3Store(aws["s3"], videos_bucket="real-videos", patients_bucket="real-patients")
    seen = written_keys(aws["s3"])
    store.write("videos", "failed/maria/x.json", b"{}")
    assert seen == {("real-videos", "failed/maria/x.json"): None}

    def refuse(**_: Any) -> None:  # what the bucket policy answers to such a write
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "PutObject")

    aws["s3"].meta.events.register("before-call.s3.PutObject", refuse)
    with pytest.raises(StorageError, match="VOICE_DATA_KEY_ARN"):
        store.write("videos", "failed/maria/y.json", b"{}")


def test_folders_are_the_top_level_names(aws: dict[str, Any]) -> None:
    from voice.aws.s3 import S3Store

    store = S3Store(aws["s3"], videos_bucket="real-videos", patients_bucket="real-patients")
    for key in (
        "Ann Example/.sessions/a.json",
        "bob/happiness/x/pose.json",
        "models/bob/latest.json",
        "top.json",
    ):
        store.write("patients", key, b"{}")
    assert sorted(store.folders("patients")) == ["Ann Example", "bob", "models"]
