"""The shape of the core: an import graph without cycles, modules a newcomer can read whole."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "voice"
#: The emotion lexicon is data as much as code; it may be longer.
LONG_ALLOWED = {"voice/emotions.py"}
MAX_LINES = 350


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every project module ``path`` imports, at module top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in known}
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


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
    assert "voice.render" in graph["voice.pipeline"], "imports inside the package are seen"
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(_modules()))
def test_modules_stay_readable(name: str) -> None:
    path = _modules()[name]
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
