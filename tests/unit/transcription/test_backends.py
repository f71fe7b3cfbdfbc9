"""The backend chooser: Whisper's threads are every core, less the one the pass's head start
keeps busy beside it."""

from __future__ import annotations

import pytest

from voice.config import Settings
from voice.transcription import backends
from voice.transcription.backends import FasterWhisperTranscriber, make_transcriber, whisper_threads


@pytest.mark.parametrize(
    ("cores", "beside_pose", "threads"),
    [(2, True, 1), (2, False, 2), (6, True, 5), (6, False, 6), (1, True, 1), (1, False, 1)],
)
def test_every_core_less_the_head_starts_one(
    monkeypatch: pytest.MonkeyPatch, cores: int, beside_pose: bool, threads: int
) -> None:
    monkeypatch.setattr(backends, "cores", lambda: cores)
    assert whisper_threads(Settings(), beside_pose=beside_pose) == threads


def test_a_set_number_of_threads_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "cores", lambda: 8)
    assert whisper_threads(Settings(whisper_threads=3), beside_pose=True) == 3
    assert whisper_threads(Settings(whisper_threads=3), beside_pose=False) == 3


def test_the_transcriber_follows_the_head_start_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "cores", lambda: 4)

    def threads(settings: Settings, beside_pose: bool | None = None) -> int:
        transcriber = make_transcriber(settings, beside_pose=beside_pose)
        assert isinstance(transcriber, FasterWhisperTranscriber)
        return transcriber.threads

    assert threads(Settings()) == 3  # the head start is on by default
    assert threads(Settings(pose_head_start=False)) == 4
    assert threads(Settings(), beside_pose=False) == 4
    assert threads(Settings(pose_head_start=False), beside_pose=True) == 3


def test_the_cores_are_those_this_process_may_use() -> None:
    import os

    from voice.priority import cores

    assert cores() == len(os.sched_getaffinity(0))
