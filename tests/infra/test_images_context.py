"""The build contexts `cdk deploy` would build: each staged asset folder holds its Dockerfile and
only what the images copy; both Dockerfiles share their dependency layers.

Building and running the images is the image tier (tests/images, scripts/verify-images.sh)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT, Synth

#: Top-level entries of a staged context: what the Dockerfiles COPY, and .dockerignore itself.
CONTEXT = {"pyproject.toml", "README.md", "voice", "lambdas", "training", "docker", ".dockerignore"}
#: Never in a context, at any depth: environments, tools, build outputs, data, tests.
FORBIDDEN = {".venv", "node_modules", "cdk.out", "voice-data", ".git", "tests", "benchmarks", "__pycache__"}
SHARED_END = "# --- end of the shared part."


def _docker_assets(synth: Synth) -> list[dict[str, Any]]:
    (manifest,) = synth.outdir.glob("*.assets.json")
    assets = list(json.loads(manifest.read_text())["dockerImages"].values())
    assert len(assets) == 2
    return [a["source"] for a in assets]


def test_every_staged_context_holds_the_dockerfile_its_manifest_names(synth: Synth) -> None:
    named = set()
    for source in _docker_assets(synth):
        context = synth.outdir / source["directory"]
        dockerfile = context / source["dockerFile"]
        assert dockerfile.is_file(), f"{source['directory']} lacks {source['dockerFile']}"
        assert dockerfile.read_bytes() == (ROOT / source["dockerFile"]).read_bytes()
        named.add(source["dockerFile"])
    assert named == {"docker/lambda.Dockerfile", "docker/training.Dockerfile"}


def test_a_staged_context_holds_only_what_the_images_copy(synth: Synth) -> None:
    for source in _docker_assets(synth):
        context = synth.outdir / source["directory"]
        assert {p.name for p in context.iterdir()} == CONTEXT
        assert {p.name for p in (context / "docker").iterdir()} == {
            "lambda.Dockerfile", "training.Dockerfile", "requirements.py",
        }  # fmt: skip
        found = [p.relative_to(context) for p in context.rglob("*") if p.name in FORBIDDEN]
        assert found == [], found
        assert not [p for p in context.rglob("*.pyc")]
        # The bundled samples are package data; nothing else heavy rides along.
        big = [p for p in context.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000]
        assert big == [], big


def test_both_dockerfiles_share_the_dependency_layers() -> None:
    """Byte-identical instructions up to the marker: podman and docker then reuse the layers."""
    texts = [(ROOT / "docker" / f"{n}.Dockerfile").read_text() for n in ("lambda", "training")]
    shared = [t[t.index("# --- shared:") : t.index(SHARED_END)] for t in texts]
    assert shared[0] == shared[1]
    assert "ARG BASE_IMAGE=python:3.11-slim\n" in shared[0]
    assert shared[0].count("FROM ${BASE_IMAGE}") == 2


@pytest.mark.parametrize("extras", [[], ["lambda"], ["dev"]])
def test_the_images_dependency_list_is_pyproject_toml(extras: list[str]) -> None:
    import tomllib

    done = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "requirements.py"), str(ROOT / "pyproject.toml"), *extras],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = set(done.stdout.split())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(project["dependencies"]) <= listed
    if extras == ["lambda"]:
        assert listed == set(project["dependencies"]) | set(project["optional-dependencies"]["lambda"])
    if extras == ["dev"]:  # voice[media,lambda] is expanded, never installed from the index
        assert not any(r.startswith("voice") for r in listed)
        assert set(project["optional-dependencies"]["media"]) <= listed


def test_the_verify_script_is_the_one_readme_names() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/verify-images.sh" in readme
    assert (ROOT / "scripts" / "verify-images.sh").is_file()
    assert "scripts/verify-images.sh" in (ROOT / "scripts" / "test.sh").read_text()


def test_a_context_folder_is_what_the_cli_builds_from(synth: Synth) -> None:
    """scripts/images.py builds each asset as the CDK CLI does: from its folder, with its file."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import images
    finally:
        sys.path.pop(0)
    for source in _docker_assets(synth):
        cmd = images.build_command(source, tag="t", base="b", mounts=[])
        assert cmd[cmd.index("--file") + 1] == source["dockerFile"]
        assert cmd[-1] == "."
        assert "--platform" in cmd
        assert "BASE_IMAGE=b" in cmd
        assert Path(source["directory"]).name.startswith("asset.")
