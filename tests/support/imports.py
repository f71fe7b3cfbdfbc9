"""Who imports what, read from the source (no import runs): the ``voice`` modules, the project modules a
file names in its ``import`` statements, and the modules no test file imports.

``tests/unit/test_structure.py`` checks the package's layers with it, ``tests/unit/test_test_layout.py``
that the tests mirror the code. As a script it lists the modules no test file imports::

    PYTHONPATH=. .venv/bin/python -m tests.support.imports
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = ["ROOT", "imported_modules", "module_name", "suite_files", "untested_modules", "voice_modules"]

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path, root: Path = ROOT) -> str:
    """``voice/pose/body25.py`` → ``voice.pose.body25``; a package's ``__init__.py`` → the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def voice_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the ``voice`` package (packages included), by dotted name."""
    return {module_name(p, root): p for p in sorted((root / "voice").rglob("*.py"))}


def imported_modules(path: Path, known: Iterable[str]) -> set[str]:
    """The ``known`` modules ``path`` imports, at module top or inside functions: ``import a.b``,
    ``from a import b`` (module ``a.b`` or a name of ``a``), ``from a.b import c``."""
    names_known = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in names_known}
    return found


def suite_files(root: Path = ROOT) -> list[Path]:
    """The files pytest runs or configures under ``tests/``: ``test_*.py`` and ``conftest.py``."""
    tests = root / "tests"
    return sorted(p for p in tests.rglob("*.py") if p.name.startswith("test_") or p.name == "conftest.py")


def untested_modules(root: Path = ROOT) -> list[str]:
    """The ``voice`` modules (``__init__`` aside) that no test file imports."""
    modules = voice_modules(root)
    seen: set[str] = set()
    for path in suite_files(root):
        seen |= imported_modules(path, modules)
    return sorted(name for name, path in modules.items() if path.name != "__init__.py" and name not in seen)


if __name__ == "__main__":
    missing = untested_modules()
    print("\n".join(missing) if missing else "every voice module is imported by a test file")
    sys.exit(1 if missing else 0)
