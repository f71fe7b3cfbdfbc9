"""The research extra's libraries: a missing one is a configuration error saying how to install it."""

from __future__ import annotations

import pytest

from voice.errors import ConfigError
from voice.exchange.coding import research_module


def test_a_missing_library_says_how_to_install_it() -> None:
    assert research_module("defusedxml").__name__ == "defusedxml"
    with pytest.raises(ConfigError, match=r"voice\[research\]"):
        research_module("voice_no_such_library")
