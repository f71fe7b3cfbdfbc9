"""Shared fixtures: the bundled samples, processed once per test session through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("GLOG_minloglevel", "2")


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    from voice.run.demo import load_manifest

    return load_manifest()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    from voice.run.demo import samples_dir

    return samples_dir()


@pytest.fixture(scope="session")
def processed_samples(
    tmp_path_factory: pytest.TempPathFactory, manifest: dict[str, Any], samples_dir: Path
) -> dict[str, Any]:
    """Every bundled sample processed by ``voice process --json`` into one data dir."""
    import contextlib
    import io

    from voice.cli import main

    data = tmp_path_factory.mktemp("samples-data")
    files = [str(samples_dir / s["file"]) for s in manifest["sessions"]]
    patient = manifest["sessions"][0]["patient"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["process", *files, "--patient", patient, "--data-dir", str(data), "--json"])
    results = json.loads(out.getvalue())
    return {"data": data, "exit": code, "results": results, "patient": patient}
