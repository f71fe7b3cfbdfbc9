"""The handler image run as Lambda runs it, invoked through the Runtime API.

Each function of the synthesized template gets its own container, shaped like its Lambda sandbox
(see tests/images/sandbox.py), on a network that reaches only this host: the Runtime API server
of the test and a moto server standing in for S3, DynamoDB and Step Functions.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.images.conftest import (
    PATIENT,
    PATIENTS_BUCKET,
    RESULTS,
    TABLE,
    VIDEOS_BUCKET,
    Images,
    TrainingRun,
)
from tests.images.runtime_api import Invocation
from tests.images.sandbox import FunctionConfig, HostLink, LambdaRun, cannot_reach_outside, lambda_container
from tests.support.aws import load_event, ref, s3_object_created, sqs_record
from voice import layout

SAMPLE = "garden.mp4"  # "We are in the garden. Maria is happy."
#: What must never show in a log line: the patient's name, the file stem, the narration.
SECRETS = ("Maria", "Example", "garden", "happy")
#: Model and weight files: none may appear in /tmp (nothing is downloaded at run time).
MODEL_SUFFIXES = (".bin", ".tflite", ".onnx", ".pt", ".safetensors", ".task")


@dataclass
class Invoked:
    run: LambdaRun
    invocation: Invocation

    @property
    def response(self) -> Any:
        assert self.invocation.error is None, self.invocation.error
        return self.invocation.response


def invoke(
    images: Images, handler: str, event: Any, *, link: HostLink, refs: dict[str, str], aws: dict[str, Any]
) -> Invoked:
    """One cold start of the function running ``handler`` and one invocation with ``event``."""
    config = FunctionConfig.from_template(images.template(), handler)
    with lambda_container(
        images.tag("lambda"), config, link=link, refs=refs, extra_env={"AWS_ENDPOINT_URL": aws["endpoint"]}
    ) as fn:
        fn.wait_for_init()
        invocation = fn.api.invoke(event, timeout_s=config.timeout_s)
    name = handler.split(".")[1]
    RESULTS["lambda"][name] = {
        "init_s": fn.init_s,
        "run_s": round(invocation.run_s, 2),
        "memory_mb": config.memory_mb,
        "cpus": config.cpus,
        "tmp_files": len(fn.tmp_files),
    }
    return Invoked(fn, invocation)


def keys(s3: Any, bucket: str) -> set[str]:
    found = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found |= {obj["Key"] for obj in page.get("Contents", [])}
    return found


@pytest.fixture(scope="module")
def video(images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any]) -> Invoked:
    """The video processor on an SQS batch: one bundled sample, one corrupt upload (it can never
    succeed: recorded and acknowledged) and one whose object is not there (retried)."""
    from voice.run.demo import samples_dir

    good, bad = f"{PATIENT}/{SAMPLE}", f"{PATIENT}/broken upload.MP4"
    aws["s3"].upload_file(str(samples_dir() / SAMPLE), VIDEOS_BUCKET, good)
    aws["s3"].put_object(Bucket=VIDEOS_BUCKET, Key=bad, Body=b"\x00\x00\x00\x18ftypmp42" + b"\x17" * 4000)
    missing = f"{PATIENT}/still uploading.mp4"
    records = [
        sqs_record(VIDEOS_BUCKET, good, "m-good"),
        sqs_record(VIDEOS_BUCKET, bad, "m-bad"),
        sqs_record(VIDEOS_BUCKET, missing, "m-missing"),
    ]
    event = {"Records": records}
    return invoke(images, "lambdas.video_processor.handler", event, link=link, refs=refs, aws=aws)


def test_the_sandbox_reaches_nothing_but_this_host(images: Images, link: HostLink) -> None:
    assert cannot_reach_outside(images.tag("lambda"), link) == "OSError 101"  # ENETUNREACH


def test_a_batch_is_processed_the_corrupt_upload_recorded_and_the_missing_one_retried(
    video: Invoked, aws: dict[str, Any]
) -> None:
    assert video.response == {"batchItemFailures": [{"itemIdentifier": "m-missing"}]}
    videos, patients = keys(aws["s3"], VIDEOS_BUCKET), keys(aws["s3"], PATIENTS_BUCKET)
    (metadata_key,) = [k for k in videos if k.endswith("_metadata.json")]
    metadata = json.loads(aws["s3"].get_object(Bucket=VIDEOS_BUCKET, Key=metadata_key)["Body"].read())
    session = metadata["session"]
    assert {
        layout.annotated_video_key(PATIENT, session),
        layout.vtt_key(PATIENT, session),
        layout.srt_key(PATIENT, session),
        layout.events_vtt_key(PATIENT, session),
        layout.metadata_key(PATIENT, session),
        layout.analysis_key(PATIENT, session),
    } <= videos
    assert any(k.startswith(f"annotated/{PATIENT}/frames/{session}/") for k in videos)
    assert [e["emotion"] for e in metadata["events"]] == ["happiness"]
    assert metadata["samples"], metadata.get("reasons")
    assert layout.session_index_key(PATIENT, session) in patients
    assert any(k.startswith(f"{PATIENT}/happiness/{session}_e") for k in patients)
    failure = layout.failure_key(PATIENT, "broken upload.MP4")
    record = json.loads(aws["s3"].get_object(Bucket=VIDEOS_BUCKET, Key=failure)["Body"].read())
    assert record["error_type"] == "CorruptMediaError"
    RESULTS["lambda"]["ok"] = True


def test_nothing_is_written_outside_tmp_and_nothing_downloaded(video: Invoked) -> None:
    run = video.run
    assert not run.oom_killed
    assert run.rootfs_changes == run.podman_changes, run.rootfs_changes  # the code changed nothing
    assert all(f.startswith("/tmp/") for f in run.tmp_files)
    assert not [f for f in run.tmp_files if f.endswith(MODEL_SUFFIXES)], run.tmp_files
    assert {path for _method, path in run.api.requests} <= {
        "/2018-06-01/runtime/invocation/next",
        f"/2018-06-01/runtime/invocation/{video.invocation.request_id}/response",
    }


def test_logs_carry_no_names_file_stems_or_narration(video: Invoked) -> None:
    logs = video.run.logs
    assert '"level":"INFO"' in logs.replace(" ", ""), logs[-2000:]  # Powertools JSON lines
    for secret in SECRETS:
        assert secret.lower() not in logs.lower(), (secret, logs[-3000:])


def test_the_gate_takes_the_lock_and_starts_one_execution(
    video: Invoked, images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any]
) -> None:
    # The session's index, not its pose track (``.track.npz``) beside it.
    (index_key,) = [k for k in keys(aws["s3"], PATIENTS_BUCKET) if "/.sessions/" in k and k.endswith(".json")]
    event = s3_object_created(PATIENTS_BUCKET, index_key)
    gate = invoke(images, "lambdas.training_gate.handler", event, link=link, refs=refs, aws=aws)
    assert gate.response["started"] is True, gate.response
    executions = aws["stepfunctions"].list_executions(stateMachineArn=aws["state_machine_arn"])["executions"]
    assert [e["executionArn"] for e in executions] == [gate.response["execution_arn"]]
    key = {"patient": {"S": ref(PATIENT)}, "sk": {"S": "LOCK"}}  # the table knows references only
    lock = aws["dynamodb"].get_item(TableName=TABLE, Key=key)
    assert lock["Item"]["owner"]["S"]


def test_analyze_decides_over_the_processed_samples(
    video: Invoked, images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any]
) -> None:
    event = load_event("sfn_analyze.json")
    event["input"].update({"patient": PATIENT, "patient_ref": ref(PATIENT)})
    analyze = invoke(images, "lambdas.analyze.handler", event, link=link, refs=refs, aws=aws)
    result = analyze.response
    assert result["train"] is False, result
    assert json.loads(result["counts_json"]) == {"happiness": 1}, result
    assert "sample" in result["reasons_text"]
    # A job's URIs name the patient's reference, never the patient (it would train on a staged copy).
    assert result["train_uri"].startswith(f"s3://{PATIENTS_BUCKET}/work/training/{ref(PATIENT)}/")
    assert PATIENT not in result["train_uri"]


def _tar(directory: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(directory.iterdir()):
            if path.is_file():
                tar.add(path, arcname=path.name)
    return buf.getvalue()


def test_promote_takes_the_training_image_output(
    trained: TrainingRun, images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any]
) -> None:
    """SageMaker tars /opt/ml/model and /opt/ml/output/data of the job; promote unpacks them."""
    assert trained.returncode == 0, trained.output[-2000:]
    event = load_event("sfn_promote.json")
    job = event["training_job_name"]
    stage = layout.training_stage_prefix(ref(PATIENT), "0123456789abcdef0123")
    key = f"{stage}output/{job}/output/model.tar.gz"  # where SageMaker writes it: the staging output
    aws["s3"].put_object(Bucket=PATIENTS_BUCKET, Key=key, Body=_tar(trained.model_dir))
    output = key.replace("model.tar.gz", "output.tar.gz")
    aws["s3"].put_object(Bucket=PATIENTS_BUCKET, Key=output, Body=_tar(trained.output_dir / "data"))
    event.update(
        {"patient": PATIENT, "patient_ref": ref(PATIENT), "model_artifacts": f"s3://{PATIENTS_BUCKET}/{key}"}
    )
    promote = invoke(images, "lambdas.promote.handler", event, link=link, refs=refs, aws=aws)
    result = promote.response
    assert result["promoted"] is True, result
    latest = json.loads(
        aws["s3"].get_object(Bucket=PATIENTS_BUCKET, Key=layout.latest_model_key(PATIENT))["Body"].read()
    )
    assert latest["run_id"] == result["run_id"]
    run_keys = keys(aws["s3"], PATIENTS_BUCKET)
    for name in ("model.skops", "metrics.json", "out_of_fold.json", "reliability.png", "report.html"):
        assert layout.model_artifact_key(PATIENT, result["run_id"], name) in run_keys, name


def test_after_promotion_a_video_gets_explained_predictions(
    trained: TrainingRun, images: Images, link: HostLink, refs: dict[str, str], aws: dict[str, Any]
) -> None:
    """Once a model is promoted the video Lambda predicts: each window with its top signals in
    words (SHAP in the image) and whether it is unsure, in the metadata and the CSV."""
    from voice.run.demo import samples_dir

    if not aws["s3"].list_objects_v2(Bucket=PATIENTS_BUCKET, Prefix=layout.latest_model_key(PATIENT))[
        "KeyCount"
    ]:
        pytest.skip("no promoted model (the promote test did not run)")
    key = f"{PATIENT}/park.mp4"
    aws["s3"].upload_file(str(samples_dir() / "park.mp4"), VIDEOS_BUCKET, key)
    event = {"Records": [sqs_record(VIDEOS_BUCKET, key, "m-park")]}
    invoked = invoke(images, "lambdas.video_processor.handler", event, link=link, refs=refs, aws=aws)
    assert invoked.response == {"batchItemFailures": []}
    (metadata_key,) = [
        k for k in keys(aws["s3"], VIDEOS_BUCKET) if k.endswith("_metadata.json") and "park" in k
    ]
    metadata = json.loads(aws["s3"].get_object(Bucket=VIDEOS_BUCKET, Key=metadata_key)["Body"].read())
    predictions = metadata["predictions"]
    assert predictions, "a promoted model predicts every window"
    assert metadata["models"]["patient"]
    for p in predictions:
        assert isinstance(p["unsure"], bool)
        assert p["signals"], p
        assert all(s["words"] and s["contribution"] > 0 for s in p["signals"])
