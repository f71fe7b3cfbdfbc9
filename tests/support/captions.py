"""Reading subtitle files back: the cues of a WebVTT or SubRip text, as a player sees them."""

from __future__ import annotations

__all__ = ["parse_cues"]


def _seconds(stamp: str) -> float:
    h, m, s = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def parse_cues(text: str) -> list[tuple[float, float, list[str]]]:
    """(start, end, lines) of every cue of a ``.vtt`` or ``.srt`` text (cue settings ignored)."""
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, rest = (p.strip() for p in lines[timing].split("-->"))
        cues.append((_seconds(start), _seconds(rest.split()[0]), lines[timing + 1 :]))
    return cues
