"""The tests mirror the code, so a reader finds a module's tests in one hop, and stay that way.

- ``tests/unit/<package>/test_<module>.py`` tests ``voice/<package>/<module>.py``;
  ``tests/unit/test_<module>.py`` a root module (``voice/<module>.py``), except the checks of the
  code's and the tests' shape; ``tests/unit/support/test_<module>.py`` a helper in
  ``tests/support/``.
- ``tests/functional/<package>/`` holds the functional tests about one ``voice`` package (driven
  through its own entry or through ``process_video`` or the CLI), ``tests/functional/lambdas/``
  and ``tests/functional/training/`` those of the adapters; the tier root those about a root module
  (the CLI against S3, the stores) or the whole system (the PHI scans).
- Every ``voice`` module is imported by at least one test file.
- Helpers live in ``tests/support/`` (or beside the one tier that uses them); nothing imports a
  test module, and benchmarks and scripts import nothing from ``tests`` but ``tests.support``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.imports import (
    ROOT,
    imported_modules,
    module_name,
    suite_files,
    untested_modules,
)

TESTS = ROOT / "tests"
#: The unit tests of the code's, the tests' and the docs' shape: no module of their own.
SHAPE_CHECKS = {"test_structure.py", "test_test_layout.py", "test_docs.py"}
PACKAGES = sorted(p.parent.name for p in (ROOT / "voice").glob("*/__init__.py"))
ADAPTERS = ["lambdas", "training"]


def _mirrored(test: Path) -> Path | None:
    """The module a unit test file mirrors (None for the shape checks)."""
    rel = test.relative_to(TESTS / "unit")
    name = test.name.removeprefix("test_")
    if len(rel.parts) == 1:
        return None if test.name in SHAPE_CHECKS else ROOT / "voice" / name
    if rel.parts[0] == "support":
        return TESTS / "support" / name
    return ROOT / "voice" / rel.parts[0] / name


def test_every_unit_test_file_names_a_module_of_its_package() -> None:
    unit = sorted((TESTS / "unit").rglob("test_*.py"))
    assert len(unit) > 50, "the walk found the unit tests"
    wrong = [
        test.relative_to(ROOT).as_posix()
        for test in unit
        if (module := _mirrored(test)) is not None and not module.is_file()
    ]
    assert wrong == [], "rename or move them to mirror the module they test"


def test_unit_and_functional_folders_are_the_codes_packages() -> None:
    unit = {p.name for p in (TESTS / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert unit <= {*PACKAGES, "support"}, unit - {*PACKAGES, "support"}
    functional = {p.name for p in (TESTS / "functional").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert functional <= {*PACKAGES, *ADAPTERS}, functional - {*PACKAGES, *ADAPTERS}
    deeper = [p for p in (TESTS / "unit").glob("*/*/test_*.py")] + list(
        (TESTS / "functional").glob("*/*/test_*.py")
    )
    assert deeper == [], "one level: the packages are one level deep"


def test_every_test_folder_is_a_package() -> None:
    """The suite imports its helpers as ``tests.…``: every folder of Python files is a package."""
    folders = {p.parent for p in TESTS.rglob("*.py")} - {TESTS / "events"}
    missing = sorted(f.relative_to(ROOT).as_posix() for f in folders if not (f / "__init__.py").is_file())
    assert missing == []


def test_every_voice_module_is_imported_by_a_test_file() -> None:
    assert untested_modules() == [], "give each its own test file in the mirrored place"


def test_the_check_sees_modules_that_no_test_imports(tmp_path: Path) -> None:
    for rel, text in {
        "voice/__init__.py": "",
        "voice/tested.py": "",
        "voice/pkg/__init__.py": "",
        "voice/pkg/alone.py": "",
        "voice/pkg/named.py": "",
        "tests/unit/test_tested.py": "import voice.tested\n",
        "tests/unit/pkg/conftest.py": "from voice.pkg import named\n",
        "tests/support/helper.py": "from voice.pkg import alone\n",  # a helper is no test
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert untested_modules(tmp_path) == ["voice.pkg.alone"]


def _project_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def _test_modules() -> dict[str, Path]:
    """Every test module, by dotted name (what nothing may import; a tier's ``conftest.py`` may
    hold constants its tests share with their fixtures)."""
    return {module_name(p): p for p in suite_files() if p.name.startswith("test_")}


@pytest.mark.parametrize("folder", ["tests", "benchmarks", "scripts"])
def test_nothing_imports_a_test_module(folder: str) -> None:
    known = _test_modules()
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}: {', '.join(sorted(found))}"
        for path in _project_files(folder)
        if (found := imported_modules(path, known))
    ]
    assert offenders == [], "move what they share to tests/support/ (or beside the one tier that uses it)"


def test_benchmarks_and_scripts_use_only_the_test_support_helpers() -> None:
    helpers = {module_name(p) for p in TESTS.rglob("*.py")}
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}: {name}"
        for path in _project_files("benchmarks", "scripts")
        for name in sorted(imported_modules(path, helpers))
        if not name.startswith("tests.support.") and name != "tests.support"
    ]
    assert offenders == []
    users = [p for p in _project_files("benchmarks", "scripts") if imported_modules(p, helpers)]
    assert len(users) >= 5, "the check sees the benchmarks that use the helpers"
