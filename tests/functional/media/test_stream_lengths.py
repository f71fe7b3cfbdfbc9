"""Every stream's length counts (issue 25 §1): the container's, the video's and the audio's stated
durations are each checked, a file that states none is measured, and decoding stops a little past
the stated end whatever the packets say (media made at test time by tests/support/hostile.py)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

from tests.support import hostile
from tests.support.media import ffmpeg
from voice.config import Settings
from voice.errors import CorruptMediaError, MediaLimitError
from voice.media.audio import WHISPER_RATE, iter_audio_chunks
from voice.media.frames import frame_plans, iter_frames
from voice.media.h264 import H264Writer
from voice.media.limits import MediaLimits
from voice.media.probe import probe

T = TypeVar("T")


def _drain(items: Iterable[T], into: list[T]) -> None:
    """Keep what an iterator gave before it raised."""
    into.extend(items)


def test_hours_of_audio_under_a_two_second_video_are_refused_at_the_probe(tmp_path: Path) -> None:
    path = hostile.hours_of_audio(tmp_path)
    assert Settings().max_duration_s > hostile.HOURS_OF_AUDIO_S, "under the limit: the mismatch refuses it"
    with pytest.raises(MediaLimitError, match=r"audio track lasts 120 minutes but the video only 2\.0 s"):
        probe(path)


def test_a_longer_stream_than_the_limit_is_refused_as_the_limit(tmp_path: Path) -> None:
    path = hostile.hours_of_audio(tmp_path)
    limits = MediaLimits(2**31, 4096 * 2304, 3600.0, 120.0)
    with pytest.raises(MediaLimitError, match="audio track claims 120 minutes; the limit is 60 minutes"):
        probe(path, limits)


def test_audio_a_little_longer_than_the_video_passes_and_counts(tmp_path: Path) -> None:
    within = probe(hostile.audio_longer_than_video(tmp_path, 2.0, 3.5))
    assert within.duration_s == pytest.approx(2.0, abs=0.05)
    assert within.claimed_s == pytest.approx(3.5, abs=0.1), "the longest stated duration is the claim"
    assert within.decode_until_s == pytest.approx(within.claimed_s + 2.0)
    with pytest.raises(MediaLimitError, match=r"lasts 5\.\d s but the video only 2\.0 s"):
        probe(hostile.audio_longer_than_video(tmp_path, 2.0, 5.0))


def test_frames_past_the_stated_end_stop_decoding(tmp_path: Path) -> None:
    path = hostile.frames_past_their_header(tmp_path)  # ten minutes of frames, a header of 2 s
    info = probe(path)
    assert info.claimed_s == pytest.approx(2.0)
    seen: list[float] = []
    with pytest.raises(CorruptMediaError, match=r"video runs on past 4\.0 s") as caught:
        _drain((f.time_s for f in iter_frames(path, frame_plans(info, Settings())[1])), seen)
    assert caught.value.stage == "annotate"
    assert seen
    assert max(seen) <= info.decode_until_s, "no frame past the claim and its slack"
    assert len(seen) <= info.decode_until_s * info.fps + 1


def test_audio_past_the_stated_end_stops_decoding(tmp_path: Path) -> None:
    path = hostile.audio_past_its_header(tmp_path)  # two hours of audio, a header of 2 s
    info = probe(path)
    assert info.claimed_s == pytest.approx(2.0)
    sizes: list[int] = []
    chunks = iter_audio_chunks(path, chunk_s=20.0, until_s=info.decode_until_s)
    with pytest.raises(CorruptMediaError, match=r"audio runs on past 4\.0 s") as caught:
        _drain((pcm.size for _, pcm in chunks), sizes)
    assert caught.value.stage == "transcribe"
    assert sum(sizes) <= info.decode_until_s * WHISPER_RATE


def test_a_file_that_states_no_duration_is_measured(tmp_path: Path) -> None:
    path = tmp_path / "unstated.mkv"
    ffmpeg("-f", "lavfi", "-i", "color=gray:s=160x120:r=5", "-t", "3", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)  # fmt: skip
    hostile.restate_mkv_duration(path, None)
    info = probe(path)
    assert info.duration_s == pytest.approx(3.0, abs=0.25)
    assert sum(1 for _ in iter_frames(path, frame_plans(info, Settings())[1])) == 15


def test_a_file_that_states_no_duration_and_runs_ten_hours_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaLimitError, match="states no duration and runs 600 minutes or more"):
        probe(hostile.no_stated_duration(tmp_path))


def test_the_encoder_ends_at_the_stated_duration_and_drops_later_frames(tmp_path: Path) -> None:
    """Frames within the slack but past the video's duration end the review copy, not the run."""
    out = tmp_path / "out.mp4"
    with H264Writer(out, size=(64, 48), fps=10.0, audio_source=None, duration_s=1.0) as writer:
        for _ in range(40):  # 4 s of frames for a 1-s video
            writer.write(np.zeros((48, 64, 3), dtype=np.uint8))
    assert probe(out).duration_s == pytest.approx(1.0, abs=0.15)
