"""The build contexts `cdk deploy` would build: each staged asset folder holds its Dockerfile and
only what the images copy; both Dockerfiles share their dependency layers.

Building and running the images is the image tier (tests/images, scripts/verify-images.sh)."""

from __future__ import annotations

import json
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
            "lambda.Dockerfile", "training.Dockerfile", "requirements.lock",
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
    assert shared[0].count("FROM ${BASE_IMAGE}") == 1


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


def _warnings(synth: Synth) -> list[str]:
    """Every warning annotation of the cloud assembly (the CLI prints them; `--strict` refuses them)."""
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    found = []
    for artifact in manifest["artifacts"].values():
        metadata = dict(artifact.get("metadata") or {})
        if "additionalMetadataFile" in artifact:
            metadata.update(json.loads((synth.outdir / artifact["additionalMetadataFile"]).read_text()))
        found += [
            str(e["data"]) for entries in metadata.values() for e in entries if e["type"] == "aws:cdk:warning"
        ]
    return found


def test_a_base_image_without_a_digest_is_the_synths_one_warning(synth: Synth) -> None:
    """The session's synth passes no ``baseImage``: the Dockerfiles' tag, which `--strict` refuses."""
    from infra.stack import BASE_NOT_PINNED

    (warning,) = _warnings(synth)
    assert "not pinned by digest" in warning
    assert BASE_NOT_PINNED in warning
    assert all("dockerBuildArgs" not in source for source in _docker_assets(synth))


DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("base", "args", "warns"),
    [
        (f"python:3.11-slim@{DIGEST}", {"BASE_IMAGE": f"python:3.11-slim@{DIGEST}"}, False),
        (f"team/python:3.11-slim@{DIGEST}", {"BASE_IMAGE": f"team/python:3.11-slim@{DIGEST}"}, False),
        (None, None, True),
        ("python:3.11-slim", {"BASE_IMAGE": "python:3.11-slim"}, True),
    ],
)
def test_the_base_image_reaches_both_builds_and_only_a_digest_pins_it(
    base: str | None, args: dict[str, str] | None, warns: bool
) -> None:
    from infra.stack import base_image_build_args

    build_args, warning = base_image_build_args(base)
    assert build_args == args
    assert (warning is not None) == warns


@pytest.mark.parametrize("base", ["python:3.11-slim@sha256:abc", f"python@{DIGEST.upper()}", f"@{DIGEST}"])
def test_a_malformed_digest_is_refused(base: str) -> None:
    from infra.stack import base_image_build_args

    with pytest.raises(ValueError, match="NAME"):
        base_image_build_args(base)
