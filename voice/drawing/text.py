"""Text on video frames: any script the font has, fitted to the room it is given, rendered once.

The font is DejaVu Sans Bold, the TrueType font matplotlib (a dependency) ships, drawn by Pillow
(FreeType, with Raqm shaping when the wheel has it, so right-to-left and joined scripts read as
written). It has Latin with every accent, Greek, Cyrillic, Hebrew, Arabic, Armenian and Georgian;
it has no CJK, Devanagari or Thai glyphs (those show as the font's empty box, never as another
letter). Text is NFC-normalised first, so a name keeps its letters however it was typed.

:func:`text_patch` renders one box (black, the text in a colour, lines left-aligned or centred)
that fits ``max_width`` × ``max_height``: at the asked size if it fits, else scaled down to at
most 60 % of it, else wrapped at spaces to the width and made smaller until it fits; text is
never cut. A frame shows the same few texts for seconds, so each box is rendered once (an LRU
cache) and pasted on every frame that shows it.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

__all__ = ["FONT_FILE", "text_patch"]

#: The smallest size (px) text is scaled to before it is wrapped instead.
MIN_PX = 10


def _font_file() -> Path:
    """DejaVu Sans Bold inside matplotlib's package data (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: it ships the overlay font (DejaVu Sans)")
    return Path(
        next(iter(spec.submodule_search_locations)), "mpl-data", "fonts", "ttf", "DejaVuSans-Bold.ttf"
    )


FONT_FILE = _font_file()


@functools.lru_cache(maxsize=32)
def _font(px: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_FILE), px)


def _pad(px: int) -> int:
    return max(2, round(px * 0.35))


def _line_height(px: int) -> int:
    ascent, descent = _font(px).getmetrics()
    return ascent + descent + round(px * 0.12)


def _width(line: str, px: int) -> float:
    # The advance width (a glyph's ink may overhang it by a pixel or two: the box's padding holds
    # that). Measuring the ink instead renders the line, ~15 times slower.
    return _font(px).getlength(line) if line else 0.0


def _wrap(lines: list[str], px: int, room: float) -> list[str]:
    """Each line greedily re-wrapped at spaces to ``room`` pixels (a word wider stays whole)."""
    out: list[str] = []
    for text in lines:
        line = ""
        for word in text.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and _width(candidate, px) > room:
                out.append(line)
                line = word
            else:
                line = candidate
        out.append(line)
    return out


def _fit(lines: list[str], px: int, max_width: int, max_height: int) -> tuple[int, list[str]]:
    """The size and lines that fit the room (module notes)."""
    smallest = max(MIN_PX, round(px * 0.6))
    size = px
    while True:
        pad = _pad(size)
        shown = lines if size > smallest else _wrap(lines, size, max_width - 2 * pad)
        wide = max(_width(line, size) for line in shown) + 2 * pad
        high = len(shown) * _line_height(size) + 2 * pad
        if (wide <= max_width and high <= max_height) or size <= 1:
            return size, shown
        # Straight to the size that would fit the width (glyph widths scale almost linearly),
        # then a pixel at a time.
        guess = int(size * min(1.0, (max_width - 2 * pad) / max(wide - 2 * pad, 1.0)))
        size = max(1, min(size - 1, max(guess, smallest)))


# A frame shows a handful of texts at once and captions come in order, never back: 32 boxes is
# plenty, and keeps the cache under ~8 MB at 720p (a caption box is ~250 KB).
@functools.lru_cache(maxsize=32)
def text_patch(
    text: str,
    colour: tuple[int, int, int],
    px: int,
    max_width: int,
    max_height: int,
    centred: bool = False,
) -> np.ndarray:
    """``text`` ("\\n" between lines) in ``colour`` (BGR) on black, ``px`` high or smaller so the
    box fits ``max_width`` × ``max_height`` (module notes). The array is shared: copy, never edit."""
    from PIL import Image, ImageDraw

    lines = unicodedata.normalize("NFC", text).split("\n")
    size, shown = _fit(lines, px, max_width, max_height)
    pad, step, font = _pad(size), _line_height(size), _font(size)
    widths = [_width(line, size) for line in shown]
    box_w = min(max_width, round(max(widths)) + 2 * pad)
    box_h = min(max_height, len(shown) * step + 2 * pad)
    mask = Image.new("L", (max(1, box_w), max(1, box_h)), 0)
    draw = ImageDraw.Draw(mask)
    for i, (line, width) in enumerate(zip(shown, widths, strict=True)):
        x = pad + ((box_w - 2 * pad - width) / 2 if centred else 0)
        draw.text((x, pad + i * step), line, font=font, fill=255)
    alpha = np.asarray(mask, dtype=np.uint16)[..., None]
    patch = (alpha * np.array(colour, dtype=np.uint16) // 255).astype(np.uint8)
    patch.flags.writeable = False
    return patch
