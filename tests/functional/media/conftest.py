"""Phone video the media tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import PHONE_FORMATS, phone_video


@pytest.fixture(scope="module")
def iphone_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 1920×1080 60 fps HEVC, display rotation −90 (an iPhone's portrait video)."""
    fmt = PHONE_FORMATS["iphone-1080p60-hevc-portrait"]
    return phone_video(tmp_path_factory.mktemp("iphone") / "IMG_0001.MOV", fmt, 2.0)
