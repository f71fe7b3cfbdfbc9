"""Reading a researcher's ``.eaf`` safely: ``defusedxml`` parses the untrusted bytes (no entities,
no DTDs: an XML bomb is refused), then every check ELAN's structure implies — time slots declared,
with values, referenced in order — before any annotation is read.

Only time-aligned top-level tiers are coded tiers; dependent tiers (notes, subdivisions) are read
by nobody. Tiers the file's header marks ``voice:tier`` are VOICE's own export; ``voice:coder`` tiers are an
imported coder's labels as VOICE exported them, and are coded tiers like any other.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import unquote, urlparse

from voice.errors import CodingFileError
from voice.exchange.coding import CodedFile, CodedSpan, CodedTier, research_module
from voice.exchange.eaf import SESSION_PROPERTY, TIER_PROPERTY

__all__ = ["media_name", "read_eaf"]


def media_name(url: str) -> str:
    """The file name a media URL or path ends in (``file:///C:/x/a.mp4`` → ``a.mp4``)."""
    path = unquote(urlparse(url).path) if "://" in url else url
    return PureWindowsPath(PurePosixPath(path).name).name


def _parse(data: bytes) -> Any:
    research_module("defusedxml")
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise CodingFileError(
            f"the ELAN file declares a DTD or entities ({type(exc).__name__}); VOICE does not read "
            "those (an XML bomb looks like this). Save it again from ELAN."
        ) from exc
    except SafeET.ParseError as exc:
        raise CodingFileError(f"the ELAN file is not well-formed XML ({exc}).") from exc


def _slots(root: Any) -> dict[str, int]:
    order = root.find("TIME_ORDER")
    if order is None:
        raise CodingFileError("the ELAN file has no TIME_ORDER: it is not an annotation document.")
    slots: dict[str, int] = {}
    for slot in order.findall("TIME_SLOT"):
        sid, value = slot.get("TIME_SLOT_ID"), slot.get("TIME_VALUE")
        if sid is None:
            raise CodingFileError("a TIME_SLOT has no TIME_SLOT_ID.")
        if value is None:
            continue  # unaligned slots exist in subdivisions; an alignable reference to one fails below
        try:
            slots[sid] = int(value)
        except ValueError as exc:
            raise CodingFileError(f"time slot {sid} has the value {value!r}, not milliseconds.") from exc
    return slots


def _tier_spans(tier: Any, slots: dict[str, int]) -> list[CodedSpan]:
    name = tier.get("TIER_ID")
    spans = []
    for ann in tier.iter("ALIGNABLE_ANNOTATION"):
        refs = ann.get("TIME_SLOT_REF1"), ann.get("TIME_SLOT_REF2")
        missing = [r for r in refs if r is None or r not in slots]
        if missing:
            raise CodingFileError(
                f"tier {name!r}: annotation {ann.get('ANNOTATION_ID')} refers to time slot(s) "
                f"{', '.join(str(m) for m in missing)} that are missing or have no time."
            )
        start, end = slots[str(refs[0])], slots[str(refs[1])]
        if end <= start:
            raise CodingFileError(
                f"tier {name!r}: annotation {ann.get('ANNOTATION_ID')}'s time slots are out of order "
                f"({start / 1000:g} s to {end / 1000:g} s)."
            )
        value = ann.findtext("ANNOTATION_VALUE") or ""
        spans.append(CodedSpan(start / 1000, end / 1000, value.strip()))
    return spans


def read_eaf(data: bytes, file_name: str) -> CodedFile:
    """The coded tiers of an ``.eaf`` document (``file_name``: the author when a tier names none)."""
    root = _parse(data)
    if root.tag != "ANNOTATION_DOCUMENT":
        raise CodingFileError(f"the file's root element is {root.tag!r}, not an ELAN ANNOTATION_DOCUMENT.")
    header = root.find("HEADER")
    media = (
        []
        if header is None
        else [
            media_name(m.get("RELATIVE_MEDIA_URL") or m.get("MEDIA_URL") or "")
            for m in header.findall("MEDIA_DESCRIPTOR")
        ]
    )
    props = (
        []
        if header is None
        else [(p.get("NAME"), (p.text or "").strip()) for p in header.findall("PROPERTY")]
    )
    voice_tiers = {value for name, value in props if name == TIER_PROPERTY}
    session = next((value for name, value in props if name == SESSION_PROPERTY), None)
    slots = _slots(root)
    stem = PurePosixPath(file_name).stem
    tiers = []
    for tier in root.findall("TIER"):
        name = tier.get("TIER_ID") or ""
        if tier.get("PARENT_REF"):
            continue
        author = (tier.get("ANNOTATOR") or tier.get("PARTICIPANT") or "").strip() or stem
        spans = _tier_spans(tier, slots)
        tiers.append(CodedTier(name, author, None, name in voice_tiers, spans))
    return CodedFile([m for m in media if m], tiers, session)
