"""Names that become keys: the path-segment rules every stored name keeps (:func:`path_segment`,
:func:`normalize_name`, :func:`slug`), and which characters a new name may not hold
(docs/bad-input.md): what :func:`voice.layout.validate_name`
refuses for new uploads on top of the path-safety rules every stored name already keeps.

A patient or file name becomes a key, a local path on any system and a line people read. So it
holds nothing invisible, nothing that reorders text, nothing Windows cannot store, and no
character that looks like a blank but is not the plain space:

- Unicode categories Cf (format: soft hyphen U+00AD, Arabic letter mark U+061C, invisible
  separator U+2063, Mongolian vowel separator U+180E, tag characters U+E0000–E007F, …), Cc
  (controls), Co (private use), Cs (surrogates: bytes that were not UTF-8), Zl and Zp (line and
  paragraph separators);
- variation selectors (U+FE00–FE0F, U+E0100–E01EF, Mongolian U+180B–180D and U+180F: category Mn,
  they change how the character before them looks, never what it is);
- ``: * ? " < > |`` (Windows refuses them in file names; ``C:`` as a patient would be a drive);
- look-alike blanks: every space separator (Zs) but U+0020 (no-break, ideographic, en/em and
  thin spaces, …) and the letters and symbols that render as nothing (Hangul fillers U+115F,
  U+1160, U+3164, U+FFA0; braille blank U+2800), and a leading space. "Maria Lopez" typed with a
  no-break space, or "Maria" after a Hangul filler, would look like one patient and be two.

Numpy-free and light: the Lambdas import it through :mod:`voice.layout`.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from voice.errors import InvalidNameError

__all__ = [
    "BLANK_LOOKALIKES",
    "REFUSED_CATEGORIES",
    "WINDOWS_CHARS",
    "normalize_name",
    "path_segment",
    "refused_characters",
    "slug",
    "warn_if_refused",
]

log = logging.getLogger("voice")

#: Unicode general categories no new name may hold, with how a message names them.
REFUSED_CATEGORIES: dict[str, str] = {
    "Cf": "invisible format characters",
    "Cc": "control characters",
    "Co": "private-use characters",
    "Cs": "bytes that are not UTF-8",
    "Zl": "line separators",
    "Zp": "paragraph separators",
}
#: Characters Windows refuses in a file name (``/`` and ``\\`` are refused as separators already).
WINDOWS_CHARS = frozenset(':*?"<>|')
#: Letters and symbols that render as a blank (the space separators are refused by category).
BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180D or cp == 0x180F


def _why(ch: str) -> str | None:
    """Why ``ch`` may not be in a new name (None: it may)."""
    category = unicodedata.category(ch)
    if category in REFUSED_CATEGORIES:
        return REFUSED_CATEGORIES[category]
    if ch in WINDOWS_CHARS:
        return 'characters Windows refuses in file names (: * ? " < > |)'
    if _variation_selector(ch):
        return "variation selectors"
    if (category == "Zs" and ch != " ") or ch in BLANK_LOOKALIKES:
        return "blanks that are not a plain space (use U+0020)"
    return None


def refused_characters(name: str) -> str:
    """What in ``name`` a new name may not hold, in words with code points (``""``: nothing)."""
    found: dict[str, list[str]] = {}
    for ch in dict.fromkeys(name):
        why = _why(ch)
        if why is not None:
            found.setdefault(why, []).append(f"U+{ord(ch):04X}")
    parts = [f"{why} ({', '.join(points)})" for why, points in found.items()]
    if name[:1] == " ":
        parts.append("a leading space")
    return "; ".join(parts)


def warn_if_refused(name: str, *, what: str) -> None:
    """Warn (without the name: logs hold none) that a stored name holds what new names may not."""
    refused = refused_characters(name)
    if refused:
        log.warning(
            "a stored %s contains %s, which new uploads may not use: its data stays readable under "
            "its keys; upload new videos under a name without them (docs/bad-input.md)",
            what,
            refused,
        )


#: C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates and
#: marks, zero-width characters and the BOM: invisible or reordering characters have no place in a key.
#: (Refused since names were first checked: no stored name holds one.)
_UNSAFE_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f"
    "\u200b-\u200d\u2060\ufeff\ud800-\udfff]"
)
#: Names Windows reserves (with or without an extension): a local data folder must be portable.
_WINDOWS_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")
_SLUG = re.compile(r"[^a-z0-9]+")


def normalize_name(name: str) -> str:
    """Names are compared and stored in Unicode NFC: "José" typed two ways is one patient."""
    return unicodedata.normalize("NFC", name)


def path_segment(name: str, *, what: str, reserved: frozenset[str]) -> str:
    """``name`` (NFC) if it is one safe path segment on every system (not empty, no control,
    invisible or reordering character, no separator, not ``.``/``..``, no trailing dot or space,
    no Windows device name, none of ``reserved``, at most 200 bytes), else :class:`InvalidNameError`."""
    if not name or not name.strip():
        raise InvalidNameError(f"{what} is empty; give a non-empty {what}.")
    if _UNSAFE_CHARS.search(name):
        raise InvalidNameError(
            f"{what} contains control, invisible or text-direction characters (or bytes that are not "
            "UTF-8); remove them."
        )
    name = normalize_name(name)
    if "/" in name or "\\" in name:
        raise InvalidNameError(f"{what} must be a single path segment (no '/' or '\\').")
    if name in {".", ".."}:
        raise InvalidNameError(f"{what} must not be '.' or '..'.")
    if name != name.rstrip(". "):
        raise InvalidNameError(f"{what} must not end with a dot or a space.")
    if _WINDOWS_RESERVED.match(name):
        raise InvalidNameError(f"{what} {name!r} is a reserved device name on Windows; choose another.")
    if name.lower() in reserved:
        raise InvalidNameError(f"{what} {name!r} is reserved by the storage layout; choose another.")
    if len(name.encode()) > 200:
        raise InvalidNameError(f"{what} is longer than 200 bytes; shorten it.")
    return name


def slug(text: str, *, max_len: int = 40) -> str:
    """ASCII, lower-case, dash-separated; never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = _SLUG.sub("-", ascii_text.lower()).strip("-")[:max_len].strip("-")
    return s or "video"
