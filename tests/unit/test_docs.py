"""The documentation holds together: every relative link and image in README.md and docs/*.md
resolves (a file, and for ``#anchor`` links into markdown a heading, slugged as GitHub does), and
the README stays short (its detail lives in docs/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 250

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
#: ``[text](target)`` and ``![alt](target)``, an optional title after the target.
_MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_REF = re.compile(r"<(?:img|a)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans (links there are examples)."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: inline markup dropped, lower case, punctuation removed
    (letters, digits, ``_``, ``-`` and spaces kept), each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor; a repeated heading gets ``-1``, ``-2``… as on GitHub."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for match in _HEADING.finditer(_FENCE.sub("", text)):
        slug = github_slug(match.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def links(text: str) -> list[str]:
    prose = _prose(text)
    return [m.group(1) for m in _MD_LINK.finditer(prose)] + [m.group(1) for m in _HTML_REF.finditer(prose)]


def broken_links(page: Path) -> list[str]:
    """Each relative link of ``page`` that points at no file, or at no heading of a markdown file."""
    text = page.read_text()
    broken = []
    for target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto: … — not checked offline
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_stays_short() -> None:
    lines = len((ROOT / "README.md").read_text().splitlines())
    assert lines < README_MAX_LINES, f"README.md has {lines} lines: move the detail into docs/"


def test_the_readme_shows_its_picture() -> None:
    images = [t for t in links((ROOT / "README.md").read_text()) if t.startswith("docs/images/")]
    assert images
    for image in images:
        assert (ROOT / image).stat().st_size < 200_000, image


def test_the_checker_finds_broken_links_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## The `voice` command\n\n## Notes\n\n## Notes\n")
    (tmp_path / "pic.png").write_bytes(b"")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md) [ok](docs/a.md#the-voice-command) [ok](docs/a.md#notes-1) ![ok](pic.png)\n"
        "[gone](docs/missing.md) [bad anchor](docs/a.md#nope) ![gone](img/none.png)\n"
        '<img src="also-missing.jpg"> [self](#nowhere) [web](https://example.org/x)\n'
        "`[in code](not-checked.md)`\n```\n[in a block](not-checked.md)\n```\n"
    )
    assert broken_links(page) == [
        "docs/missing.md: no such file",
        "docs/a.md#nope: no heading #nope in a.md",
        "img/none.png: no such file",
        "#nowhere: no heading #nowhere in README.md",
        "also-missing.jpg: no such file",
    ]


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("The `voice` command", "the-voice-command"),
        ("Deploy → upload → watch → destroy", "deploy--upload--watch--destroy"),
        ("Who may run `voice cloud`?", "who-may-run-voice-cloud"),
        ("Narration: what becomes a label", "narration-what-becomes-a-label"),
        ("Speed and memory (640×480)", "speed-and-memory-640480"),
        ("Long videos in [segments](x.md)", "long-videos-in-segments"),
    ],
)
def test_slugs_are_githubs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug
