"""libav's decoding threads: three a core for high-frame-rate sources, libav's own choice for the others,
what the settings say otherwise, and the same frames whatever their number (an iPhone's HEVC and
the bundled H.264 samples)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from voice.config import Settings
from voice.media import decoding
from voice.media.decoding import decoder_threads, threaded_decoding
from voice.media.frames import frame_plans, iter_frames
from voice.media.probe import VideoInfo, open_container, probe


def _info(width: int, height: int, fps: float) -> VideoInfo:
    return VideoInfo(10.0, fps, width, height, frame_count=round(10 * fps), has_audio=True, codec="hevc")


@pytest.mark.parametrize(("cores", "threads"), [(1, 3), (2, 6), (4, 12), (6, 16), (64, 16)])
def test_high_frame_rate_sources_get_three_threads_a_core_at_most_sixteen(
    monkeypatch: pytest.MonkeyPatch, cores: int, threads: int
) -> None:
    monkeypatch.setattr(decoding, "cores", lambda: cores)
    assert decoder_threads(_info(1080, 1920, 60.0)) == threads  # an iPhone's portrait 1080p60
    assert decoder_threads(_info(1920, 1080, 59.94)) == threads
    assert decoder_threads(_info(3840, 2160, 50.0)) == threads


@pytest.mark.parametrize(
    "size", [(640, 480, 25.0), (1920, 1080, 30.0), (1280, 720, 60.0), (3840, 2160, 30.0)]
)
def test_lighter_sources_leave_the_choice_to_libav(size: tuple[int, int, float]) -> None:
    assert decoder_threads(_info(*size)) == 0


def test_the_settings_reach_the_plans(samples_dir: Path) -> None:
    light = probe(samples_dir / "park.mp4")
    assert all(p.threads == 0 for p in frame_plans(light, Settings()))
    assert all(p.threads == 2 for p in frame_plans(light, Settings(decode_threads=2)))
    heavy = _info(1080, 1920, 60.0)
    assert all(p.threads == decoder_threads(heavy) > 0 for p in frame_plans(heavy, Settings()))
    assert all(p.threads == 2 for p in frame_plans(heavy, Settings(decode_threads=2)))


@pytest.mark.parametrize("planned", [1, 5])
def test_the_decoder_runs_the_threads_planned(samples_dir: Path, planned: int) -> None:
    container = open_container(samples_dir / "park.mp4")
    try:
        stream = container.streams.video[0]
        threaded_decoding(stream, planned)
        next(container.decode(stream))
        assert stream.codec_context.thread_count == planned
    finally:
        container.close()


@pytest.mark.parametrize("name", ["iphone", "park.mp4"])
def test_the_same_frames_whatever_the_threads(samples_dir: Path, iphone_clip: Path, name: str) -> None:
    video = iphone_clip if name == "iphone" else samples_dir / name
    _, plan = frame_plans(probe(video), Settings())
    one, many = (list(iter_frames(video, replace(plan, threads=n))) for n in (1, 8))
    assert len(one) == len(many) > 10
    for a, b in zip(one, many, strict=True):
        assert (a.index, a.time_s, a.shown) == (b.index, b.time_s, b.shown)
        np.testing.assert_array_equal(a.bgr, b.bgr)
