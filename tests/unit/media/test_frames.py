"""Decoding stops past the stated end whatever the packets say: by a frame's time, and by its count
when timestamps stand still (a fake container: no media needed); 4:2:0 planes turned upright
plane by plane, and a frame's BGR made from its planes only when asked for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np
import pytest

from voice.errors import CorruptMediaError
from voice.media.frames import Frame, FramePlan, iter_decoded


@dataclass
class _Frame:
    pts: int | None


@dataclass
class _Stream:
    time_base: Fraction = Fraction(1, 1000)
    start_time: int = 0
    average_rate: Fraction = Fraction(10)
    guessed_rate: Fraction | None = None


class _Container:
    """Decodes ``count`` frames whose timestamps are ``pts(i)``."""

    def __init__(self, count: int, pts: int | None) -> None:
        self.count, self.pts = count, pts

    def decode(self, stream: _Stream) -> Iterator[_Frame]:
        for i in range(self.count):
            yield _Frame(i * 100 if self.pts is None else self.pts)


@pytest.mark.parametrize("stuck", [False, True], ids=["timestamps", "timestamps-standing-still"])
def test_decoding_stops_past_until(stuck: bool) -> None:
    container = _Container(10_000, 0 if stuck else None)  # 1000 s of frames at 10 fps
    yielded: list[int] = []
    with pytest.raises(CorruptMediaError, match=r"runs on past 4\.0 s"):
        yielded.extend(index for index, _, _ in iter_decoded(container, _Stream(), FramePlan(until_s=4.0)))
    assert yielded == list(range(41)), "frames up to 4.0 s (index 40), none after"


def test_without_until_every_frame_is_decoded() -> None:
    decoded = list(iter_decoded(_Container(100, None), _Stream(), FramePlan()))
    assert len(decoded) == 100


def test_a_frame_without_bgr_converts_its_planes_once_when_asked() -> None:
    bgr = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
    frame = Frame(3, 0.1, None, i420=i420)
    assert frame.source_size == (6, 4)
    assert frame.bgr is frame.bgr
    np.testing.assert_array_equal(frame.bgr, cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))
    with pytest.raises(ValueError, match="needs a picture"):
        Frame(0, 0.0, None)
