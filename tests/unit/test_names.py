"""What a new name may not hold, in words with code points (voice/names.py; docs/bad-input.md)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from voice.names import BLANK_LOOKALIKES, REFUSED_CATEGORIES, refused_characters


@pytest.mark.parametrize("category", sorted(REFUSED_CATEGORIES))
def test_every_code_point_of_a_refused_category_is_refused(category: str) -> None:
    points = [chr(cp) for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == category]
    assert points, category
    assert all(refused_characters(f"a{ch}b") for ch in points), category


def test_every_space_separator_but_the_plain_space_is_refused() -> None:
    spaces = [chr(cp) for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Zs"]
    assert " " in spaces
    assert len(spaces) > 10
    assert refused_characters("a b") == ""
    for ch in set(spaces) - {" "}:
        assert "not a plain space" in refused_characters(f"a{ch}b"), f"U+{ord(ch):04X}"


@pytest.mark.parametrize("ch", sorted(BLANK_LOOKALIKES))
def test_letters_that_render_blank_are_refused_although_they_are_letters(ch: str) -> None:
    assert unicodedata.category(ch) in {"Lo", "So"}
    assert (
        refused_characters(f"maria{ch}")
        == f"blanks that are not a plain space (use U+0020) (U+{ord(ch):04X})"
    )


def test_variation_selectors_are_refused_although_they_are_marks() -> None:
    selectors = [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x180B, 0x180C, 0x180D, 0x180F]
    for cp in selectors:
        assert unicodedata.category(chr(cp)) == "Mn"
        assert refused_characters(f"a{chr(cp)}") == f"variation selectors (U+{cp:04X})"
    assert refused_characters("e\u0301") == "", "other combining marks (accents) are fine"


def test_the_message_lists_each_reason_once_with_its_code_points() -> None:
    message = refused_characters(' ma\u00adri\u00ada:\u061c"')
    assert message == (
        "invisible format characters (U+00AD, U+061C); "
        'characters Windows refuses in file names (: * ? " < > |) (U+003A, U+0022); '
        "a leading space"
    )


@pytest.mark.parametrize(
    "name", ["Maria", "José", "마리아", "Мария", "مريم", "玛丽亚", "María 🙂", "O'Neil-Smith (2)"]
)
def test_ordinary_names_in_any_script_hold_nothing_refused(name: str) -> None:
    assert refused_characters(name) == ""
