"""``voice process --store s3`` end to end against moto's S3: same keys as the local store."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from voice.cli import main
from voice.config import get_settings
from voice.run.demo import samples_dir

pytestmark = pytest.mark.slow


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("VOICE_VIDEOS_BUCKET", "voice-videos-test")
    monkeypatch.setenv("VOICE_PATIENTS_BUCKET", "voice-patients-test")
    get_settings.cache_clear()
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        for name in ("voice-videos-test", "voice-patients-test"):
            client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client
    get_settings.cache_clear()


def _keys(client: Any, bucket: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_voice_process_against_s3(s3: Any) -> None:
    # The sample's narrator says "Maria is sad today": Maria must be this patient's name.
    s3.put_object(Bucket="voice-patients-test", Key="zoë m/profile.json", Body=b'{"nicknames": ["Maria"]}')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["process", str(samples_dir() / "rain.mp4"), "--patient", "zoë m", "--store", "s3", "--json"]
        )
    (result,) = json.loads(out.getvalue())
    assert code == 0, result
    assert result["status"] == "ok", result
    session = result["session"]
    assert result["annotated"] == f"s3://voice-videos-test/annotated/zoë m/{session}.mp4"
    videos = _keys(s3, "voice-videos-test")
    for key in (
        "zoë m/rain.mp4",
        f"annotated/zoë m/{session}.mp4",
        f"annotated/zoë m/{session}.vtt",
        f"annotated/zoë m/{session}.srt",
        f"annotated/zoë m/{session}_events.vtt",
        f"annotated/zoë m/{session}_metadata.json",
        f"annotated/zoë m/{session}_analysis.csv",
    ):
        assert key in videos, key
    meta = json.loads(
        s3.get_object(Bucket="voice-videos-test", Key=f"annotated/zoë m/{session}_metadata.json")[
            "Body"
        ].read()
    )
    assert [e["emotion"] for e in meta["events"]] == ["sadness"]
    patients = _keys(s3, "voice-patients-test")
    assert f"zoë m/.sessions/{session}.json" in patients
    samples = [k for k in patients if k.startswith(f"zoë m/sadness/{session}_e0/pose_")]
    assert len(samples) == meta["samples"][0]["poses"] > 0
    head = s3.head_object(Bucket="voice-videos-test", Key=f"annotated/zoë m/{session}.mp4")
    assert head["ContentType"] == "video/mp4"


def test_voice_labels_against_s3_writes_the_review_and_leaves_the_samples_to_the_stack(s3: Any) -> None:
    s3.put_object(Bucket="voice-patients-test", Key="ann/profile.json", Body=b'{"nicknames": ["Maria"]}')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert (
            main(["process", str(samples_dir() / "rain.mp4"), "--patient", "ann", "--store", "s3", "--json"])
            == 0
        )
    session = json.loads(out.getvalue())[0]["session"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["labels", "list", "ann", session, "--store", "s3", "--json"]) == 0
    (sad,) = json.loads(out.getvalue())["labels"]
    before = _keys(s3, "voice-patients-test")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["labels", "reject", "ann", session, sad["id"], "--author", "anna", "--store", "s3", "--json"]
        )
    assert code == 0
    outcome = json.loads(out.getvalue())
    assert outcome["derivation"] is None, "the labels Lambda derives on AWS"
    assert [(r["action"], r["author"]) for r in outcome["reviews"]] == [("reject", "anna")]
    assert _keys(s3, "voice-patients-test") == sorted([*before, f"ann/reviews/{session}.json"])
    stored = json.loads(
        s3.get_object(Bucket="voice-patients-test", Key=f"ann/reviews/{session}.json")["Body"].read()
    )
    assert stored["reviews"][0]["event"] == sad["id"]
