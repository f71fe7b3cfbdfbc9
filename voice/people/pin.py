"""A point on the patient: ``voice process --person x,y[@t]`` and the ``.person.json`` sidecar.

Light on purpose (no numpy): the CLI and ``voice.cloud`` (which the Lambdas import) read pins
without loading the pose stack. What a pin does is in :mod:`voice.people.patient`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voice.errors import VoiceError
from voice.records.session import PinRecord

__all__ = ["PersonPin", "PersonPinError"]

_PIN = re.compile(r"^\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*(?:@\s*([\d.]+)\s*s?)?\s*$")


class PersonPinError(VoiceError):
    """A ``--person`` value or ``.person.json`` sidecar that cannot be read."""

    stage = "validate"


@dataclass(frozen=True)
class PersonPin:
    """A point on the patient: ``x, y`` in pixels of the upright frame, at ``t`` seconds."""

    x: float
    y: float
    t: float = 0.0

    @classmethod
    def parse(cls, text: str) -> PersonPin:
        """``"x,y"`` or ``"x,y@t"`` (``t`` in seconds, an ``s`` suffix allowed)."""
        m = _PIN.match(text)
        if m is None:
            raise PersonPinError(f"--person {text!r}: write x,y or x,y@t (pixels, seconds), e.g. 320,180@2.5")
        x, y, t = float(m.group(1)), float(m.group(2)), float(m.group(3) or 0.0)
        return cls.from_dict({"x": x, "y": y, "t": t})

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PersonPin:
        try:
            x, y, t = float(doc["x"]), float(doc["y"]), float(doc.get("t", 0.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise PersonPinError('a person pin needs numbers "x", "y" and optionally "t"') from exc
        if min(x, y, t) < 0 or not all(math.isfinite(v) for v in (x, y, t)):
            raise PersonPinError("a person pin's x, y and t must be finite and not negative")
        return cls(x, y, t)

    def to_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "t": self.t}

    def record(self) -> PinRecord:
        return PinRecord(x=self.x, y=self.y, t=self.t)
