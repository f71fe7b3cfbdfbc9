"""What the built images hold: nothing of this machine's build set-up, one shared dependency layer,
lean dependencies, and a size Lambda accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.images.conftest import RESULTS, Images
from tests.images.sandbox import ULIMITS, podman, run

NAMES = ("lambda", "training")
#: Lambda's limit for a container image: 10 GB uncompressed.
LAMBDA_IMAGE_LIMIT_MB = 10 * 1024


def inspect(tag: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(run(podman("image", "inspect", tag)).stdout)
    return data[0]


def in_image(tag: str, script: str) -> str:
    return run(
        podman("run", "--rm", *ULIMITS, "--network", "none", "--entrypoint", "/bin/sh", tag, "-c", script)
    ).stdout


@pytest.mark.parametrize("name", NAMES)
def test_nothing_of_the_build_machine_is_left_in_the_image(images: Images, name: str) -> None:
    tag = images.tag(name)
    env = inspect(tag)["Config"]["Env"]
    assert sorted(e.split("=", 1)[0] for e in env if e.startswith("PIP_")) == [
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_NO_CACHE_DIR",
    ]
    history = run(podman("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag)).stdout
    for trace in ("voice-host", "pip.conf", "ca-certificates.crt", "pypi", "wheels"):
        assert trace not in history, trace
    leftovers = in_image(
        tag, "for p in /etc/pip.conf /etc/xdg/pip /root/.config /root/.voice-host /build /opt/*; do "
        "[ -e \"$p\" ] && [ \"$p\" != /opt/ml ] && echo \"$p\"; done; ls -A /tmp"
    )  # fmt: skip
    assert leftovers.split() == [], leftovers
    bundle = "sha256sum /etc/ssl/certs/ca-certificates.crt"
    assert in_image(tag, bundle) == in_image(images.manifest["base"], bundle)


def test_both_images_share_the_dependency_layers(images: Images) -> None:
    lam, train = (inspect(images.tag(n))["RootFS"]["Layers"] for n in NAMES)
    base = inspect(images.manifest["base"])["RootFS"]["Layers"]
    shared = 0
    for a, b in zip(lam, train, strict=False):
        if a != b:
            break
        shared += 1
    assert lam[: len(base)] == base
    assert shared >= len(base) + 2, "the dependency and project layers differ between the images"


@pytest.mark.parametrize("name", NAMES)
def test_dependencies_are_lean_and_lambda_accepts_the_size(images: Images, name: str) -> None:
    tag = images.tag(name)
    installed = {p["name"].lower() for p in json.loads(in_image(tag, "pip list --format json"))}
    assert [p for p in installed if p.startswith("opencv")] == ["opencv-python-headless"]
    assert not installed & {"torch", "openai-whisper", "jax", "jaxlib", "moto", "aws-cdk-lib", "pytest"}
    size_mb = images.manifest["images"][name]["size_mb"]
    assert size_mb < LAMBDA_IMAGE_LIMIT_MB
    RESULTS[name]["image_mb"] = size_mb
