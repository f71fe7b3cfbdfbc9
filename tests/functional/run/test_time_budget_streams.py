"""The time budget counts every stream: an audio track longer than the video (within the slack the
probe allows) makes a run that would fit by the video's length alone fail before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import hostile
from voice.config import Settings
from voice.errors import VideoTooLongError
from voice.run.pipeline import Hooks, process_video
from voice.session.time_budget import budget_rtf
from voice.storage import LocalStore


def test_the_longest_stream_counts_against_the_time_left(tmp_path: Path) -> None:
    video = hostile.audio_longer_than_video(tmp_path, 2.0, 3.9)
    store = LocalStore(tmp_path / "data")
    store.upload("videos", "maria/clip.mp4", video)
    settings = Settings(data_dir=tmp_path / "data")
    # Time for 3 s of this video: the 2-s video fits, its 3.9-s audio track does not.
    rtf = budget_rtf(settings, 160 * 120 * 5 / 1e6)
    hooks = Hooks(time_left=lambda: settings.budget_fixed_s + 3.0 * rtf)
    with pytest.raises(VideoTooLongError):
        process_video(store, "maria/clip.mp4", settings=settings, hooks=hooks)
    record = json.loads((tmp_path / "data" / "videos" / "failed" / "maria" / "clip.mp4.json").read_text())
    assert record["error_type"] == "VideoTooLongError"
    assert not (tmp_path / "data" / "videos" / "annotated").exists(), "no work was started"
