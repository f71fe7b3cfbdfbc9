"""Training handlers over moto: the gate's per-patient lock, analyze (voice.model.gate), promote
(baseline rule)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.support.aws import (
    HISTORY_TABLE,
    PATIENTS_BUCKET,
    clear_handler_caches,
    load_event,
    moto_stack,
    ref,
    s3_object_created,
    written_keys,
)
from voice.model.registry import tarball

REGION = "us-east-1"
BUCKET = PATIENTS_BUCKET
TABLE = HISTORY_TABLE
PATIENT = "maria"
FAST = {"forest_trees": "20", "cv_repeats": "1", "cv_folds": "3"}

boto3 = pytest.importorskip("boto3")


class FakeContext(SimpleNamespace):
    function_name = "voice-test"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:voice-test"
    aws_request_id = "req-1"


def session_index_event(patient: str, session: str) -> dict[str, Any]:
    return s3_object_created(BUCKET, f"{patient}/.sessions/{session}.json")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from moto import mock_aws

    monkeypatch.setenv("VOICE_GATE_COOLDOWN_S", "3600")
    for name, value in FAST.items():
        monkeypatch.setenv(f"VOICE_{name.upper()}", value)
    with mock_aws():
        yield moto_stack(monkeypatch, REGION)
    clear_handler_caches()


def _executions(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return list(aws["sfn"].list_executions(stateMachineArn=aws["arn"])["executions"])


# --- training gate ------------------------------------------------------------------------------


def test_eight_concurrent_events_for_one_patient_start_exactly_one_execution(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    from lambdas.training_gate import handler

    # DynamoDB applies each conditional write atomically; moto's check-then-write is plain Python,
    # so serialise every write the way the service does (else a thread switch could split one).
    item_lock = threading.Lock()

    def atomic(original: Any) -> Any:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            with item_lock:
                return original(self, *args, **kwargs)

        return write

    for name in ("put_item", "update_item", "delete_item"):
        monkeypatch.setattr(DynamoDBBackend, name, atomic(getattr(DynamoDBBackend, name)))

    events = [session_index_event("Ann Example", f"clip-{i}-0123456789") for i in range(8)]
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(len(events))

    def fire(event: dict[str, Any]) -> None:
        barrier.wait()
        results.append(handler(event, FakeContext()))

    threads = [threading.Thread(target=fire, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(r["started"] for r in results) == [False] * 7 + [True]
    (execution,) = _executions(aws)
    described = aws["sfn"].describe_execution(executionArn=execution["executionArn"])
    ann = ref("Ann Example")
    assert json.loads(described["input"]) == {
        "patient": "Ann Example",
        "patient_ref": ann,
        "force": False,
        "gate": True,
    }
    # The execution name identifies the patient only by the keyed reference.
    assert execution["name"].startswith(ann + "-")
    assert "Ann" not in execution["name"]
    assert "Example" not in execution["name"]
    # The lock (keyed by reference) belongs to that execution; the seven that found it taken left
    # a note for its end.
    lock = _lock(aws, ann)
    assert lock["owner"]["S"] == execution["name"]
    assert "pending_since" in lock


def _lock(aws: dict[str, Any], patient_ref: str) -> dict[str, Any]:
    item = aws["ddb"].get_item(TableName=TABLE, Key={"patient": {"S": patient_ref}, "sk": {"S": "LOCK"}})
    return dict(item["Item"])


def _gate(aws: dict[str, Any], sfn: Any = None, hold_s: float = 3600.0) -> Any:
    from voice.aws.history import Gate

    return Gate(aws["ddb"], sfn or aws["sfn"], TABLE, aws["arn"], hold_s)


def test_the_lock_holds_for_its_hold_time_and_is_owned_by_the_execution(aws: dict[str, Any]) -> None:
    hold = 10_200.0  # the state machine's timeout: longer than any execution
    gate, me = _gate(aws, hold_s=hold), ref(PATIENT)
    first = gate.start_if_unlocked(PATIENT, ref=me, now=1_000_000.0)
    lock = _lock(aws, me)
    assert float(lock["lock_until"]["N"]) == 1_000_000.0 + hold
    assert first.execution_arn
    assert first.execution_arn.endswith(":" + lock["owner"]["S"])
    assert "pending_since" not in lock
    during = gate.start_if_unlocked(PATIENT, ref=me, now=1_000_000.0 + hold - 1)
    assert "pending_since" in _lock(aws, me)
    after = gate.start_if_unlocked(PATIENT, ref=me, now=1_000_000.0 + hold + 1)
    other = gate.start_if_unlocked("bob", ref=ref("bob"), now=1_000_000.0 + 10)
    assert (first.started, during.started, after.started, other.started) == (True, False, True, True)
    assert len(_executions(aws)) == 3
    # A new lock starts clean: the note was for the execution that held the old one.
    assert "pending_since" not in _lock(aws, me)


def _recheck(patient_ref: str) -> dict[str, Any]:
    """The state machine's Recheck as EventBridge delivers it: the patient's reference only."""
    return {
        "version": "0",
        "source": "voice.training",
        "detail-type": "Recheck",
        "detail": {"patient_ref": patient_ref},
    }


def test_a_recheck_event_names_the_patient_by_reference_and_starts_a_check(aws: dict[str, Any]) -> None:
    """The event (and its dead letters) leave the buckets: the gate finds the patient whose
    folder has that reference, and starts the execution with the name in its encrypted input."""
    from lambdas.training_gate import handler

    for folder in ("Ann Example", "bob", "models", "work"):
        aws["s3"].put_object(Bucket=BUCKET, Key=f"{folder}/.sessions/x.json", Body=b"{}")
    result = handler(_recheck(ref("Ann Example")), FakeContext())
    assert result["started"] is True
    assert _lock(aws, ref("Ann Example"))["owner"]["S"] == result["execution_arn"].rsplit(":", 1)[1]
    (execution,) = _executions(aws)
    started = json.loads(aws["sfn"].describe_execution(executionArn=execution["executionArn"])["input"])
    assert started["patient"] == "Ann Example"


def test_a_recheck_for_no_patient_folder_and_an_event_of_another_bucket_start_nothing(
    aws: dict[str, Any],
) -> None:
    from lambdas.training_gate import handler

    assert handler(_recheck(ref("nobody")), FakeContext())["started"] is False
    foreign = s3_object_created("someone-elses-bucket", f"{PATIENT}/.sessions/s.json")
    assert handler(foreign, FakeContext())["started"] is False
    assert _executions(aws) == []


def test_a_failed_start_releases_the_lock(aws: dict[str, Any]) -> None:
    from botocore.exceptions import ClientError

    class BrokenSfn:
        def start_execution(self, **_: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "StartExecution")

    with pytest.raises(ClientError):
        _gate(aws, sfn=BrokenSfn()).start_if_unlocked(PATIENT, ref=ref(PATIENT))
    assert _gate(aws).start_if_unlocked(PATIENT, ref=ref(PATIENT)).started


@pytest.mark.parametrize("key", ["annotated/.sessions/x.json", "../x/.sessions/y.json", "no-slash.json"])
def test_gate_refuses_keys_without_a_valid_patient(key: str) -> None:
    from lambdas.training_gate import patient_from_key
    from voice.errors import InvalidNameError

    with pytest.raises(InvalidNameError):
        patient_from_key(key)


# --- analyze ------------------------------------------------------------------------------------


def _write_samples(aws: dict[str, Any], sessions_per_emotion: int) -> None:
    from tests.support.synthetic import synthetic_dataset, write_samples
    from voice.aws.s3 import S3Store

    store = S3Store(aws["s3"], videos_bucket="unused", patients_bucket=BUCKET)
    samples = synthetic_dataset(
        sessions_per_emotion=sessions_per_emotion,
        samples_per_session=2,
        emotions=("happiness", "sadness", "anger"),
        seed=3,
    )
    write_samples(store, PATIENT, samples)


@pytest.mark.slow
def test_analyze_stages_the_samples_under_the_reference_for_a_deterministic_job(aws: dict[str, Any]) -> None:
    """A SageMaker job's description (URIs, name) is readable without the stack's key: the job
    gets a staged copy named by the patient's reference, never the patient's folder."""
    from lambdas.analyze import handler
    from voice.aws import clients

    _write_samples(aws, sessions_per_emotion=4)
    seen = written_keys(clients.s3())
    event = load_event("sfn_analyze.json")
    first = handler(event, FakeContext())
    again = handler(copy.deepcopy(event), FakeContext())
    assert first["train"] is True
    assert json.loads(first["counts_json"]) == {"happiness": 8, "sadness": 8, "anger": 8}
    # What the state machine needs besides: the job's force hyperparameter (a string), whether
    # the gate started it (it then owns the lock), and the cooldown it waits out after training.
    assert (first["force"], first["gate"], first["cooldown_s"]) == ("false", False, 3600)
    gated_input = {**event["input"], "force": True, "gate": True}
    gated = handler({**event, "input": gated_input}, FakeContext())
    assert (gated["force"], gated["gate"]) == ("true", True)
    patient_ref = event["input"]["patient_ref"]
    stage = f"work/training/{patient_ref}/{first['training_job_name'].rsplit('-', 1)[1]}/"
    assert first["train_uri"] == f"s3://{BUCKET}/{stage}samples/"
    assert first["output_uri"] == f"s3://{BUCKET}/{stage}output/"
    for uri in (first["train_uri"], first["output_uri"]):
        assert PATIENT not in uri
    pages = aws["s3"].get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    listing = [o["Key"] for page in pages for o in page.get("Contents", [])]
    originals = sorted(k[len(PATIENT) + 1 :] for k in listing if k.startswith(f"{PATIENT}/"))
    staged = sorted(k[len(stage) + len("samples/") :] for k in listing if k.startswith(stage))
    assert staged == originals, "every pose file and session index, at the same relative keys"
    assert {seen[(BUCKET, f"{stage}samples/{k}")] for k in staged} == {aws["key_arn"]}
    assert first["training_job_name"] == again["training_job_name"]
    assert len(first["training_job_name"]) <= 63
    assert PATIENT not in first["training_job_name"]
    other = handler({**event, "execution": "another-execution"}, FakeContext())
    assert other["training_job_name"] != first["training_job_name"]


def test_analyze_says_skip_with_reasons_when_samples_are_few(aws: dict[str, Any]) -> None:
    from lambdas.analyze import handler

    _write_samples(aws, sessions_per_emotion=1)
    result = handler(load_event("sfn_analyze.json"), FakeContext())
    assert result["train"] is False
    assert "need at least" in result["reasons_text"]


def test_handler_errors_leave_with_their_type_and_the_patient_reference_only(
    aws: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A core error's message holds keys (``cannot list patients/<name>/``); what leaves the
    handler (Lambda error log, Step Functions history, the history row) must not."""
    from lambdas.analyze import handler
    from lambdas.handler_errors import HandlerError

    aws["s3"].delete_bucket(Bucket=BUCKET)  # listing now fails with NoSuchBucket
    event = load_event("sfn_analyze.json")
    with caplog.at_level("INFO"), pytest.raises(HandlerError) as raised:
        handler(event, FakeContext())
    message = str(raised.value)
    assert message == f"StorageError (patient {event['input']['patient_ref']})"
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    logged = " ".join(f"{k}={v}" for r in caplog.records for k, v in vars(r).items())
    assert PATIENT not in logged


# --- promote ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real SageMaker model directory: training/train.py over synthetic samples (once per module)."""
    from tests.support.synthetic import synthetic_dataset, write_samples
    from training.train import run
    from voice.storage import LocalStore

    root = tmp_path_factory.mktemp("sm")
    store = LocalStore(root / "data")
    samples = synthetic_dataset(
        sessions_per_emotion=4, samples_per_session=2, emotions=("happiness", "sadness", "anger"), seed=3
    )
    write_samples(store, PATIENT, samples)
    run(
        {
            "SM_HPS": json.dumps({"patient_ref": ref(PATIENT), **FAST}),
            "SM_CHANNEL_TRAIN": str(root / "data" / "patients" / PATIENT),
            "SM_MODEL_DIR": str(root / "model"),
            "SM_OUTPUT_DATA_DIR": str(root / "output"),
        }
    )
    return root


def _upload_job_output(
    aws: dict[str, Any], model_files: dict[str, bytes], output_files: dict[str, bytes]
) -> str:
    event = load_event("sfn_promote.json")
    key = event["model_artifacts"].split("/", 3)[3]
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=tarball(model_files, 0))
    if output_files:
        aws["s3"].put_object(
            Bucket=BUCKET, Key=key.replace("model.tar.gz", "output.tar.gz"), Body=tarball(output_files, 0)
        )
    return key


def _read_dir(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}


@pytest.mark.slow
def test_promote_unpacks_the_run_and_writes_latest_when_it_beats_the_baseline(
    aws: dict[str, Any], trained_model_dir: Path
) -> None:
    from lambdas.promote import handler
    from voice import layout
    from voice.aws.s3 import S3Store
    from voice.model.registry import load_latest_model

    model_files = _read_dir(trained_model_dir / "model")
    _upload_job_output(aws, model_files, _read_dir(trained_model_dir / "output"))
    result = handler(load_event("sfn_promote.json"), FakeContext())

    metrics = json.loads(model_files["metrics.json"])
    assert result["run_id"] == metrics["run_id"]
    assert result["promoted"] is True, result["reason"]
    store = S3Store(aws["s3"], videos_bucket="unused", patients_bucket=BUCKET)
    for name in (
        "model.skops",
        "metrics.json",
        "training_sessions.json",
        "report.html",
        "confusion_matrix.png",
    ):
        assert store.exists(layout.PATIENTS, layout.model_artifact_key(PATIENT, result["run_id"], name)), name
    latest = json.loads(store.read(layout.PATIENTS, layout.latest_model_key(PATIENT)))
    assert latest["run_id"] == result["run_id"]
    # The core loads what promote wrote, as `voice predict --store s3` would.
    model = load_latest_model(store, PATIENT)
    assert model is not None
    assert model.run_id == result["run_id"]


@pytest.mark.slow
def test_promote_keeps_latest_when_the_run_does_not_beat_the_baseline(
    aws: dict[str, Any], trained_model_dir: Path
) -> None:
    from lambdas.promote import handler
    from voice import layout
    from voice.aws.s3 import S3Store

    model_files = _read_dir(trained_model_dir / "model")
    metrics = json.loads(model_files["metrics.json"])
    metrics["balanced_accuracy"] = {**metrics["balanced_accuracy"], "mean": 0.30, "std": 0.05}
    metrics["baseline"] = {**metrics["baseline"], "balanced_accuracy": 0.33}
    model_files["metrics.json"] = json.dumps(metrics).encode()
    _upload_job_output(aws, model_files, {})
    result = handler(load_event("sfn_promote.json"), FakeContext())
    assert result["promoted"] is False
    assert "not promoted" in result["reason"]
    store = S3Store(aws["s3"], videos_bucket="unused", patients_bucket=BUCKET)
    assert not store.exists(layout.PATIENTS, layout.latest_model_key(PATIENT))
    assert store.exists(layout.PATIENTS, layout.model_artifact_key(PATIENT, result["run_id"], "metrics.json"))


@pytest.mark.parametrize(
    "key",
    [
        "bob/evil/model.tar.gz",
        f"models/{PATIENT}/job/output/model.tar.gz",
        f"work/training/{ref('bob')}/stage/output/job/output/model.tar.gz",  # another patient's run
        "work/training/906f90e76f2d6755/stage/samples/model.tar.gz",  # not the job's output
    ],
)
def test_promote_refuses_artifacts_outside_the_patients_staging_output(aws: dict[str, Any], key: str) -> None:
    from lambdas.handler_errors import HandlerError
    from lambdas.promote import handler

    event = {**load_event("sfn_promote.json"), "model_artifacts": f"s3://{BUCKET}/{key}"}
    with pytest.raises(HandlerError, match=r"^ModelError \(patient [0-9a-f]{16}\)$"):
        handler(event, FakeContext())


@pytest.mark.slow
def test_promote_ignores_archive_members_with_paths(aws: dict[str, Any], trained_model_dir: Path) -> None:
    from lambdas.promote import handler

    model_files = _read_dir(trained_model_dir / "model")
    model_files["../../escape.json"] = b"{}"
    _upload_job_output(aws, model_files, {})
    result = handler(load_event("sfn_promote.json"), FakeContext())
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert result["run_id"]
    assert not any("escape" in k for k in keys)


@pytest.mark.slow
def test_promote_writes_the_passport_beside_the_promoted_model(
    aws: dict[str, Any], trained_model_dir: Path
) -> None:
    """Outside SageMaker, from the run's own files and the key frames in the videos bucket: stills
    only (no review copy is read in the promote step)."""
    from lambdas.promote import handler
    from tests.support.aws import VIDEOS_BUCKET
    from voice import layout

    output = _read_dir(trained_model_dir / "output")
    features = json.loads(output["sample_features.json"])
    first = features["samples"][0]
    frame = layout.frame_key(
        PATIENT, first["session"], 0, (first["start"] + first["end"]) / 2, first["emotion"]
    )
    aws["s3"].put_object(Bucket=VIDEOS_BUCKET, Key=frame, Body=_tiny_jpeg())
    _upload_job_output(aws, _read_dir(trained_model_dir / "model"), output)
    result = handler(load_event("sfn_promote.json"), FakeContext())
    assert result["promoted"] is True, result["reason"]

    key = layout.model_artifact_key(PATIENT, result["run_id"], "passport.html")
    html = aws["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    assert f"How {PATIENT} shows emotions" in html
    assert result["run_id"] in html
    for emotion in ("happiness", "sadness", "anger"):
        assert f"id='{emotion}'" in html
    assert "Stills only here" in html
    assert "<video" not in html
    assert "data:image/jpeg;base64," in html  # the key frame, inline
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"models/{PATIENT}/{result['run_id']}/passport")
    assert [o["Key"] for o in listed["Contents"]] == [key]  # no clips on AWS


def _tiny_jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()
