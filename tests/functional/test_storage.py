"""LocalStore and S3Store (moto) behave the same through the Store interface."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from voice.aws.s3 import S3Store
from voice.errors import StorageError
from voice.storage import LocalStore, Store

KEYS = [
    "maria/IMG 0001.MOV",  # space
    "maria/a+b=c.mp4",  # plus (S3 events encode a space as '+')
    "zoë/café_ünïcode 😀.mkv",  # unicode
    "annotated/maria/s-1/frames/frame_000_at_1.00s_maria_happiness.jpg",
]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "local":
        yield LocalStore(tmp_path / "data")
        return
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="real-videos")
        client.create_bucket(Bucket="real-patients")
        yield S3Store(client, videos_bucket="real-videos", patients_bucket="real-patients")


@pytest.mark.parametrize("key", KEYS)
def test_write_read_exists_round_trip(store: Store, key: str) -> None:
    assert not store.exists("videos", key)
    store.write("videos", key, b"hello")
    assert store.exists("videos", key)
    assert store.read("videos", key) == b"hello"
    assert not store.exists("patients", key), "buckets are separate"


def test_list_by_prefix_returns_sorted_keys_and_sizes(store: Store) -> None:
    for i, key in enumerate(KEYS):
        store.write("videos", key, b"x" * (i + 1))
    listed = list(store.list("videos", "maria/"))
    assert [o.key for o in listed] == sorted(k for k in KEYS if k.startswith("maria/"))
    assert {o.key: o.size for o in listed} == {KEYS[0]: 1, KEYS[1]: 2}
    everything = {o.key: o.size for o in store.list("videos")}
    assert everything == {k: i + 1 for i, k in enumerate(KEYS)}
    assert list(store.list("videos", "nobody/")) == []


def test_put_if_absent_writes_once(store: Store) -> None:
    key = "maria/happiness/s-abc_e0/pose_000001.json"
    assert store.put_if_absent("patients", key, b"first") is True
    assert store.put_if_absent("patients", key, b"second") is False
    assert store.read("patients", key) == b"first"


@pytest.mark.parametrize("key", KEYS[:3])
def test_upload_and_download_stream_through_temp_files(store: Store, tmp_path: Path, key: str) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(bytes(range(256)) * 1000)
    seen: list[int] = []
    store.upload("videos", key, src, progress=seen.append)
    assert sum(seen) == src.stat().st_size
    with store.download("videos", key) as local:
        assert local.read_bytes() == src.read_bytes()
        kept = local
    assert not kept.exists(), "the temp copy is removed after use"


def test_missing_object_is_a_storage_error(store: Store) -> None:
    with pytest.raises(StorageError):
        store.read("videos", "maria/nothing.mp4")
    with pytest.raises(StorageError), store.download("videos", "maria/nothing.mp4"):
        pass


def test_unknown_bucket_is_refused(store: Store) -> None:
    with pytest.raises(StorageError):
        store.write("models", "x", b"")


def test_local_store_refuses_escaping_keys(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(StorageError):
        store.write("videos", "../outside.txt", b"x")
    with pytest.raises(StorageError):
        store.write("videos", "/etc/passwd", b"x")
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [("maria/IMG+0001.MOV", "maria/IMG 0001.MOV"), ("maria/a%2Bb%3Dc.mp4", "maria/a+b=c.mp4"),
     ("zo%C3%AB/caf%C3%A9.mkv", "zoë/café.mkv")],
)  # fmt: skip
def test_s3_event_keys_are_url_decoded(raw: str, decoded: str) -> None:
    from voice.layout import decode_event_key

    assert decode_event_key(raw) == decoded
