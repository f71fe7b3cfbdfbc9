"""voice cloud over moto: names from stack outputs, multipart upload that never overwrites, training
start, status by patient reference, download; set-up problems as one line."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import (
    HISTORY_TABLE,
    PATIENTS_BUCKET,
    VIDEOS_BUCKET,
    bare_aws_env,
    fake_stack,
    publish_outputs,
    ref,
)

REGION = "us-east-1"
STACK = "VoiceStackTest"

boto3 = pytest.importorskip("boto3")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    from voice.config import get_settings

    for name in (
        "VOICE_VIDEOS_BUCKET",
        "VOICE_PATIENTS_BUCKET",
        "VOICE_STATE_MACHINE_ARN",
        "VOICE_HISTORY_TABLE",
        "VOICE_REF_SECRET_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("VOICE_STACK_NAME", STACK)
    get_settings.cache_clear()
    with mock_aws():
        stack = fake_stack(REGION)
        outputs = publish_outputs(stack, REGION, STACK)
        cfn = boto3.client("cloudformation", region_name=REGION)
        yield {**stack, "cfn": cfn, "outputs": outputs}
    get_settings.cache_clear()


def test_names_come_from_the_stack_outputs_unless_set(aws: dict[str, Any]) -> None:
    from voice.aws.outputs import resolve_names
    from voice.config import Settings

    names = resolve_names(Settings(), cloudformation=aws["cfn"])
    assert names.videos_bucket == VIDEOS_BUCKET
    assert names.state_machine_arn == aws["arn"]
    mixed = resolve_names(Settings(videos_bucket="my-own-videos"), cloudformation=aws["cfn"])
    assert mixed.videos_bucket == "my-own-videos"
    assert mixed.history_table == HISTORY_TABLE


def test_a_missing_stack_is_a_config_error_that_says_what_to_do(aws: dict[str, Any]) -> None:
    from voice.aws.outputs import resolve_names
    from voice.config import Settings
    from voice.errors import ConfigError

    with pytest.raises(ConfigError, match="VOICE_STACK_NAME"):
        resolve_names(Settings(stack_name="NoSuchStack"), cloudformation=aws["cfn"])


def _gate(aws: dict[str, Any]) -> Any:
    from voice.aws.history import Gate

    return Gate(aws["ddb"], aws["sfn"], HISTORY_TABLE, aws["arn"], 10200.0)


def test_a_manual_training_run_takes_the_patients_lock_and_waits_for_a_running_one(
    aws: dict[str, Any],
) -> None:
    """`voice cloud train` takes the gate's lock (owner: its execution), so a manual run never
    overlaps another run of the patient; while one holds it, the start is refused, naming it."""
    from voice.aws.commands import start_training
    from voice.aws.history import TrainingBusyError, lock_item, release_lock

    ann = ref("Ann Example")
    started = start_training("Ann Example", gate=_gate(aws), ref=ann, force=True)
    lock = lock_item(aws["ddb"], HISTORY_TABLE, ann)
    assert lock is not None
    assert lock["owner"] == started["name"]
    with pytest.raises(TrainingBusyError, match=started["name"]) as busy:
        start_training("Ann Example", gate=_gate(aws), ref=ann)
    assert "Ann" not in str(busy.value)
    executions = aws["sfn"].list_executions(stateMachineArn=aws["arn"])["executions"]
    assert [e["name"] for e in executions] == [started["name"]], "nothing else started"
    # The execution frees it at its end (the state machine's conditional release); then it starts.
    assert release_lock(aws["ddb"], HISTORY_TABLE, ann, owner=started["name"])
    again = start_training("Ann Example", gate=_gate(aws), ref=ann)
    assert again["name"] != started["name"]


def test_start_training_then_status_shows_the_execution_and_history(aws: dict[str, Any]) -> None:
    """The history table and the execution names know the patient by keyed reference only."""
    from voice.aws.commands import LONG_VIDEOS_LISTED, start_training, status
    from voice.aws.outputs import CloudNames

    ann = ref("Ann Example")
    started = start_training("Ann Example", gate=_gate(aws), ref=ann)
    assert started["name"].startswith(ann + "-")
    assert "-manual-" in started["name"]
    described = aws["sfn"].describe_execution(executionArn=started["execution_arn"])
    assert json.loads(described["input"]) == {
        "patient": "Ann Example",
        "patient_ref": ann,
        "force": False,
        "gate": False,
    }

    for sk, state in [("RUN#2026-11-20T10:00:00Z#a", "skipped"), ("RUN#2026-11-21T10:00:00Z#b", "trained")]:
        aws["ddb"].put_item(
            TableName=HISTORY_TABLE,
            Item={"patient": {"S": ann}, "sk": {"S": sk}, "status": {"S": state}},
        )
    aws["ddb"].put_item(  # the lock the manual run took, as status shows it
        TableName=HISTORY_TABLE,
        Item={"patient": {"S": ann}, "sk": {"S": "LOCK"}, "lock_until": {"N": "1764000000"}},
    )
    aws["ddb"].put_item(
        TableName=HISTORY_TABLE,
        Item={"patient": {"S": ref("bob")}, "sk": {"S": "RUN#x"}, "status": {"S": "failed"}},
    )
    # Long videos in segments: executions named <ref>-<digest> (voice.aws.long_videos).
    long_names = [f"{ann}-{i:016x}" for i in range(LONG_VIDEOS_LISTED + 1)]
    for name in [*long_names, f"{ref('bob')}-{0:016x}"]:
        aws["sfn"].start_execution(stateMachineArn=aws["long_arn"], name=name, input="{}")
    names = CloudNames(
        videos_bucket=VIDEOS_BUCKET,
        patients_bucket=PATIENTS_BUCKET,
        state_machine_arn=aws["arn"],
        history_table=HISTORY_TABLE,
        ref_secret_arn=aws["ref_secret_arn"],
        long_video_state_machine_arn=aws["long_arn"],
    )
    report = status("Ann Example", ddb=aws["ddb"], sfn=aws["sfn"], names=names, ref=ann)
    assert [r["status"] for r in report["runs"]] == ["trained", "skipped"]
    assert report["lock"]["lock_until"] == 1764000000.0
    assert report["last_execution"]["name"] == started["name"]
    listed = report["long_videos"]
    assert len(listed) == LONG_VIDEOS_LISTED  # the newest ones, none of bob's
    assert {e["name"] for e in listed} <= set(long_names)
    assert [e["started"] for e in listed] == sorted((e["started"] for e in listed), reverse=True)

    # A stack deployed before long videos has no such output: status still works, lists none.
    older = status(
        "Ann Example",
        ddb=aws["ddb"],
        sfn=aws["sfn"],
        names=replace(names, long_video_state_machine_arn=""),
        ref=ann,
    )
    assert older["long_videos"] == []
    assert older["last_execution"]["name"] == started["name"]


def test_download_model_fetches_the_promoted_run(aws: dict[str, Any], tmp_path: Path) -> None:
    from voice import layout
    from voice.aws.commands import download_model
    from voice.errors import ModelError

    with pytest.raises(ModelError, match="no promoted model"):
        download_model("ann", tmp_path / "none", s3=aws["s3"], bucket=PATIENTS_BUCKET)

    run = "20261121T120000Z-0123abcd"
    for name, body in {"model.skops": b"model", "metrics.json": b"{}", "report.html": b"<html>"}.items():
        aws["s3"].put_object(
            Bucket=PATIENTS_BUCKET, Key=layout.model_artifact_key("ann", run, name), Body=body
        )
    aws["s3"].put_object(
        Bucket=PATIENTS_BUCKET,
        Key=layout.model_artifact_key("ann", "20200101T000000Z-old", "model.skops"),
        Body=b"x",
    )
    aws["s3"].put_object(
        Bucket=PATIENTS_BUCKET,
        Key=layout.latest_model_key("ann"),
        Body=json.dumps(
            {"run_id": run, "model": layout.model_artifact_key("ann", run, "model.skops")}
        ).encode(),
    )
    got = download_model("ann", tmp_path / "model", s3=aws["s3"], bucket=PATIENTS_BUCKET)
    assert got["run_id"] == run
    assert got["files"] == ["latest.json", "metrics.json", "model.skops", "report.html"]
    assert (tmp_path / "model" / "model.skops").read_bytes() == b"model"


def test_voice_cloud_commands_through_the_cli(aws: dict[str, Any], tmp_path: Path) -> None:
    from voice.cli import main

    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00" * 2048)
    aws["s3"].put_bucket_versioning(Bucket=VIDEOS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["cloud", "upload", str(video), "--patient", "ann", "--json"])
    assert code == 0, out.getvalue()
    assert json.loads(out.getvalue())["uploaded"][0]["key"] == "ann/clip.mp4"
    # With the stack's key from its DataKeyArn output: the buckets refuse anything else.
    head = aws["s3"].head_object(Bucket=VIDEOS_BUCKET, Key="ann/clip.mp4")
    assert head["SSEKMSKeyId"] == aws["key_arn"]

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["cloud", "reprocess", "ann", "clip.mp4", "--json"])
    assert code == 0, out.getvalue()
    asked = json.loads(out.getvalue())
    assert asked["key"] == "ann/clip.mp4"
    assert asked["version"] != asked["replaces"]
    head = aws["s3"].head_object(Bucket=VIDEOS_BUCKET, Key="ann/clip.mp4")
    assert head["VersionId"] == asked["version"]
    assert "voice-reprocess" in head["Metadata"]

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["cloud", "train", "ann", "--json"])
    assert code == 0
    assert json.loads(out.getvalue())["execution_arn"].startswith("arn:aws:states:")

    long_video = f"{ref('ann')}-{0:016x}"
    aws["sfn"].start_execution(stateMachineArn=aws["long_arn"], name=long_video, input="{}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["cloud", "status", "ann", "--json"])
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["last_execution"]["status"] in {"RUNNING", "SUCCEEDED"}
    # found through the stack's LongVideoStateMachineArn output
    assert [e["name"] for e in report["long_videos"]] == [long_video]


# --- set-up problems: one line naming what to set, exit code 2 ---------------------------------

COMMANDS = {
    "reprocess": ["cloud", "reprocess", "ann", "clip.mp4"],
    "status": ["cloud", "status", "ann"],
    "train": ["cloud", "train", "ann"],
    "download-model": ["cloud", "download-model", "ann", "/nonexistent/dest"],
    "upload": ["cloud", "upload", "clip.mp4", "--patient", "ann"],
}


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A new user's machine: no AWS variables, no ~/.aws files, no instance metadata."""
    bare_aws_env(monkeypatch, tmp_path)
    (tmp_path / "clip.mp4").write_bytes(b"\x00" * 64)
    return monkeypatch


def _test_credentials(env: pytest.MonkeyPatch, region: str) -> None:
    env.setenv("AWS_REGION", region)
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from voice.cli import main

    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_region_is_one_line_naming_aws_region(
    bare_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, err = _cli(COMMANDS[command], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "AWS_REGION" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_credentials_is_one_line_naming_what_to_set(
    bare_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    bare_env.setenv("AWS_REGION", "eu-west-1")
    code, err = _cli(COMMANDS[command], capsys)
    assert (code, err.count("\n")) == (2, 1), err
    assert "AWS_PROFILE" in err
    assert "AWS_ACCESS_KEY_ID" in err


def test_aws_region_alone_is_honoured_and_a_missing_stack_says_where_it_looked(
    bare_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from moto import mock_aws

    _test_credentials(bare_env, "eu-west-1")
    with mock_aws():
        code, err = _cli(COMMANDS["status"], capsys)
        assert (code, err.count("\n")) == (2, 1), err
        assert "not deployed in eu-west-1" in err
        assert "npx cdk deploy" in err
        assert "VOICE_STACK_NAME" in err
        # Deployed in that region (and only there): the same command works.
        publish_outputs(fake_stack("eu-west-1"), "eu-west-1", "VoiceStack")
        code, err = _cli([*COMMANDS["status"], "--json"], capsys)
        assert code == 0, err


def test_access_denied_is_one_line_pointing_at_the_permissions(
    bare_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto with IAM checks on: a user with no policy may not read the stack."""
    from moto import mock_aws
    from moto.core import set_initial_no_auth_action_count

    _test_credentials(bare_env, "us-east-1")

    @set_initial_no_auth_action_count(2)
    def as_a_user_without_permissions() -> tuple[int, str]:
        with mock_aws():
            iam = boto3.client("iam")
            iam.create_user(UserName="nurse")
            key = iam.create_access_key(UserName="nurse")["AccessKey"]
            bare_env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
            bare_env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
            return _cli(COMMANDS["status"], capsys)

    code, err = as_a_user_without_permissions()
    assert (code, err.count("\n")) == (2, 1), err
    assert "access denied (DescribeStacks)" in err
    assert "docs/cloud.md" in err
