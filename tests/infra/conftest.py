"""One synthesized VOICE stack per test session (with cdk-nag on), and ASL rendering helpers."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_ACCOUNT = "123456789012"
FAKE_REGION = "us-east-1"


@dataclass
class Synth:
    """The cloud assembly of one synth: template, nag report, and the error if nag failed it."""

    outdir: Path
    template: dict[str, Any]
    report: dict[str, Any]
    error: str | None
    seconds: float

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == type_}

    def one(self, type_: str, id_prefix: str = "") -> tuple[str, dict[str, Any]]:
        found = [(k, r) for k, r in self.resources(type_).items() if k.startswith(id_prefix)]
        assert len(found) == 1, f"expected one {type_} {id_prefix!r}, found {[k for k, _ in found]}"
        return found[0]


def synthesize(outdir: Path, *, account: str | None = None, region: str | None = None) -> Synth:
    """Synthesize the app with the AwsSolutions and HIPAA packs on (findings do not stop the other
    tests). With ``account`` and ``region`` the environment is resolved as the CDK CLI resolves it
    from credentials before ``cdk deploy`` (``CDK_DEFAULT_ACCOUNT`` / ``CDK_DEFAULT_REGION``)."""
    import time

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk

    from infra.app import build_app

    t0 = time.perf_counter()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (("CDK_DEFAULT_ACCOUNT", account), ("CDK_DEFAULT_REGION", region)):
            if value is None:
                mp.delenv(name, raising=False)
            else:
                mp.setenv(name, value)
        app, stack = build_app(cdk.App(outdir=str(outdir)), nag=True)
    error = None
    try:
        app.synth()
    except Exception as exc:  # ValidationFailed: the nag test reports it; the template is written
        error = str(exc)
    seconds = time.perf_counter() - t0
    template = json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
    report = json.loads((outdir / "validation-report.json").read_text())
    return Synth(outdir, template, report, error, seconds)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The environment-agnostic synth every template test shares."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def synth_with_env(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The synth a real ``cdk deploy`` runs: account and region resolved, ARNs literal."""
    return synthesize(tmp_path_factory.mktemp("cdk.out.env"), account=FAKE_ACCOUNT, region="eu-west-1")


def resolve(value: Any, refs: dict[str, str]) -> Any:
    """Resolve CloudFormation intrinsics to concrete strings: ``refs`` maps logical ids (and
    ``<id>.<attr>`` for GetAtt) to values; pseudo parameters get the fake account/region."""
    pseudo = {
        "AWS::Partition": "aws",
        "AWS::Region": FAKE_REGION,
        "AWS::AccountId": FAKE_ACCOUNT,
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": "VoiceStack",
    }
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return pseudo.get(arg) or refs[arg]
        if fn == "Fn::GetAtt":
            return refs[f"{arg[0]}.{arg[1]}"]
        if fn == "Fn::Join":
            return arg[0].join(resolve(p, refs) for p in arg[1])
        if fn == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: pseudo.get(m.group(1)) or refs[m.group(1)], arg)
    raise AssertionError(f"cannot resolve {value!r}")


def fake_refs(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """A plausible concrete value for every Ref/GetAtt a state machine definition may use."""
    refs: dict[str, str] = {}
    for logical, res in template["Resources"].items():
        kind = res["Type"]
        name = logical.lower()
        service = kind.split("::")[1].lower()
        refs[logical] = name
        refs[f"{logical}.Arn"] = f"arn:aws:{service}:{FAKE_REGION}:{FAKE_ACCOUNT}:{name}"
        if kind == "AWS::Lambda::Function":
            refs[f"{logical}.Arn"] = f"arn:aws:lambda:{FAKE_REGION}:{FAKE_ACCOUNT}:function:{name}"
            refs[logical] = name
        elif kind == "AWS::DynamoDB::Table":
            refs[logical] = name
            refs[f"{logical}.Arn"] = f"arn:aws:dynamodb:{FAKE_REGION}:{FAKE_ACCOUNT}:table/{name}"
        elif kind == "AWS::IAM::Role":
            refs[f"{logical}.Arn"] = f"arn:aws:iam::{FAKE_ACCOUNT}:role/{name}"
            refs[logical] = name
        elif kind == "AWS::KMS::Key":
            refs[f"{logical}.Arn"] = (
                f"arn:aws:kms:{FAKE_REGION}:{FAKE_ACCOUNT}:key/{'1' * 8}-1111-1111-1111-{'1' * 12}"
            )
            refs[logical] = f"{'1' * 8}-1111-1111-1111-{'1' * 12}"
        elif kind == "AWS::S3::Bucket":
            refs[logical] = name
            refs[f"{logical}.Arn"] = f"arn:aws:s3:::{name}"
    refs.update(overrides or {})
    return refs


def state_machine_definition(
    template: dict[str, Any], refs: dict[str, str], prefix: str = "TrainingStateMachine"
) -> dict[str, Any]:
    """A state machine's ASL (the training one's, or the one whose logical id starts with
    ``prefix``) with every token replaced by a concrete value."""
    machines = [
        r
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::StepFunctions::StateMachine" and k.startswith(prefix)
    ]
    assert len(machines) == 1
    return dict(json.loads(resolve(machines[0]["Properties"]["DefinitionString"], refs)))


@pytest.fixture(scope="session")
def asl(synth: Synth) -> dict[str, Any]:
    return state_machine_definition(synth.template, fake_refs(synth.template))


@pytest.fixture(scope="session")
def long_asl(synth: Synth) -> dict[str, Any]:
    """The long-video state machine's ASL."""
    return state_machine_definition(synth.template, fake_refs(synth.template), "LongVideosStateMachine")
