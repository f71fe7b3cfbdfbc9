"""The session's lease and completeness end to end: on S3 (moto: If-None-Match / If-Match), and a
duplicate delivery that died after deleting the index the first run wrote no longer leaves the
session counted as done."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from voice import layout
from voice.session.lease import SessionBusyError, session_lease
from voice.storage import LocalStore

PATIENT, SESSION = "maria", "visit-0123456789"

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def s3_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    from voice.aws.s3 import S3Store

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("lease-videos", "lease-patients"):
            client.create_bucket(Bucket=bucket)
        yield S3Store(client, videos_bucket="lease-videos", patients_bucket="lease-patients")


def test_the_lease_on_s3_is_one_holders_at_a_time(s3_store: Any) -> None:
    with (
        session_lease(s3_store, PATIENT, SESSION, hold_s=60),
        pytest.raises(SessionBusyError),
        session_lease(s3_store, PATIENT, SESSION, hold_s=60, wait_s=0),
    ):
        pass
    with session_lease(s3_store, PATIENT, SESSION, hold_s=60, wait_s=0):
        key = layout.session_lease_key(PATIENT, SESSION)
        assert s3_store.exists(layout.VIDEOS, key)


@pytest.mark.slow
def test_a_session_whose_index_a_dying_run_deleted_is_processed_again(
    tmp_path: Path, samples_dir: Path
) -> None:
    from voice.run.pipeline import process_video

    store = LocalStore(tmp_path)
    key = f"{PATIENT}/balloon clip.mp4"
    (tmp_path / "videos" / PATIENT).mkdir(parents=True)
    shutil.copyfile(samples_dir / "balloon.mp4", tmp_path / "videos" / key)
    first = process_video(store, key)
    index = layout.session_index_key(PATIENT, first.session)
    assert store.exists(layout.PATIENTS, index)
    assert process_video(store, key).timings_s == first.timings_s, "complete: not processed again"
    # A duplicate delivery started replacing the samples (index first) and was killed.
    store.delete(layout.PATIENTS, index)
    again = process_video(store, key)
    assert again.timings_s != first.timings_s, "not complete without its index: processed again"
    assert store.exists(layout.PATIENTS, index)
    assert [s.prefix for s in again.samples] == [s.prefix for s in first.samples]
