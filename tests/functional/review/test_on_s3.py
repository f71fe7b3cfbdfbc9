"""The review app over S3 (moto): the same API, and the video read by ranges, never whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.review import PATIENT, SESSION, VIDEO_BYTES, logged_in, synthetic_session
from voice.storage import Store

pytestmark = pytest.mark.slow

BASE = f"/api/patients/{PATIENT}/sessions/{SESSION}"


class Watched:
    """A store that notes which objects were read whole (read, download) and which by range."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.whole: list[str] = []
        self.ranges: list[tuple[str, int, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def read(self, bucket: str, key: str) -> bytes:
        self.whole.append(key)
        return self.store.read(bucket, key)

    def download(self, bucket: str, key: str, *, version: str | None = None) -> Any:
        self.whole.append(key)
        return self.store.download(bucket, key, version=version)

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        self.ranges.append((key, start, end))
        return self.store.read_range(bucket, key, start, end)


@pytest.fixture
def s3() -> Iterator[Watched]:
    import boto3
    from moto import mock_aws

    from voice.aws.s3 import S3Store

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("real-videos", "real-patients"):
            client.create_bucket(Bucket=bucket)
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        store = S3Store(client, videos_bucket="real-videos", patients_bucket="real-patients")
        synthetic_session(store)
        yield Watched(store)


def test_seeking_reads_only_the_bytes_asked_for(s3: Watched, tmp_path: Path) -> None:
    client = logged_in(s3)  # type: ignore[arg-type]
    part = client.get(BASE + "/video", headers={"Range": "bytes=5000-5099"})
    assert part.status_code == 206
    assert part.content == VIDEO_BYTES[5000:5100]
    video = f"annotated/{PATIENT}/{SESSION}.mp4"
    assert video not in s3.whole
    assert s3.ranges == [(video, 5000, 5099)]


def test_reviews_and_conflicts_on_s3(s3: Watched) -> None:
    client = logged_in(s3)  # type: ignore[arg-type]
    view = client.get(BASE).json()
    label = view["labels"]["labels"][0]["id"]
    body = {"author": "anna", "version": None, "changes": [{"action": "reject", "event": label}]}
    first = client.post(BASE + "/reviews", json=body)
    assert first.status_code == 200, first.text
    assert first.json()["version"]
    assert client.post(BASE + "/reviews", json=body).status_code == 409
    items = client.get(f"/api/patients/{PATIENT}/to-review").json()
    assert all(i["session"] == SESSION for i in items)
