"""A researcher's ELAN file, written by hand as ELAN writes one (EAF 3.0 header, time slots in
order, one or more coded tiers): for the tests of ``voice import``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

__all__ = ["researcher_eaf"]

Span = tuple[float, float, str]


def researcher_eaf(
    media: str,
    tiers: Mapping[str, Sequence[Span]],
    *,
    annotator: str | None = "ben",
    extra_header: str = "",
    annotators: Mapping[str, str] | None = None,
) -> bytes:
    """An ``.eaf`` coding ``media`` with ``tiers`` (name → spans in seconds), each tier's ANNOTATOR
    ``annotator`` (``annotators``: per tier name instead)."""
    slots: list[str] = []
    bodies: list[str] = []
    n = 0
    for name, spans in tiers.items():
        anns = []
        for start, end, value in spans:
            a, b = f"ts{len(slots) + 1}", f"ts{len(slots) + 2}"
            slots += [
                f'<TIME_SLOT TIME_SLOT_ID="{a}" TIME_VALUE="{round(start * 1000)}"/>',
                f'<TIME_SLOT TIME_SLOT_ID="{b}" TIME_VALUE="{round(end * 1000)}"/>',
            ]
            n += 1
            anns.append(
                f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a{n}" TIME_SLOT_REF1="{a}" '
                f'TIME_SLOT_REF2="{b}"><ANNOTATION_VALUE>{escape(value)}</ANNOTATION_VALUE>'
                "</ALIGNABLE_ANNOTATION></ANNOTATION>"
            )
        person = (annotators or {}).get(name, annotator)
        who = "" if person is None else f" ANNOTATOR={quoteattr(person)}"
        bodies.append(
            f'<TIER TIER_ID={quoteattr(name)} LINGUISTIC_TYPE_REF="default-lt"{who}>{"".join(anns)}</TIER>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ANNOTATION_DOCUMENT AUTHOR="" DATE="2026-12-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">'
        '<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">'
        f'<MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/Users/ben/{media}" '
        f'MIME_TYPE="video/mp4" RELATIVE_MEDIA_URL="./{media}"/>{extra_header}</HEADER>'
        f"<TIME_ORDER>{''.join(slots)}</TIME_ORDER>{''.join(bodies)}"
        '<LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>'
        "</ANNOTATION_DOCUMENT>\n"
    ).encode()
