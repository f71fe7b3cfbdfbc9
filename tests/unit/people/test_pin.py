"""A point on the patient: ``--person x,y[@t]`` parsed, round-tripped through the sidecar's dict,
refused with how to write one."""

from __future__ import annotations

import pytest

from voice.people.pin import PersonPin, PersonPinError


@pytest.mark.parametrize(
    ("text", "pin"),
    [
        ("320,180", PersonPin(320, 180, 0)),
        ("12.5, 40@3", PersonPin(12.5, 40, 3)),
        ("1,2 @ 0.5s", PersonPin(1, 2, 0.5)),
    ],
)
def test_pins_parse(text: str, pin: PersonPin) -> None:
    assert PersonPin.parse(text) == pin
    assert PersonPin.from_dict(pin.to_dict()) == pin


@pytest.mark.parametrize("text", ["", "320", "a,b", "1,2@", "-5,3", "1,2,3"])
def test_bad_pins_say_how_to_write_one(text: str) -> None:
    with pytest.raises(PersonPinError):
        PersonPin.parse(text)
