"""Text on frames: DejaVu Sans through Pillow keeps every letter of a name, fits the room it is
given (scaled, then wrapped, never cut) and is rendered once per text."""

from __future__ import annotations

import numpy as np
import pytest

from voice.drawing.text import FONT_FILE, MIN_PX, text_patch

WHITE = (255, 255, 255)


def _ink(patch: np.ndarray) -> np.ndarray:
    return patch.max(axis=2) > 0


def test_the_font_is_the_one_matplotlib_ships() -> None:
    assert FONT_FILE.name == "DejaVuSans-Bold.ttf"
    assert FONT_FILE.is_file()
    assert "matplotlib" in FONT_FILE.parts


@pytest.mark.parametrize("name", ["José", "Zoë", "Łukasz", "Мария", "Ελένη", "Ngozi Ọ̀kàfọ̀", "Søren", "Ağça"])
def test_every_letter_of_a_name_has_its_own_glyph(name: str) -> None:
    """No letter is folded to ASCII, replaced by "?" or drawn as the font's empty box."""
    missing = text_patch("\U000f0000", WHITE, 40, 400, 100)  # a private-use character: the empty box
    for letter in set(name.replace(" ", "")):
        glyph = text_patch(letter, WHITE, 40, 400, 100)
        assert _ink(glyph).any(), letter
        assert glyph.shape != missing.shape or not np.array_equal(glyph, missing), f"{letter!r} has no glyph"
    assert not np.array_equal(
        text_patch(name, WHITE, 40, 900, 100), text_patch("?" * len(name), WHITE, 40, 900, 100)
    )


def test_an_accent_is_drawn_above_its_letter() -> None:
    accented, plain = text_patch("José", WHITE, 40, 400, 100), text_patch("Jose", WHITE, 40, 400, 100)
    assert accented.shape == plain.shape
    differs = np.argwhere((accented.astype(int) - plain.astype(int)).max(axis=2) > 64)
    assert len(differs) > 20, "the acute accent"
    e_top = np.argwhere(_ink(plain)[:, -plain.shape[1] // 4 :])[:, 0].min()  # the "e", right quarter
    assert differs[:, 0].max() < e_top + 3, "above the e"
    assert differs[:, 1].min() > plain.shape[1] * 0.6, "over the last letter"


def test_text_typed_with_a_combining_accent_draws_as_the_precomposed_letter() -> None:
    np.testing.assert_array_equal(
        text_patch("Jose\u0301", WHITE, 40, 400, 100), text_patch("José", WHITE, 40, 400, 100)
    )


def test_text_with_room_is_drawn_at_the_asked_size_and_in_its_colour() -> None:
    big, small = (
        text_patch("Maria", (0, 200, 255), 40, 1000, 500),
        text_patch("Maria", (0, 200, 255), 20, 1000, 500),
    )
    assert big.shape[0] > 1.8 * small.shape[0]
    colours = {tuple(int(v) for v in px) for px in big.reshape(-1, 3)}
    assert (0, 200, 255) in colours, "the text's colour"
    assert (0, 0, 0) in colours, "on black"
    assert all(b == 0 for b, _, _ in colours), "anti-aliased shades of the colour only"


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("Maria: happiness (happy), not counted: other person", (300, 200)),
        ("José is here with his sister Zoë\nand his friend Łukasz, and Мария.", (200, 300)),
        ("W" * 42 + "\n" + "W" * 42, (120, 200)),
        ("patient not found", (60, 40)),
    ],
)
def test_text_is_fitted_to_its_room_and_never_cut(text: str, room: tuple[int, int]) -> None:
    width, height = room
    patch = text_patch(text, WHITE, 40, width, height)
    assert patch.shape[1] <= width
    assert patch.shape[0] <= height
    ink = _ink(patch)
    assert ink.any()
    edge = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    assert not edge.any(), "a glyph touching the box's edge would be cut"


def test_a_line_too_wide_is_scaled_down_then_wrapped() -> None:
    text = "Maria: happiness (happy), not counted: other person"
    roomy = text_patch(text, WHITE, 30, 2000, 400)
    scaled = text_patch(text, WHITE, 30, int(roomy.shape[1] * 0.8), 400)
    assert scaled.shape[0] < roomy.shape[0], "smaller, still one line"
    assert scaled.shape[0] > 0.6 * roomy.shape[0]
    wrapped = text_patch(text, WHITE, 30, roomy.shape[1] // 3, 400)
    assert _lines(roomy) == _lines(scaled) == 1
    assert _lines(wrapped) >= 2, "wrapped once scaling would go below 60 %"
    assert MIN_PX <= 30 * 0.6


def _lines(patch: np.ndarray) -> int:
    """Lines of text: runs of rows with ink."""
    rows = _ink(patch).any(axis=1).astype(int)
    return int((np.diff(np.concatenate([[0], rows])) == 1).sum())


def test_a_text_is_rendered_once() -> None:
    first = text_patch("Maria is happy.", WHITE, 24, 640, 200)
    assert text_patch("Maria is happy.", WHITE, 24, 640, 200) is first
    assert not first.flags.writeable, "shared between frames: read-only"
