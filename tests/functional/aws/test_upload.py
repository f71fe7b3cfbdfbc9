"""voice cloud upload over moto: multipart above 8 MB, the pin sidecar, names checked first, a
conditional write that never overwrites (even when an upload appears between the check and the
write), and every write asking for SSE-KMS with the stack's key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import VIDEOS_BUCKET, fake_stack, written_keys

REGION = "us-east-1"

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        stack = fake_stack(REGION)
        stack["s3"].put_bucket_versioning(Bucket=VIDEOS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield stack


def target(aws: dict[str, Any], *, kms: bool = True) -> Any:
    from voice.aws.upload import UploadTarget

    return UploadTarget(aws["s3"], VIDEOS_BUCKET, aws["key_arn"] if kms else None)


def test_upload_is_multipart_above_8_mb_and_reports_progress(aws: dict[str, Any], tmp_path: Path) -> None:
    from voice.aws.upload import upload

    big = tmp_path / "Long Visit.MOV"
    big.write_bytes(os.urandom(9 * 1024 * 1024 + 123))
    small = tmp_path / "short.mp4"
    small.write_bytes(b"\x00" * 1000)
    sent: list[int] = []
    done = upload([big, small], "Ann Example", to=target(aws), progress=sent.append)
    assert [d["key"] for d in done] == ["Ann Example/Long Visit.MOV", "Ann Example/short.mp4"]
    assert sum(sent) == big.stat().st_size + small.stat().st_size
    head = aws["s3"].head_object(Bucket=VIDEOS_BUCKET, Key="Ann Example/Long Visit.MOV")
    assert head["ContentLength"] == big.stat().st_size
    assert head["ETag"].strip('"').endswith("-2")  # two parts: a multipart upload
    assert head["ContentType"] == "video/quicktime"
    body = aws["s3"].get_object(Bucket=VIDEOS_BUCKET, Key="Ann Example/Long Visit.MOV")["Body"].read()
    assert body == big.read_bytes(), "the parts were put together in order"


def test_every_write_asks_for_sse_kms_with_the_stacks_key(aws: dict[str, Any], tmp_path: Path) -> None:
    """The buckets refuse writes not encrypted with the data key (a bucket policy moto cannot
    evaluate): the single put, the multipart upload and the pin sidecar all ask for it."""
    from voice.aws.upload import upload
    from voice.people.pin import PersonPin

    seen = written_keys(aws["s3"])
    big, small = tmp_path / "big.mp4", tmp_path / "small.mp4"
    big.write_bytes(os.urandom(9 * 1024 * 1024))
    small.write_bytes(b"\x01" * 10)
    upload([big, small], "ann", to=target(aws), pin=PersonPin(1, 2, 0))
    assert seen == {
        (VIDEOS_BUCKET, "ann/big.mp4.person.json"): aws["key_arn"],
        (VIDEOS_BUCKET, "ann/big.mp4"): aws["key_arn"],
        (VIDEOS_BUCKET, "ann/small.mp4.person.json"): aws["key_arn"],
        (VIDEOS_BUCKET, "ann/small.mp4"): aws["key_arn"],
    }
    for key in ("ann/big.mp4", "ann/small.mp4"):
        assert aws["s3"].head_object(Bucket=VIDEOS_BUCKET, Key=key)["SSEKMSKeyId"] == aws["key_arn"]


def test_upload_with_a_person_pin_puts_the_sidecar_that_processing_reads(
    aws: dict[str, Any], tmp_path: Path
) -> None:
    from voice import layout
    from voice.aws.s3 import S3Store
    from voice.aws.upload import upload
    from voice.people.patient_store import read_pin
    from voice.people.pin import PersonPin

    video = tmp_path / "visit.mp4"
    video.write_bytes(b"\x00" * 100)
    pin = PersonPin(320, 180, 2.5)
    upload([video], "ann", to=target(aws), pin=pin)
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=VIDEOS_BUCKET)["Contents"]]
    assert sorted(keys) == ["ann/visit.mp4", "ann/visit.mp4.person.json"]
    store = S3Store(aws["s3"], videos_bucket=VIDEOS_BUCKET, patients_bucket="unused")
    assert read_pin(store, layout.parse_upload_key("ann/visit.mp4")) == pin


@pytest.mark.parametrize(
    ("patient", "name"), [("../x", "a.mp4"), ("annotated", "a.mp4"), ("work", "a.mp4"), ("ann", "notes.txt")]
)
def test_upload_refuses_bad_names_before_sending_anything(
    aws: dict[str, Any], tmp_path: Path, patient: str, name: str
) -> None:
    from voice.aws.upload import upload
    from voice.errors import VoiceError

    good, bad = tmp_path / "ok.mp4", tmp_path / name
    good.write_bytes(b"1")
    bad.write_bytes(b"1")
    with pytest.raises(VoiceError):
        upload([good, bad], patient, to=target(aws))
    assert aws["s3"].list_objects_v2(Bucket=VIDEOS_BUCKET).get("KeyCount", 0) == 0


def test_upload_never_overwrites_a_different_file_of_the_same_name(
    aws: dict[str, Any], tmp_path: Path
) -> None:
    """Two phones, one name: both videos are kept; the same file again is not sent twice."""
    from voice.aws.upload import upload

    first, second = tmp_path / "a" / "IMG_0001.MOV", tmp_path / "b" / "IMG_0001.MOV"
    for path, body in ((first, b"first phone"), (second, b"second phone")):
        path.parent.mkdir()
        path.write_bytes(body)
    (a,) = upload([first], "ann", to=target(aws))
    (b,) = upload([second], "ann", to=target(aws))
    (again,) = upload([first], "ann", to=target(aws))
    assert a["key"] == "ann/IMG_0001.MOV"
    assert b["key"].startswith("ann/IMG_0001-")
    assert b["key"].endswith(".MOV")
    assert again == {**a, "already_uploaded": True}
    body = aws["s3"].get_object(Bucket=VIDEOS_BUCKET, Key="ann/IMG_0001.MOV")["Body"].read()
    assert body == b"first phone"
    versions = aws["s3"].list_object_versions(Bucket=VIDEOS_BUCKET).get("Versions", [])
    assert len(versions) == 2, "nothing was written over"


@pytest.mark.parametrize("size", [100, 9 * 1024 * 1024], ids=["single put", "multipart"])
def test_an_upload_that_appears_between_the_check_and_the_write_is_kept(
    aws: dict[str, Any], tmp_path: Path, size: int
) -> None:
    """The check finds the name free; another phone's upload lands before our write: S3 refuses
    ours (If-None-Match), theirs stays, ours takes the hash-suffixed name."""
    from voice.aws.upload import upload

    s3 = aws["s3"]
    ours = tmp_path / "IMG_0002.mp4"
    ours.write_bytes(os.urandom(size))
    raced = {"done": False}

    def someone_else_uploads(params: dict[str, Any], **_: Any) -> None:
        if not raced["done"] and params["Key"] == "ann/IMG_0002.mp4":
            raced["done"] = True
            s3.put_object(Bucket=VIDEOS_BUCKET, Key="ann/IMG_0002.mp4", Body=b"the other phone's video")

    for operation in ("PutObject", "CreateMultipartUpload"):
        s3.meta.events.register(f"provide-client-params.s3.{operation}", someone_else_uploads)
    (done,) = upload([ours], "ann", to=target(aws))
    assert raced["done"]
    assert done["key"].startswith("ann/IMG_0002-")
    assert done["already_uploaded"] is False
    theirs = s3.get_object(Bucket=VIDEOS_BUCKET, Key="ann/IMG_0002.mp4")["Body"].read()
    assert theirs == b"the other phone's video"
    assert s3.get_object(Bucket=VIDEOS_BUCKET, Key=done["key"])["Body"].read() == ours.read_bytes()
    versions = s3.list_object_versions(Bucket=VIDEOS_BUCKET, Prefix="ann/IMG_0002.mp4").get("Versions", [])
    assert len(versions) == 1, "nothing was written over theirs"
    assert not s3.list_multipart_uploads(Bucket=VIDEOS_BUCKET).get("Uploads"), "no part left behind"
