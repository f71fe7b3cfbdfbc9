"""Print the requirements of pyproject.toml (its dependencies plus the named extras), one a line.

Both image builds run it (``python requirements.py pyproject.toml lambda``) so that the one
dependency list stays pyproject.toml and the dependency layer is built before any code is
copied. Extras that name the project itself (``voice[media,lambda]``) are expanded.
"""

from __future__ import annotations

import re
import sys
import tomllib
from typing import Any


def requirements(project: dict[str, Any], extras: list[str]) -> list[str]:
    """The project's dependencies plus those of ``extras``, sorted, without duplicates."""
    own = re.compile(rf"{re.escape(str(project['name']))}\[([^\]]+)\]")
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    out: list[str] = list(project.get("dependencies", []))
    wanted, seen = list(extras), set()
    while wanted:
        extra = wanted.pop()
        if extra in seen:
            continue
        seen.add(extra)
        if extra not in optional:
            raise SystemExit(f"pyproject.toml has no extra {extra!r}")
        for req in optional[extra]:
            nested = own.fullmatch(req.replace(" ", ""))
            if nested:
                wanted.extend(nested.group(1).split(","))
            else:
                out.append(req)
    return sorted(set(out))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        raise SystemExit("usage: requirements.py PYPROJECT [EXTRA...]")
    with open(argv[1], "rb") as f:
        project = tomllib.load(f)["project"]
    print("\n".join(requirements(project, argv[2:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
