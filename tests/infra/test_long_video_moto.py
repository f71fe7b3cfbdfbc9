"""The synthesized long-video state machine, executed by moto, on a real 30 s narrated video.

The video Lambda gets the upload's event and, the video being longer than
``segment_above_s`` (20 s here), starts an execution; moto runs the definition and every Lambda
task calls the real steps handler (``lambdas.long_video``) in-process against moto's S3
(:mod:`tests.infra.moto_sfn`). With ``segment_s`` = 10 s the plan has 3 segments.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import FAKE_REGION, Synth, fake_refs, state_machine_definition
from tests.infra.moto_sfn import (
    MOTO_CONFIG,
    create_functions,
    patch_iso_start_time,
    patch_lambda_invoke,
    wait_for,
)
from tests.support import aws as fake

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

#: Every test builds a 30 s video and runs the long-video state machine in moto (seconds each).
pytestmark = pytest.mark.slow

PATIENT = "maria"
KEY = f"{PATIENT}/long visit.mp4"
VIDEOS, PATIENTS = fake.VIDEOS_BUCKET, fake.PATIENTS_BUCKET


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 s of the narrated samples back to back (6 events), small frames to keep it quick."""
    from tests.support.media import long_narrated_video

    return long_narrated_video(tmp_path_factory.mktemp("long") / "long.mp4", 30.0, 320, 240)


def _create_state_machine(synth: Synth, role: str, function_arn: str) -> str:
    template = synth.template
    (steps_id,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("ImageConfig", {}).get("Command") == ["lambdas.long_video.handler"]
    ]
    asl = state_machine_definition(
        template, fake_refs(template, {f"{steps_id}.Arn": function_arn}), "LongVideosStateMachine"
    )
    sfn = boto3.client("stepfunctions", region_name=FAKE_REGION)
    return str(
        sfn.create_state_machine(name="voice-long-videos", definition=json.dumps(asl), roleArn=role)[
            "stateMachineArn"
        ]
    )


@pytest.fixture
def aws(synth: Synth, monkeypatch: pytest.MonkeyPatch, clip: Path) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    patch_lambda_invoke(monkeypatch)
    patch_iso_start_time(monkeypatch)
    for name, value in {
        "VOICE_SEGMENT_S": "10",
        "VOICE_SEGMENT_ABOVE_S": "20",
        "POWERTOOLS_METRICS_NAMESPACE": "VOICE",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config=MOTO_CONFIG):
        stack = fake.moto_stack(monkeypatch, FAKE_REGION)
        role, arns = create_functions(("long_video",))
        arn = _create_state_machine(synth, role, arns["long_video"])
        monkeypatch.setenv("VOICE_LONG_VIDEO_STATE_MACHINE_ARN", arn)
        fake.clear_handler_caches()
        stack["s3"].upload_file(str(clip), VIDEOS, KEY)
        yield {**stack, "long_arn": arn}
    fake.clear_handler_caches()


def _upload_event(aws: dict[str, Any]) -> dict[str, Any]:
    """The video Lambda's answer to the upload's event, and the execution it started, run to its end."""
    from lambdas.video_processor import handler

    response = handler({"Records": [fake.sqs_record(VIDEOS, KEY, "m-long")]}, fake.LambdaContext())
    assert response == {"batchItemFailures": []}
    (execution,) = aws["sfn"].list_executions(stateMachineArn=aws["long_arn"])["executions"]
    return wait_for(aws["sfn"], execution["executionArn"], timeout_s=600)


def _keys(s3: Any, bucket: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def _history(aws: dict[str, Any], execution_arn: str) -> list[dict[str, Any]]:
    return list(aws["sfn"].get_execution_history(executionArn=execution_arn, maxResults=1000)["events"])


def _payloads(history: list[dict[str, Any]], step: str) -> list[dict[str, Any]]:
    out = []
    for event in history:
        details = event.get("taskScheduledEventDetails")
        if details:
            payload = json.loads(details["parameters"])["Payload"]
            if payload["step"] == step:
                out.append(payload)
    return out


def _one_pass(clip: Path, root: Path) -> tuple[set[str], set[str], dict[str, Any]]:
    """The same upload in one pass (the local store): its output keys and metadata."""
    from voice import layout
    from voice.run.pipeline import process_video
    from voice.storage import LocalStore

    store = LocalStore(root)
    (root / "videos" / PATIENT).mkdir(parents=True)
    shutil.copyfile(clip, root / "videos" / KEY)
    meta = process_video(store, KEY).json_doc()
    videos = {o.key for o in store.list("videos")} - {KEY}
    patients = {o.key for o in store.list("patients")}
    assert layout.metadata_key(PATIENT, meta["session"]) in videos
    return videos, patients, meta


def test_a_long_upload_goes_through_the_state_machine_to_the_one_pass_outputs(
    aws: dict[str, Any],
    clip: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from voice import layout
    from voice.aws.long_videos import ExecutionInput

    caplog.set_level(logging.INFO)
    done = _upload_event(aws)
    ours = [r for r in caplog.records if r.name in {"voice", "voice-test"}]
    logged = " ".join(f"{k}={v}" for r in ours for k, v in vars(r).items()) + capsys.readouterr().out
    assert "long-video step done" in logged
    assert PATIENT not in logged.lower()
    assert "long visit" not in logged.lower()
    history = _history(aws, done["executionArn"])
    assert done["status"] == "SUCCEEDED", json.dumps(history, default=str)[-3000:]

    # plan → 3 segments (Map) → join → merge, each a call of the steps handler.
    assert sorted(p["index"] for p in _payloads(history, "segment")) == [0, 1, 2]
    assert [len(_payloads(history, s)) for s in ("plan", "join", "merge", "fail")] == [1, 1, 1, 0]
    # The execution knows the upload by key and the patient by reference; no narration anywhere.
    started = ExecutionInput.model_validate_json(done["input"])
    assert started == ExecutionInput(key=KEY, version=None, patient_ref=fake.ref(PATIENT))
    assert done["name"].startswith(fake.ref(PATIENT) + "-")
    assert PATIENT not in done["name"]

    videos, patients = _keys(aws["s3"], VIDEOS) - {KEY}, _keys(aws["s3"], PATIENTS)
    assert not [k for k in videos if "/segments/" in k], "the intermediate files are deleted"
    one_videos, one_patients, one_meta = _one_pass(clip, tmp_path / "one-pass")
    assert videos == one_videos
    assert patients == one_patients
    session = one_meta["session"]
    meta = json.loads(
        aws["s3"].get_object(Bucket=VIDEOS, Key=layout.metadata_key(PATIENT, session))["Body"].read()
    )
    assert [e["emotion"] for e in meta["events"]] == [e["emotion"] for e in one_meta["events"]]
    for ours, theirs in zip(meta["events"], one_meta["events"], strict=True):
        assert abs(ours["time"] - theirs["time"]) <= 0.05
    assert len(meta["samples"]) == len(one_meta["samples"]) > 0
    narration = [s["text"].strip() for s in meta["transcript"]["segments"] if len(s["text"].strip()) > 8]
    assert narration
    shown = json.dumps(history, default=str) + done.get("output", "")
    assert not [line for line in narration if line in shown or line.lower() in logged.lower()]


def test_a_failing_segment_gives_a_failure_record_naming_it_and_no_partial_session(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from voice.errors import CorruptMediaError
    from voice.segments.segment_pass import segment_pass as real_pass

    ran: list[int] = []

    def failing_pass(source: Path, info: Any, job: Any, *, settings: Any) -> Any:
        ran.append(job.segment.index)
        if job.segment.index == 1:
            raise CorruptMediaError("undecodable frames in the middle of the video (injected)")
        return real_pass(source, info, job, settings=settings)

    monkeypatch.setattr("voice.segments.steps.segment_pass", failing_pass)
    done = _upload_event(aws)
    assert done["status"] == "FAILED"
    assert done["error"] == "LongVideoFailed"
    assert sorted(ran) == [0, 1, 2], "every segment ran: the failure was caught inside the Map"

    record = json.loads(aws["s3"].get_object(Bucket=VIDEOS, Key=f"failed/{KEY}.json")["Body"].read())
    assert record["error_type"] == "SegmentFailedError"
    assert record["message"].startswith("segment 2 of 3 (")
    assert "CorruptMediaError: undecodable frames" in record["message"]
    # No partial session: no metadata, CSV, VTT, video, key frames, samples or session index.
    videos = _keys(aws["s3"], VIDEOS) - {KEY, f"failed/{KEY}.json"}
    assert videos, "the finished segments are kept"
    assert all("/segments/" in k for k in videos), sorted(videos)
    assert {k.rsplit("/", 1)[1] for k in videos} >= {
        "segment_000.json",
        "segment_002.json",
        "segment_001_error.json",
    }
    assert _keys(aws["s3"], PATIENTS) == set()

    # Processing it again (a new execution, as a new upload of the file starts) reuses segments 1 and 3.
    def counting_pass(source: Path, info: Any, job: Any, *, settings: Any) -> Any:
        ran.append(job.segment.index)
        return real_pass(source, info, job, settings=settings)

    monkeypatch.setattr("voice.segments.steps.segment_pass", counting_pass)
    ran.clear()
    started = aws["sfn"].start_execution(stateMachineArn=aws["long_arn"], name="again", input=done["input"])
    again = wait_for(aws["sfn"], started["executionArn"], timeout_s=600)
    assert again["status"] == "SUCCEEDED"
    assert ran == [1]
    assert not [k for k in _keys(aws["s3"], VIDEOS) if "/segments/" in k]
    assert _keys(aws["s3"], PATIENTS)


def test_a_failing_redraw_is_caught_per_segment_and_the_merge_names_it(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Redraws map catches each draw's failure (as the Segments map does): every redraw runs,
    the finished ones are kept for a retry, and the Merge fails with a record naming the failed one."""
    from voice.aws import long_videos
    from voice.errors import CorruptMediaError
    from voice.segments import steps

    real_join, real_draw = long_videos.join_step, steps._draw
    drawn: list[int] = []

    def join_all(*args: Any, **kwargs: Any) -> list[int]:
        real_join(*args, **kwargs)
        return [0, 1, 2]  # every segment is drawn again

    def failing_draw(store: Any, doc: Any, index: int, source: Path, settings: Any) -> None:
        drawn.append(index)
        if index == 1:
            raise CorruptMediaError("frames vanished while drawing (injected)")
        real_draw(store, doc, index, source, settings)

    monkeypatch.setattr(long_videos, "join_step", join_all)
    monkeypatch.setattr(steps, "_draw", failing_draw)
    done = _upload_event(aws)
    assert done["status"] == "FAILED"
    assert sorted(drawn) == [0, 1, 2], "every redraw ran: the failure was caught inside the Map"
    history = _history(aws, done["executionArn"])
    (merge,) = _payloads(history, "merge")
    assert sorted(merge["draws"], key=lambda d: d["index"]) == [
        {"index": 0},
        {"index": 1, "error": "StepFailed"},
        {"index": 2},
    ]
    record = json.loads(aws["s3"].get_object(Bucket=VIDEOS, Key=f"failed/{KEY}.json")["Body"].read())
    assert record["error_type"] == "SegmentFailedError"
    assert record["message"].startswith("segment 2 of 3 (")
    assert "drawing it again failed: CorruptMediaError: frames vanished" in record["message"]
    work = {k.rsplit("/", 1)[1] for k in _keys(aws["s3"], VIDEOS) if k.startswith("work/segments/")}
    assert {"draw_000.json", "draw_002.json", "draw_001_error.json"} <= work, "kept for a retry"
    assert _keys(aws["s3"], PATIENTS) == set(), "no partial session"


def test_a_patient_runs_at_most_per_patient_executions_first_come_first_served(
    aws: dict[str, Any],
) -> None:
    from voice.aws.long_videos import PatientBusyError, admit, execution_name, start_execution
    from voice.segments.steps import SegmentedRun

    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    role = "arn:aws:iam::123456789012:role/voice"
    arn = aws["sfn"].create_state_machine(name="waits", definition=json.dumps(wait), roleArn=role)[
        "stateMachineArn"
    ]
    ref, other = fake.ref(PATIENT), fake.ref("someone else")
    runs = [SegmentedRun(f"{PATIENT}/v{i}.mp4", None, f"v{i}-0123456789", 600.0) for i in range(3)]
    names = [start_execution(aws["sfn"], arn, ref, run).execution for run in runs]
    start_execution(aws["sfn"], arn, other, SegmentedRun("someone else/v.mp4", None, "v-0", 600.0))
    # The same event again: the same name, no second execution.
    assert start_execution(aws["sfn"], arn, ref, runs[0]).execution == names[0]
    assert names[0] == execution_name(ref, runs[0])
    listed = aws["sfn"].list_executions(stateMachineArn=arn)["executions"]
    assert len(listed) == 4
    admit(aws["sfn"], arn, names[0], 2)
    admit(aws["sfn"], arn, names[1], 2)
    with pytest.raises(PatientBusyError):
        admit(aws["sfn"], arn, names[2], 2)
    admit(aws["sfn"], arn, names[2], 3)
