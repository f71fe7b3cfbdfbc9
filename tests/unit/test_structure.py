"""The shape of the core: stage packages in layers, an import graph without cycles, modules a
newcomer can read whole."""

from __future__ import annotations

import ast

import pytest

from tests.support.imports import ROOT, imported_modules, voice_modules

PACKAGE = ROOT / "voice"
#: The emotion lexicon is data as much as code; it may be longer.
LONG_ALLOWED = {"voice/narration/emotions.py"}
MAX_LINES = 350


def import_graph() -> dict[str, set[str]]:
    modules = voice_modules()
    return {name: imported_modules(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)) is not None:
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_voice_has_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 20, "the walk found the package's modules"
    assert "voice.session.video_pass" in graph["voice.run.pipeline"], "imports inside the package are seen"
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


#: The root modules every stage may use (settings, errors, the storage layout and interface, keyed
#: references, the cache, the allocator set-up, threads' priorities); they import no stage package.
BASE = {
    "voice",
    "config",
    "errors",
    "layout",
    "names",
    "storage",
    "refs",
    "cache",
    "malloc_arenas",
    "priority",
    "fast_exit",
    "records",
}

#: The root modules at the top: the command, and its console script's first moment.
TOP = {"cli", "launch"}

#: Which stage package may import which (besides the base and itself): each package's docstring
#: says what comes in and what goes out; an arrow never points back up. ``cli`` is the top.
MAY_IMPORT: dict[str, set[str]] = {
    "base": set(),
    "media": set(),
    "transcription": {"media"},
    "narration": {"transcription"},
    "pose": {"media"},
    "people": {"media", "pose", "narration"},
    "drawing": {"media", "transcription", "narration", "pose", "people"},
    "model": {"media", "narration", "pose", "people"},
    "labels": {"narration", "pose"},
    "session": {"media", "transcription", "narration", "pose", "people", "drawing", "model", "labels"},
    "segments": {
        "media",
        "transcription",
        "narration",
        "pose",
        "people",
        "drawing",
        "model",
        "labels",
        "session",
    },
    "run": {
        "passport",
        "media",
        "transcription",
        "narration",
        "pose",
        "people",
        "model",
        "labels",
        "session",
        "segments",
    },
    "passport": {"media", "narration", "pose", "people", "model", "labels"},
    "review": {
        "media",
        "transcription",
        "narration",
        "pose",
        "people",
        "drawing",
        "model",
        "labels",
        "session",
        "segments",
        "run",
    },
    "exchange": {"narration", "pose", "labels"},
    "agreement": {"narration", "pose", "labels", "review", "exchange"},
    "aws": {
        "media",
        "transcription",
        "narration",
        "pose",
        "people",
        "model",
        "labels",
        "session",
        "segments",
        "run",
        "passport",
    },
    "cli": {
        "media",
        "transcription",
        "narration",
        "pose",
        "people",
        "model",
        "labels",
        "session",
        "segments",
        "run",
        "aws",
        "review",
        "passport",
        "exchange",
        "agreement",
    },
}


def package_of(module: str) -> str:
    """``voice.pose.body25`` → ``pose``; root modules → ``base`` (``voice.cli`` and the command's
    first moment, ``voice.launch``, → ``cli``)."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in BASE:
        return "base"
    if len(parts) >= 3 or (len(parts) == 2 and parts[1] in MAY_IMPORT):
        return parts[1]
    name = parts[1] if len(parts) == 2 else "voice"
    assert name in BASE | TOP, f"{module}: a root module must be one of the base modules or cli"
    return "cli" if name in TOP else "base"


def package_violations(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} → {dep}"
        for module, deps in graph.items()
        for dep in deps
        if (a := package_of(module)) != (b := package_of(dep)) and b != "base" and b not in MAY_IMPORT[a]
    )


def test_the_layering_check_catches_an_arrow_back_up() -> None:
    assert package_violations({"voice.pose.body25": {"voice.model.features"}}) == [
        "voice.pose.body25 → voice.model.features"
    ]
    assert package_violations({"voice.model.features": {"voice.pose.body25", "voice.config"}}) == []
    assert package_violations({"voice.config": {"voice.media.probe"}}) == ["voice.config → voice.media.probe"]


def test_stage_packages_import_only_the_layers_below() -> None:
    graph = import_graph()
    packages = {package_of(m) for m in graph}
    assert packages == set(MAY_IMPORT), packages
    assert package_violations(graph) == []


@pytest.mark.parametrize("package", sorted(set(MAY_IMPORT) - {"base", "cli"}))
def test_each_stage_package_says_what_comes_in_and_what_goes_out(package: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text())) or ""
    assert "In:" in doc
    assert "Out:" in doc
    assert len(doc) > 200, doc


@pytest.mark.parametrize("name", sorted(voice_modules()))
def test_modules_stay_readable(name: str) -> None:
    path = voice_modules()[name]
    rel = path.relative_to(ROOT).as_posix()
    lines = len(path.read_text().splitlines())
    assert rel in LONG_ALLOWED or lines <= MAX_LINES, f"{rel} has {lines} lines; split it by concern"


def test_only_voice_aws_imports_the_aws_sdk() -> None:
    """boto3/botocore stay behind one boundary: voice/aws/ (the Lambdas use its clients)."""
    offenders = []
    for folder in ("voice", "lambdas", "training", "infra"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("voice/aws/"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{rel}: {n}" for n in names if n.split(".")[0] in {"boto3", "botocore"}]
    assert offenders == []
    assert (ROOT / "voice" / "aws" / "s3.py").read_text().count("import boto3") == 1, "the check sees imports"
