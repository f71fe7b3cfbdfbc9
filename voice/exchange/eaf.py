"""ELAN ``.eaf`` (EAF 2.8, written by ``pympi-ling``) of one exported session.

The media descriptor names the annotated review copy by file name only (``RELATIVE_MEDIA_URL``
``./<session>.mp4``; ``MEDIA_URL`` ``file:///<session>.mp4``: no local directory). Emotion tiers
share one controlled vocabulary (the five emotions and "not counted"); free-text tiers (reasons,
people in view, words) another linguistic type. A tier's notes (a prediction's probability, a
review's status) are a dependent ``<tier> note`` tier (symbolic association). VOICE marks its own
tiers in the header: a ``PROPERTY`` ``voice:tier`` per tier, and ``voice:session`` — importing the
file back recognises them and leaves them alone —, except an imported coder's tier, marked
``voice:coder``: imported into another copy of the session it brings the coder's labels back (into
the same store it changes nothing: those labels are there).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

from voice.config import EMOTIONS
from voice.exchange.coding import research_module
from voice.exchange.session_tiers import ExportSession
from voice.exchange.sources import NOT_COUNTED

__all__ = [
    "CODER_PROPERTY",
    "CV_ID",
    "EMOTION_TYPE",
    "NOTE_SUFFIX",
    "SESSION_PROPERTY",
    "TIER_PROPERTY",
    "eaf_bytes",
]

CV_ID: Final = "voice-emotions"
EMOTION_TYPE: Final = "voice-emotion"
TEXT_TYPE: Final = "voice-text"
NOTE_TYPE: Final = "voice-note"
NOTE_SUFFIX: Final = " note"
TIER_PROPERTY: Final = "voice:tier"
CODER_PROPERTY: Final = "voice:coder"
SESSION_PROPERTY: Final = "voice:session"


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def eaf_bytes(export: ExportSession) -> bytes:
    """The session's ``.eaf`` document."""
    eaf = research_module("pympi.Elan").Eaf(author="VOICE")
    eaf.remove_tier("default")
    eaf.add_linked_file(f"file:///{export.media}", relpath=f"./{export.media}", mimetype="video/mp4")
    eaf.add_property(SESSION_PROPERTY, export.session)
    eaf.add_language("eng", "http://cdb.iso.org/lg/CDB-00130975-001", "English (eng)")
    eaf.add_controlled_vocabulary(CV_ID)
    eaf.add_cv_description(CV_ID, "eng", "VOICE emotions; 'not counted': not a label")
    for k, value in enumerate((*EMOTIONS, NOT_COUNTED)):
        eaf.add_cv_entry(CV_ID, f"cveid_{k}", [(value, "eng", "")])
    eaf.remove_linguistic_type("default-lt")
    # pympi writes param_dict as the whole element's attributes: give them all.
    eaf.add_linguistic_type(
        EMOTION_TYPE,
        param_dict={
            "LINGUISTIC_TYPE_ID": EMOTION_TYPE,
            "TIME_ALIGNABLE": "true",
            "GRAPHIC_REFERENCES": "false",
            "CONTROLLED_VOCABULARY_REF": CV_ID,
        },
    )
    eaf.add_linguistic_type(TEXT_TYPE)
    eaf.add_linguistic_type(NOTE_TYPE, "Symbolic_Association", timealignable=False)
    for tier in export.tiers:
        ling = EMOTION_TYPE if tier.kind == "emotion" else TEXT_TYPE
        eaf.add_tier(tier.name, ling=ling, ann=tier.author or None)
        if tier.voice:
            eaf.add_property(CODER_PROPERTY if tier.coder else TIER_PROPERTY, tier.name)
        notes = [a for a in tier.annotations if a.note]
        for a in tier.annotations:
            eaf.add_annotation(tier.name, _ms(a.start), _ms(a.end), a.value)
        if notes:
            child = tier.name + NOTE_SUFFIX
            eaf.add_tier(child, ling=NOTE_TYPE, parent=tier.name)
            if tier.voice:
                eaf.add_property(TIER_PROPERTY, child)
            for a in notes:
                eaf.add_ref_annotation(child, tier.name, (_ms(a.start) + _ms(a.end)) // 2, a.note)
    with tempfile.TemporaryDirectory(prefix="voice-eaf-") as tmp:
        path = Path(tmp) / "out.eaf"
        eaf.to_file(str(path))
        return _slots_in_time_order(path.read_bytes())


def _slots_in_time_order(document: bytes) -> bytes:
    """Time slots renumbered in time order (as ELAN writes them; pympi numbers them as added).
    Our own document, so the standard library's parser is safe here."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(document)
    order = root.find("TIME_ORDER")
    assert order is not None
    slots = sorted(order, key=lambda s: (int(s.get("TIME_VALUE", "0")), s.get("TIME_SLOT_ID", "")))
    names = {s.get("TIME_SLOT_ID"): f"ts{k}" for k, s in enumerate(slots, 1)}
    for s in list(order):
        order.remove(s)
    for s in slots:
        s.set("TIME_SLOT_ID", names[s.get("TIME_SLOT_ID")])
        order.append(s)
    for ann in root.iter("ALIGNABLE_ANNOTATION"):
        for ref in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"):
            ann.set(ref, names[ann.get(ref)])
    ET.indent(root, "\t")
    out: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return out + b"\n"
