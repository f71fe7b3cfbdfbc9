"""The rendered state machine passes asl-validator and cfn-lint; the whole template passes cfn-lint."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT, Synth

ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"


def _cfn_lint() -> list[str]:
    venv = ROOT / ".venv" / "bin" / "cfn-lint"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed (pip install -e '.[dev]')"
    return [found]


@pytest.fixture(params=["asl", "long_asl"])
def definition(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each state machine's rendered ASL: training, long videos."""
    return dict(request.getfixturevalue(request.param))


def test_asl_validator_accepts_the_rendered_definition(definition: dict[str, Any], tmp_path: Path) -> None:
    asl = definition
    assert ASL_VALIDATOR.exists(), "node tools missing: run `npm ci` (scripts/test.sh does)"
    path = tmp_path / "training.asl.json"
    path.write_text(json.dumps(asl, indent=2))
    done = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout.lower()


@pytest.mark.slow
def test_cfn_lint_checks_the_definition_as_a_plain_string(definition: dict[str, Any], tmp_path: Path) -> None:
    """cfn-lint's ASL rule (E3601) applies when DefinitionString is a literal string."""
    template = _state_machine_template(definition)
    path = tmp_path / "statemachine.json"
    path.write_text(json.dumps(template))
    done = subprocess.run([*_cfn_lint(), str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_cfn_lint_passes_the_synthesized_template(synth: Synth) -> None:
    path = next(synth.outdir.glob("*.template.json"))
    # W3005: CDK adds DependsOn on a role's default policy next to the GetAtt on the role; harmless.
    done = subprocess.run(
        [*_cfn_lint(), "--ignore-checks", "W3005", "--", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _state_machine_template(asl: dict[str, Any]) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Training": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": json.dumps(asl),
                    "RoleArn": "arn:aws:iam::123456789012:role/sfn",
                },
            }
        },
    }


@pytest.mark.parametrize("mutation", ["no_start", "bad_next"])
def test_asl_validator_does_reject_a_broken_definition(
    asl: dict[str, Any], tmp_path: Path, mutation: str
) -> None:
    """Guards the check above against passing everything."""
    broken = json.loads(json.dumps(asl))
    if mutation == "no_start":
        del broken["StartAt"]
    else:
        broken["States"]["Train"]["Next"] = "NoSuchState"
    path = tmp_path / "broken.asl.json"
    path.write_text(json.dumps(broken))
    done = subprocess.run(
        [str(ASL_VALIDATOR), "--json-path", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0


@pytest.mark.slow
def test_cfn_lint_does_reject_a_broken_definition(asl: dict[str, Any], tmp_path: Path) -> None:
    broken = json.loads(json.dumps(asl))
    del broken["StartAt"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(_state_machine_template(broken)))
    done = subprocess.run([*_cfn_lint(), str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0
    assert "E3601" in done.stdout
