"""Everything a cloud run emits outside the two buckets carries no patient name, file stem or
narration: the handlers' logs and metrics, the training entry's output and failure file, the
execution names, the training job's name, URIs and hyperparameters, the Recheck event, and the
history rows (docs/cloud.md, "Where PHI lives"). The execution's own input and state name the
patient; the state machine is encrypted with the stack's key (tests/infra checks that)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import (
    PATIENTS_BUCKET,
    VIDEOS_BUCKET,
    LambdaContext,
    clear_handler_caches,
    moto_stack,
    ref,
    s3_object_created,
    sqs_record,
)
from tests.support.media import sample
from tests.support.synthetic import synthetic_dataset, write_samples

PATIENT = "Maria Jansen"
UPLOAD = f"{PATIENT}/Maria_at_the_garden.mp4"  # the narration: "We are in the garden. Maria is happy."
SECRETS = ("maria", "jansen", "garden", "happy")
FAST = {"forest_trees": "20", "cv_repeats": "1", "cv_folds": "3"}

pytestmark = pytest.mark.slow


FakeContext = LambdaContext


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    for name, value in FAST.items():
        monkeypatch.setenv(f"VOICE_{name.upper()}", value)
    with mock_aws():
        yield moto_stack(monkeypatch)
    clear_handler_caches()


def _everything_logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """Log records with every structured field, and what went to stdout/stderr (EMF metrics)."""
    records = " ".join(f"{k}={v}" for r in caplog.records for k, v in vars(r).items())
    out = capsys.readouterr()
    return f"{records}\n{out.out}\n{out.err}".lower()


def _history_rows(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return list(aws["ddb"].scan(TableName="voice-history")["Items"])


def test_a_cloud_run_emits_no_name_file_stem_or_narration_outside_the_buckets(
    aws: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from lambdas.analyze import handler as analyze
    from lambdas.promote import handler as promote
    from lambdas.training_gate import handler as gate
    from lambdas.video_processor import handler as video
    from training.train import main as train
    from voice.aws.s3 import S3Store

    caplog.set_level(logging.INFO)  # the deployed level (POWERTOOLS_LOG_LEVEL=INFO)
    aws["s3"].upload_file(str(sample("garden.mp4")), VIDEOS_BUCKET, UPLOAD)
    aws["s3"].put_object(Bucket=VIDEOS_BUCKET, Key=f"{PATIENT}/Maria_broken.mp4", Body=b"not a video")
    records = [
        sqs_record(VIDEOS_BUCKET, UPLOAD, "a"),
        sqs_record(VIDEOS_BUCKET, f"{PATIENT}/Maria_broken.mp4", "b"),
    ]
    assert video({"Records": records}, FakeContext()) == {"batchItemFailures": []}

    # The samples of four more videos, so the flow trains; then the gate on the session index.
    store = S3Store(aws["s3"], videos_bucket=VIDEOS_BUCKET, patients_bucket=PATIENTS_BUCKET)
    write_samples(
        store,
        PATIENT,
        synthetic_dataset(sessions_per_emotion=4, samples_per_session=2, emotions=("happiness", "sadness")),
    )
    index = next(
        o["Key"]
        for o in aws["s3"].list_objects_v2(Bucket=PATIENTS_BUCKET)["Contents"]
        if "/.sessions/" in o["Key"]
    )
    started = gate(s3_object_created(PATIENTS_BUCKET, index), FakeContext())
    assert started["started"] is True
    (execution,) = aws["sfn"].list_executions(stateMachineArn=aws["arn"])["executions"]
    run_input = json.loads(aws["sfn"].describe_execution(executionArn=execution["executionArn"])["input"])

    decision = analyze({"input": run_input, "execution": execution["name"]}, FakeContext())
    assert decision["train"] is True

    # The training job as SageMaker runs it: the channel is a copy of the staged prefix.
    channel = tmp_path / "channel"
    staged = decision["train_uri"].split("/", 3)[3]
    pages = aws["s3"].get_paginator("list_objects_v2").paginate(Bucket=PATIENTS_BUCKET, Prefix=staged)
    for obj in (o for page in pages for o in page["Contents"]):
        target = channel / obj["Key"][len(staged) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        aws["s3"].download_file(PATIENTS_BUCKET, obj["Key"], str(target))
    hyperparameters = {"patient_ref": run_input["patient_ref"], "force": decision["force"], **FAST}
    env = {
        "SM_HPS": json.dumps(hyperparameters),
        "SM_CHANNEL_TRAIN": str(channel),
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SM_OUTPUT_DATA_DIR": str(tmp_path / "output"),
        "VOICE_FAILURE_FILE": str(tmp_path / "failure"),
    }
    assert train([], env) == 0
    import tarfile

    job = decision["training_job_name"]
    artifact = f"{decision['output_uri'].split('/', 3)[3]}{job}/output/model.tar.gz"
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as tar:
        for path in (tmp_path / "model").iterdir():
            tar.add(path, arcname=path.name)
    aws["s3"].upload_file(str(tmp_path / "model.tar.gz"), PATIENTS_BUCKET, artifact)
    promoted = promote(
        {
            "patient": run_input["patient"],
            "patient_ref": run_input["patient_ref"],
            "training_job_name": job,
            "model_artifacts": f"s3://{PATIENTS_BUCKET}/{artifact}",
        },
        FakeContext(),
    )
    # The Recheck the state machine sends when uploads found the lock taken: what the gate gets.
    recheck = {
        "source": "voice.training",
        "detail-type": "Recheck",
        "detail": {"patient_ref": run_input["patient_ref"]},
    }
    assert gate(recheck, FakeContext())["started"] is False, "the running execution still holds the lock"
    # A history row as the state machine writes it from these outputs (infra/components/training.py).
    aws["ddb"].put_item(
        TableName="voice-history",
        Item={
            "patient": {"S": run_input["patient_ref"]},
            "sk": {"S": f"RUN#2026-12-01T00:00:00Z#{execution['name']}"},
            "status": {"S": "trained"},
            "promoted": {"BOOL": promoted["promoted"]},
            "reason": {"S": promoted["reason"]},
            "run_id": {"S": promoted["run_id"]},
            "training_job_name": {"S": job},
            "reasons": {"S": decision["reasons_text"]},
            "counts": {"S": decision["counts_json"]},
        },
    )

    emitted = "\n".join(
        [
            _everything_logged(caplog, capsys),
            execution["name"],
            job,
            json.dumps(hyperparameters),
            json.dumps(_history_rows(aws)),
            json.dumps(decision),  # the job's name, URIs and hyperparameters among them
            json.dumps(promoted),
            json.dumps(recheck),
        ]
    ).lower()
    assert "video processed" in emitted, "the handlers did log"
    assert ref(PATIENT) in emitted, "the patient is referred to, by reference"
    for secret in SECRETS:
        at = emitted.find(secret)
        assert at < 0, (secret, emitted[max(0, at - 300) : at + 100])
