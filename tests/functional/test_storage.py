"""LocalStore and S3Store (moto) behave the same through the Store interface."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from voice.aws.s3 import S3Store
from voice.errors import ConflictError, StorageError
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


REVIEW = "maria/reviews/garden-0123456789.json"


def test_a_conditional_write_creates_once_and_then_needs_the_version_it_read(store: Store) -> None:
    assert store.read_versioned("patients", REVIEW) is None
    first = store.write_if("patients", REVIEW, b'{"reviews": []}', etag=None)
    with pytest.raises(ConflictError, match="read it again"):
        store.write_if("patients", REVIEW, b'{"reviews": ["late"]}', etag=None)
    got = store.read_versioned("patients", REVIEW)
    assert got is not None
    assert (got.data, got.etag) == (b'{"reviews": []}', first)
    second = store.write_if("patients", REVIEW, b'{"reviews": ["a"]}', etag=first)
    assert second != first
    assert store.read("patients", REVIEW) == b'{"reviews": ["a"]}'


def test_the_second_of_two_writers_gets_a_conflict_never_a_silent_overwrite(store: Store) -> None:
    store.write_if("patients", REVIEW, b"v0", etag=None)
    tab_one = store.read_versioned("patients", REVIEW)
    tab_two = store.read_versioned("patients", REVIEW)
    assert tab_one is not None
    assert tab_two is not None
    store.write_if("patients", REVIEW, b"tab one's change", etag=tab_one.etag)
    with pytest.raises(ConflictError):
        store.write_if("patients", REVIEW, b"tab two's change", etag=tab_two.etag)
    assert store.read("patients", REVIEW) == b"tab one's change"
    store.delete("patients", REVIEW)
    with pytest.raises(ConflictError):
        store.write_if("patients", REVIEW, b"after a delete", etag=tab_one.etag)
    assert not store.exists("patients", REVIEW)


def test_ranged_reads_and_stat_serve_part_of_an_object(store: Store) -> None:
    store.write("videos", KEYS[0], b"0123456789")
    assert store.read_range("videos", KEYS[0], 2, 5) == b"2345"
    assert store.read_range("videos", KEYS[0], 8, 100) == b"89", "clipped at the end"
    assert store.read_range("videos", KEYS[0], 0, 0) == b"0"
    with pytest.raises(StorageError, match="invalid byte range"):
        store.read_range("videos", KEYS[0], 5, 2)
    info = store.stat("videos", KEYS[0])
    assert info is not None
    assert (info.key, info.size) == (KEYS[0], 10)
    assert store.stat("videos", "maria/none.mp4") is None


def test_concurrent_local_read_modify_writes_lose_no_update(tmp_path: Path) -> None:
    """Eight writers adding one each, five times, retrying on conflict: every addition is there."""
    from concurrent.futures import ThreadPoolExecutor

    store = LocalStore(tmp_path / "data")
    store.write_if("patients", REVIEW, b"0", etag=None)

    def add_one(_: int) -> None:
        while True:
            got = store.read_versioned("patients", REVIEW)
            assert got is not None
            try:
                store.write_if("patients", REVIEW, str(int(got.data) + 1).encode(), etag=got.etag)
                return
            except ConflictError:
                continue  # someone else's change landed first: read it and add to it

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(add_one, range(40)))
    assert store.read("patients", REVIEW) == b"40"
    assert [o.key for o in store.list("patients")] == [REVIEW], "lock files stay outside the buckets"


def test_a_file_deleted_while_the_local_listing_walks_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing is a snapshot, as a bucket's is: a file deleted between the walk that saw it and
    its stat is not listed, and the listing does not fail (the review page lists a patient's
    session files while a relabelling replaces the session's index)."""
    store = LocalStore(tmp_path / "data")
    for name in ("a", "b", "c"):
        store.write("patients", f"maria/.sessions/{name}.json", b"{}")
    walk = os.walk

    def walk_then_delete(top: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for entry in walk(top, *args, **kwargs):
            if "b.json" in entry[2]:
                Path(entry[0], "b.json").unlink()  # after the walk saw it, before its stat
            yield entry

    monkeypatch.setattr(os, "walk", walk_then_delete)
    assert [o.key for o in store.list("patients", "maria/.sessions/")] == [
        "maria/.sessions/a.json",
        "maria/.sessions/c.json",
    ]


def test_a_write_into_a_folder_a_delete_removes_meanwhile_still_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delete that empties a folder removes it (folders exist only through their files); a write
    into that folder at the same moment makes it again rather than failing."""
    store = LocalStore(tmp_path / "data")
    mkstemp = tempfile.mkstemp
    removed: list[str] = []

    def after_a_delete(*args: Any, **kwargs: Any) -> Any:
        if not removed:  # the delete's rmdir, between the write's mkdir and its temporary file
            shutil.rmtree(kwargs["dir"])
            removed.append(str(kwargs["dir"]))
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", after_a_delete)
    store.write("patients", "maria/happiness/s-1/pose_000001.json", b"{}")
    assert removed
    assert store.read("patients", "maria/happiness/s-1/pose_000001.json") == b"{}"
