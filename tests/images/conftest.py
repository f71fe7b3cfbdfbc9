"""Fixtures of the image tier: the images ``scripts/images.py build`` made, a sandbox network with a
moto server on the host side, the template they were staged with, and the results file.

The tier runs only from ``scripts/verify-images.sh`` (podman as root): it sets
``VOICE_IMAGES_MANIFEST`` (the build's ``voice-images.json``) and ``VOICE_IMAGES_RESULTS`` (where
timings and outcomes go, for the script's last line). Without them every test here is skipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.images.sandbox import REGION, HostLink, isolated_network, podman, run
from tests.support.aws import ref

MANIFEST_ENV = "VOICE_IMAGES_MANIFEST"
RESULTS_ENV = "VOICE_IMAGES_RESULTS"
VIDEOS_BUCKET = "voice-videos-img"
PATIENTS_BUCKET = "voice-patients-img"
TABLE = "voice-history-img"
PATIENT = "Maria Example"

#: Written to $VOICE_IMAGES_RESULTS at the end of the session.
RESULTS: dict[str, Any] = {"tests": {}, "lambda": {}, "training": {}}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.nodeid.startswith("tests/images/"):
        return
    if report.when == "call" or report.outcome != "passed":
        previous = RESULTS["tests"].get(report.nodeid)
        if previous in (None, "passed"):
            RESULTS["tests"][report.nodeid] = report.outcome


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get(RESULTS_ENV)
    if path and RESULTS["tests"]:
        Path(path).write_text(json.dumps(RESULTS, indent=2, default=str) + "\n")


@dataclass(frozen=True)
class Images:
    """The build manifest: image tags by name, and the cloud assembly they came from."""

    manifest: dict[str, Any]

    @property
    def outdir(self) -> Path:
        return Path(self.manifest["outdir"])

    def tag(self, name: str) -> str:
        return str(self.manifest["images"][name]["tag"])

    def template(self) -> dict[str, Any]:
        (path,) = self.outdir.glob("*.template.json")
        return dict(json.loads(path.read_text()))


@pytest.fixture(scope="session")
def images() -> Images:
    path = os.environ.get(MANIFEST_ENV)
    if not path:
        pytest.skip("the image tier runs from scripts/verify-images.sh (podman, as root)")
    manifest = json.loads(Path(path).read_text())
    for name in ("lambda", "training"):
        tag = manifest["images"][name]["tag"]
        assert subprocess.run(podman("image", "exists", tag), check=False).returncode == 0, tag
    return Images(manifest)


@pytest.fixture(scope="session")
def link(images: Images) -> Iterator[HostLink]:
    with isolated_network() as host_link:
        yield host_link


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint(link: HostLink) -> Iterator[str]:
    """A moto server on the host side of the sandbox link (never on 0.0.0.0)."""
    from moto.server import ThreadedMotoServer

    port = _free_port(link.host_ip)
    server = ThreadedMotoServer(ip_address=link.host_ip, port=port)
    server.start()
    try:
        yield f"http://{link.host_ip}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aws(moto_endpoint: str) -> dict[str, Any]:
    """Clients of the moto server, and the resources the template's functions name."""
    import boto3

    from tests.support.aws import create_history_table, create_ref_secret

    kwargs = {
        "endpoint_url": moto_endpoint,
        "region_name": REGION,
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    names = ("s3", "dynamodb", "stepfunctions", "iam", "secretsmanager", "kms")
    clients = {name: boto3.client(name, **kwargs) for name in names}  # type: ignore[call-overload]
    for bucket in (VIDEOS_BUCKET, PATIENTS_BUCKET):
        clients["s3"].create_bucket(Bucket=bucket)
    create_history_table(clients["dynamodb"], TABLE)
    role = clients["iam"].create_role(RoleName="voice-sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    machine = clients["stepfunctions"].create_state_machine(
        name="voice-training",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=role,
    )["stateMachineArn"]
    secret = create_ref_secret(clients["secretsmanager"])
    key = clients["kms"].create_key(Description="voice data key")["KeyMetadata"]
    return {
        **clients,
        "state_machine_arn": machine,
        "ref_secret_arn": secret,
        "key_arn": key["Arn"],
        "key_id": key["KeyId"],
        "endpoint": moto_endpoint,
    }


@pytest.fixture(scope="session")
def refs(images: Images, aws: dict[str, Any]) -> dict[str, str]:
    """Template logical ids (Ref) → the moto resources that stand in for them."""
    out: dict[str, str] = {}
    for logical, resource in images.template()["Resources"].items():
        kind = resource["Type"]
        if kind == "AWS::S3::Bucket" and logical.startswith("StorageVideos"):
            out[logical] = VIDEOS_BUCKET
        elif kind == "AWS::S3::Bucket" and logical.startswith("StoragePatients"):
            out[logical] = PATIENTS_BUCKET
        elif kind == "AWS::DynamoDB::Table":
            out[logical] = TABLE
        elif kind == "AWS::StepFunctions::StateMachine":
            out[logical] = aws["state_machine_arn"]
        elif kind == "AWS::SecretsManager::Secret":
            out[logical] = aws["ref_secret_arn"]
        elif kind == "AWS::KMS::Key":  # the data key every write asks for (VOICE_DATA_KEY_ARN)
            out[logical] = aws["key_id"]
            out[f"{logical}.Arn"] = aws["key_arn"]
    return out


def sagemaker_hyperparameters(values: dict[str, Any]) -> str:
    """hyperparameters.json as SageMaker writes it: every value a string."""
    return json.dumps(
        {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in values.items()}
    )


@dataclass(frozen=True)
class TrainingRun:
    """One `podman run IMAGE train` with SageMaker's /opt/ml layout under ``root``."""

    root: Path
    returncode: int
    output: str
    seconds: float

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"


def run_training_job(image: str, root: Path, hyperparameters: dict[str, Any], channel: Path) -> TrainingRun:
    """Lay out /opt/ml as SageMaker does (input/data/train = the channel, input/config/*.json, model,
    output) and run ``IMAGE train`` with the three mounts SageMaker makes and no network."""
    import shutil
    import time

    from tests.images.sandbox import ULIMITS

    config = root / "input" / "config"
    config.mkdir(parents=True)
    shutil.copytree(channel, root / "input" / "data" / "train")
    (config / "hyperparameters.json").write_text(sagemaker_hyperparameters(hyperparameters))
    (config / "inputdataconfig.json").write_text(
        json.dumps({"train": {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"}})
    )
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"})
    )
    for name in ("model", "output"):
        (root / name).mkdir()
    cmd = podman(
        "run", "--rm", *ULIMITS, "--network", "none",
        "--memory", "8g", "--cpus", "2",  # ml.m5.large: 2 vCPUs, 8 GiB
        "--volume", f"{root / 'input'}:/opt/ml/input",
        "--volume", f"{root / 'model'}:/opt/ml/model",
        "--volume", f"{root / 'output'}:/opt/ml/output",
        image, "train",
    )  # fmt: skip
    t0 = time.perf_counter()
    done = run(cmd, timeout=900, check=False)
    return TrainingRun(root, done.returncode, done.stdout + done.stderr, round(time.perf_counter() - t0, 1))


def write_channel(
    directory: Path, patient: str, *, sessions_per_emotion: int, emotions: tuple[str, ...]
) -> Path:
    """A patient's samples as ``patients/<patient>/`` holds them (the SageMaker channel's content)."""
    from tests.support.synthetic import synthetic_dataset, write_samples
    from voice.storage import LocalStore

    store = LocalStore(directory)
    samples = synthetic_dataset(
        sessions_per_emotion=sessions_per_emotion, samples_per_session=2, emotions=emotions, seed=3
    )
    write_samples(store, patient, samples)
    return directory / "patients" / patient


FAST = {"forest_trees": 20, "cv_repeats": 1, "cv_folds": 3, "unsure_target_accuracy": 0.9}


@pytest.fixture(scope="session")
def trained(images: Images, tmp_path_factory: pytest.TempPathFactory) -> TrainingRun:
    """One successful training job in the training image (its artifacts feed the promote handler)."""
    base = tmp_path_factory.mktemp("training-ok")
    channel = write_channel(
        base / "bucket", PATIENT, sessions_per_emotion=4, emotions=("happiness", "sadness", "anger")
    )
    result = run_training_job(
        images.tag("training"), base / "opt-ml", {"patient_ref": ref(PATIENT), **FAST}, channel
    )
    RESULTS["training"]["train_s"] = result.seconds
    return result


__all__ = ["PATIENT", "RESULTS", "Images", "TrainingRun", "run", "run_training_job", "write_channel"]
