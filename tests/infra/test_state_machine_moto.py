"""The synthesized training state machine, executed for real by moto's Step Functions interpreter.

Rendered from the template (tokens → moto resources), run with
``mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})``.
Two test-side patches stand in for what moto cannot do:

- Lambda: the real handlers run in-process (``lambdas.analyze``, ``lambdas.promote``) against
  moto's S3 when no result is queued, so the execution moves real data (:mod:`tests.infra.moto_sfn`).
- SageMaker ``createTrainingJob.sync``: moto creates the job (Completed at once) but has no
  Sync integration; the patch adds it (poll ``describe_training_job``) and plays the training
  container: ``training/train.py`` on a local copy of the channel, ``model.tar.gz`` uploaded to
  the job's ``ModelArtifacts`` location.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import FAKE_ACCOUNT, FAKE_REGION, Synth, fake_refs, state_machine_definition
from tests.infra.moto_sfn import (
    MOTO_CONFIG,
    create_functions,
    patch_iso_start_time,
    patch_lambda_invoke,
    wait_for,
)
from tests.support.aws import create_history_table, ref

PATIENT = "Ann Example"
#: The patient's keyed reference: what the history table, the job and the names know.
REF = ref(PATIENT)
BUCKET = "voice-patients"
TABLE = "voice-history"
FAST = {"forest_trees": "20", "cv_repeats": "1", "cv_folds": "3"}

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

#: Every test runs the synthesized state machine in moto (seconds each).
pytestmark = pytest.mark.slow


# --- patches ------------------------------------------------------------------------------------


def _download_prefix(s3: Any, uri: str, dest: Path) -> None:
    bucket, prefix = uri[5:].split("/", 1)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            target = dest / obj["Key"][len(prefix) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())


def _tar_dir(directory: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(directory.iterdir()):
            tar.add(path, arcname=path.name)
    return buf.getvalue()


def play_training_container(job: dict[str, Any]) -> None:
    """What the training image does on SageMaker: train.py over the channel, artifacts to S3."""
    from training.train import run

    s3 = boto3.client("s3", region_name=FAKE_REGION)
    (channel,) = job["InputDataConfig"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _download_prefix(s3, channel["DataSource"]["S3DataSource"]["S3Uri"], root / "train")
        hps = {**job.get("HyperParameters", {}), **FAST}
        env = {
            "SM_HPS": json.dumps(hps),
            "SM_CHANNEL_TRAIN": str(root / "train"),
            "SM_MODEL_DIR": str(root / "model"),
            "SM_OUTPUT_DATA_DIR": str(root / "output"),
        }
        run(env)
        bucket, key = job["ModelArtifacts"]["S3ModelArtifacts"][5:].split("/", 1)
        s3.put_object(Bucket=bucket, Key=key, Body=_tar_dir(root / "model"))
        s3.put_object(
            Bucket=bucket, Key=key.replace("model.tar.gz", "output.tar.gz"), Body=_tar_dir(root / "output")
        )


def sagemaker_sync_service() -> Any:
    """moto's forwarding service for SageMaker, plus the ``.sync`` integration pattern."""
    import importlib

    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    base = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    ResourceCondition = importlib.import_module(base + "resource").ResourceCondition
    callback = importlib.import_module(base + "state_task_service_callback")
    unsupported = importlib.import_module(base + "state_task_service_unsupported")
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    class SageMakerSync(unsupported.StateTaskServiceUnsupported):
        def __init__(self) -> None:
            # WaitForTaskToken too: moto's callback base interrupts a callback endpoint after
            # every Sync task and only creates one for services that list that pattern.
            patterns = {ResourceCondition.Sync, ResourceCondition.WaitForTaskToken}
            callback.StateTaskServiceCallback.__init__(self, supported_integration_patterns=patterns)

        def _build_sync_resolver(
            self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
        ) -> Callable[[], Any]:
            env.stack.pop()  # the CreateTrainingJob response
            client = boto_client_for(
                region=resource_runtime_part.region, service="sagemaker", state_credentials=state_credentials
            )
            name = normalised_parameters["TrainingJobName"]

            def resolve() -> Any:
                job = client.describe_training_job(TrainingJobName=name)
                job.pop("ResponseMetadata", None)
                job = json.loads(json.dumps(job, default=str))
                status = job["TrainingJobStatus"]
                if status in {"InProgress", "Stopping"}:
                    return None
                if status == "Completed":
                    play_training_container(job)
                    return job
                raise FailureEventException(
                    FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(
                            taskFailedEventDetails=TaskFailedEventDetails(
                                resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type(),
                                error=StatesErrorNameType.StatesTaskFailed.to_name(),
                                cause=json.dumps(job),
                            )
                        ),
                    )
                )

            return resolve

    return SageMakerSync()


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    from moto import mock_aws
    from moto.awslambda_simple.models import lambda_simple_backends
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

    from lambdas import env

    for name, value in {
        "AWS_DEFAULT_REGION": FAKE_REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VOICE_PATIENTS_BUCKET": BUCKET,
        "POWERTOOLS_SERVICE_NAME": "voice-test",
        "POWERTOOLS_METRICS_NAMESPACE": "VOICE",
        **{f"VOICE_{k.upper()}": v for k, v in FAST.items()},
        "VOICE_GATE_COOLDOWN_S": "1",  # the Cooldown wait of gate runs: one second here
    }.items():
        monkeypatch.setenv(name, value)
    env.load_env.cache_clear()
    env.patients_store.cache_clear()
    from voice.config import get_settings

    get_settings.cache_clear()

    original_factory = state_task_factory.state_task_service_for
    monkeypatch.setattr(
        state_task_factory,
        "state_task_service_for",
        lambda service_name: (
            sagemaker_sync_service() if service_name == "sagemaker" else original_factory(service_name)
        ),
    )
    patch_lambda_invoke(monkeypatch)
    patch_iso_start_time(monkeypatch)

    with mock_aws(config=MOTO_CONFIG):
        s3 = boto3.client("s3", region_name=FAKE_REGION)
        s3.create_bucket(Bucket=BUCKET)
        ddb = boto3.client("dynamodb", region_name=FAKE_REGION)
        create_history_table(ddb, TABLE)
        role, arns = create_functions(("analyze", "promote"))
        sqs = boto3.client("sqs", region_name=FAKE_REGION)
        recheck_queue = sqs.create_queue(QueueName="rechecks")["QueueUrl"]
        events = boto3.client("events", region_name=FAKE_REGION)
        events.put_rule(
            Name="rechecks",
            EventPattern=json.dumps({"source": ["voice.training"], "detail-type": ["Recheck"]}),
        )
        queue_arn = sqs.get_queue_attributes(QueueUrl=recheck_queue, AttributeNames=["QueueArn"])
        events.put_targets(Rule="rechecks", Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}])
        yield {
            "sqs": sqs,
            "recheck_queue": recheck_queue,
            "s3": s3,
            "ddb": ddb,
            "sfn": boto3.client("stepfunctions", region_name=FAKE_REGION),
            "sagemaker": boto3.client("sagemaker", region_name=FAKE_REGION),
            "role": role,
            "arns": arns,
            "queue": lambda_simple_backends[FAKE_ACCOUNT][FAKE_REGION].lambda_simple_results_queue,
        }
    env.load_env.cache_clear()
    env.patients_store.cache_clear()
    get_settings.cache_clear()


def _lock(aws: dict[str, Any]) -> dict[str, Any] | None:
    item = aws["ddb"].get_item(TableName=TABLE, Key={"patient": {"S": REF}, "sk": {"S": "LOCK"}})
    return item.get("Item")


def _take_lock(aws: dict[str, Any], owner: str, *, pending: bool = False) -> None:
    """The lock item as the gate writes it (plus ``pending_since`` when uploads found it taken)."""
    item = {
        "patient": {"S": REF},
        "sk": {"S": "LOCK"},
        "lock_until": {"N": "9e12"},
        "owner": {"S": owner},
    }
    if pending:
        item["pending_since"] = {"N": "1764000000"}
    aws["ddb"].put_item(TableName=TABLE, Item=item)


def _rechecks(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """The Recheck events the state machine sent (a rule on the default bus copies them to a queue)."""
    received = aws["sqs"].receive_message(QueueUrl=aws["recheck_queue"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in received.get("Messages", [])]


def _create_state_machine(
    synth: Synth, aws: dict[str, Any], edit: Callable[[dict[str, Any]], None] | None = None
) -> str:
    """The synthesized definition in moto; ``edit`` may change the rendered ASL first."""
    template = synth.template
    refs = {}
    for logical, res in template["Resources"].items():
        if res["Type"] == "AWS::Lambda::Function" and "ImageConfig" in res["Properties"]:
            command = res["Properties"]["ImageConfig"]["Command"][0]
            name = command.split(".")[1]
            if name in aws["arns"]:
                refs[f"{logical}.Arn"] = aws["arns"][name]
        elif res["Type"] == "AWS::DynamoDB::Table":
            refs[logical] = TABLE
        elif logical.startswith("TrainingSageMakerRole") and res["Type"] == "AWS::IAM::Role":
            refs[f"{logical}.Arn"] = aws["role"]
    asl = state_machine_definition(template, fake_refs(template, refs))
    if edit is not None:
        edit(asl)
    return str(
        aws["sfn"].create_state_machine(
            name="voice-training", definition=json.dumps(asl), roleArn=aws["role"]
        )["stateMachineArn"]
    )


def _run(aws: dict[str, Any], arn: str, name: str, **execution_input: Any) -> dict[str, Any]:
    """Run one execution to its end; ``gate=True`` starts it as the gate does."""
    execution = aws["sfn"].start_execution(
        stateMachineArn=arn,
        name=name,
        input=json.dumps({"patient": PATIENT, "patient_ref": REF, **execution_input}),
    )
    return wait_for(aws["sfn"], execution["executionArn"])


def _history(aws: dict[str, Any]) -> list[dict[str, Any]]:
    items = aws["ddb"].query(
        TableName=TABLE,
        KeyConditionExpression="patient = :p AND begins_with(sk, :run)",
        ExpressionAttributeValues={":p": {"S": REF}, ":run": {"S": "RUN#"}},
    )["Items"]
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]


def _write_samples(aws: dict[str, Any], *, sessions_per_emotion: int) -> None:
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


def _latest_exists(aws: dict[str, Any]) -> bool:
    from voice import layout

    listed = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=layout.latest_model_key(PATIENT))
    return bool(listed.get("KeyCount"))


# --- tests --------------------------------------------------------------------------------------


def test_train_path_runs_the_job_promotes_and_records(synth: Synth, aws: dict[str, Any]) -> None:
    from lambdas.analyze import training_job_name

    _write_samples(aws, sessions_per_emotion=4)
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-train")
    assert done["status"] == "SUCCEEDED", json.dumps(_history(aws), default=str)[:3000]

    job_name = training_job_name(REF, "exec-train")
    job = aws["sagemaker"].describe_training_job(TrainingJobName=job_name)
    assets = json.loads(next(synth.outdir.glob("*.assets.json")).read_text())
    (training_asset,) = [
        a
        for a in assets["dockerImages"].values()
        if a["source"]["dockerFile"] == "docker/training.Dockerfile"
    ]
    tags = {d["imageTag"] for d in training_asset["destinations"].values()}
    image = job["AlgorithmSpecification"]["TrainingImage"]
    assert ".dkr.ecr." in image
    assert image.rsplit(":", 1)[1] in tags
    (channel,) = job["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    # The job trains on the copy Analyze staged under the patient's reference.
    stage = f"s3://{BUCKET}/work/training/{REF}/{job_name.rsplit('-', 1)[1]}/"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"{stage}samples/"
    assert job["OutputDataConfig"]["S3OutputPath"] == f"{stage}output/"
    # The job's description (readable without the stack's key, never deleted) knows the patient
    # by reference only: name, URIs, hyperparameters.
    assert job["HyperParameters"] == {"patient_ref": REF, "force": "false"}
    described = json.dumps(job, default=str)
    for word in PATIENT.split():
        assert word not in described
    assert job["RoleArn"] == aws["role"]

    (row,) = _history(aws)
    assert row["status"] == "trained"
    assert row["training_job_name"] == job_name
    output = json.loads(done["output"])
    assert row["promoted"] is output["promotion"]["promoted"]
    assert row["run_id"] == output["promotion"]["run_id"]
    assert row["promoted"] is True, row["reason"]  # synthetic data: the patterns are learnable
    assert _latest_exists(aws) is bool(row["promoted"])
    if row["promoted"]:
        latest = json.loads(
            aws["s3"].get_object(Bucket=BUCKET, Key=f"models/{PATIENT}/latest.json")["Body"].read()
        )
        assert latest["run_id"] == row["run_id"]
        aws["s3"].head_object(Bucket=BUCKET, Key=latest["model"])


def test_force_reaches_the_training_job_as_a_hyperparameter(synth: Synth, aws: dict[str, Any]) -> None:
    """`voice cloud train --force` (input force=true): the job's own gate is forced too, so two
    videos per emotion (below the minimums) train."""
    from lambdas.analyze import training_job_name

    _write_samples(aws, sessions_per_emotion=2)
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-force", force=True)
    assert done["status"] == "SUCCEEDED", json.dumps(_history(aws), default=str)[:3000]
    job = aws["sagemaker"].describe_training_job(TrainingJobName=training_job_name(REF, "exec-force"))
    assert job["HyperParameters"] == {"patient_ref": REF, "force": "true"}
    (row,) = _history(aws)
    assert row["status"] == "trained"


def test_a_gate_run_waits_out_the_cooldown_then_releases_its_lock_and_rechecks(
    synth: Synth, aws: dict[str, Any]
) -> None:
    _write_samples(aws, sessions_per_emotion=4)
    _take_lock(aws, "exec-gate", pending=True)  # an upload arrived while this execution ran
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-gate", gate=True)
    assert done["status"] == "SUCCEEDED", json.dumps(_history(aws), default=str)[:3000]
    events = [
        e["type"] for e in aws["sfn"].get_execution_history(executionArn=done["executionArn"])["events"]
    ]
    assert "WaitStateEntered" in events  # the Cooldown
    assert _lock(aws) is None
    (recheck,) = _rechecks(aws)
    assert recheck["source"] == "voice.training"
    assert recheck["detail-type"] == "Recheck"
    assert recheck["detail"] == {"patient_ref": REF}  # the event leaves the buckets: no name


def test_skip_path_writes_a_skipped_row_and_releases_its_own_lock(synth: Synth, aws: dict[str, Any]) -> None:
    _write_samples(aws, sessions_per_emotion=1)
    _take_lock(aws, "exec-skip")
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-skip", gate=True)
    assert done["status"] == "SUCCEEDED", done

    (row,) = _history(aws)
    assert row["status"] == "skipped"
    assert row["reasons"]
    assert "sample" in row["reasons"].lower()
    assert json.loads(row["counts"])
    assert aws["sagemaker"].list_training_jobs()["TrainingJobSummaries"] == []
    # The lock is released so that the next upload may check again; nobody waited: no recheck.
    assert _lock(aws) is None
    assert _rechecks(aws) == []


@pytest.mark.parametrize("gate", [False, True])
def test_a_run_never_frees_a_lock_it_does_not_own(synth: Synth, aws: dict[str, Any], gate: bool) -> None:
    """A manual run (no gate), or a gate run whose lock expired and was taken by a newer run."""
    _write_samples(aws, sessions_per_emotion=1)
    _take_lock(aws, "exec-newer", pending=True)
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-older", gate=gate)
    assert done["status"] == "SUCCEEDED", done
    lock = _lock(aws)
    assert lock is not None
    assert lock["owner"] == {"S": "exec-newer"}
    assert _rechecks(aws) == []


def test_a_manual_run_releases_the_lock_it_took_without_waiting_the_cooldown(
    synth: Synth, aws: dict[str, Any]
) -> None:
    """`voice cloud train` takes the patient's lock (gate=false): its execution frees it at its
    end, with a recheck when uploads arrived meanwhile, and no cooldown wait."""
    _write_samples(aws, sessions_per_emotion=4)
    _take_lock(aws, "exec-manual", pending=True)
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-manual", gate=False)
    assert done["status"] == "SUCCEEDED", json.dumps(_history(aws), default=str)[:3000]
    events = [
        e["type"] for e in aws["sfn"].get_execution_history(executionArn=done["executionArn"])["events"]
    ]
    assert "WaitStateEntered" not in events
    assert _lock(aws) is None
    (recheck,) = _rechecks(aws)
    assert recheck["detail"] == {"patient_ref": REF}


def test_failed_training_job_records_a_failure_releases_the_lock_rechecks_and_fails(
    synth: Synth, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed run no longer keeps the lock until it expires (hours): it frees its own lock and
    rechecks the uploads that arrived meanwhile, then fails."""
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.create_training_job

    def create_failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        job = original(self, *args, **kwargs)
        job.training_job_status = "Failed"
        job.secondary_status = "Failed"
        return job

    monkeypatch.setattr(SageMakerModelBackend, "create_training_job", create_failing)
    _write_samples(aws, sessions_per_emotion=4)
    _take_lock(aws, "exec-fail", pending=True)
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-fail", gate=True)
    assert done["status"] == "FAILED", done
    assert _lock(aws) is None
    (recheck,) = _rechecks(aws)
    assert recheck["detail"] == {"patient_ref": REF}

    (row,) = _history(aws)
    assert row["status"] == "failed"
    assert row["error"] == "States.TaskFailed"
    # The cause (the job's whole description, S3 paths with the patient's folder) is not kept:
    # the history table is outside the buckets.
    assert "cause" not in row
    assert PATIENT not in json.dumps(row)
    assert not _latest_exists(aws)


def test_a_training_job_that_never_ends_times_out_and_is_recorded(
    synth: Synth, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Train step's own timeout (not the execution's) fires, so the failure row is written."""
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.create_training_job

    def create_stuck(self: Any, *args: Any, **kwargs: Any) -> Any:
        job = original(self, *args, **kwargs)
        job.training_job_status = "InProgress"
        return job

    def shorten(asl: dict[str, Any]) -> None:
        assert asl["States"]["Train"]["TimeoutSeconds"] < asl["TimeoutSeconds"]
        asl["States"]["Train"]["TimeoutSeconds"] = 2

    monkeypatch.setattr(SageMakerModelBackend, "create_training_job", create_stuck)
    _write_samples(aws, sessions_per_emotion=4)
    arn = _create_state_machine(synth, aws, shorten)
    done = _run(aws, arn, "exec-stuck")
    assert done["status"] == "FAILED", done
    (row,) = _history(aws)
    assert (row["status"], row["error"]) == ("failed", "States.Timeout")
    assert "cause" not in row


def test_queued_lambda_results_drive_the_choice(synth: Synth, aws: dict[str, Any]) -> None:
    """moto's own mechanism: a queued analyze result that says skip, whatever S3 holds."""
    aws["queue"].append(
        json.dumps(
            {
                "train": False,
                "reasons_text": "queued: not enough samples",
                "counts_json": "{}",
                "training_job_name": "voice-queued",
                "train_uri": f"s3://{BUCKET}/work/training/{REF}/queued/samples/",
                "output_uri": f"s3://{BUCKET}/work/training/{REF}/queued/output/",
                "force": "false",
                "gate": False,
                "cooldown_s": 3600,
            }
        )
    )
    arn = _create_state_machine(synth, aws)
    done = _run(aws, arn, "exec-queued")
    assert done["status"] == "SUCCEEDED", done
    (row,) = _history(aws)
    assert (row["status"], row["reasons"]) == ("skipped", "queued: not enough samples")
