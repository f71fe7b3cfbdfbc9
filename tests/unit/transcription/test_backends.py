"""The backend chooser: Whisper's threads are every core, less the one the pass's head start
keeps busy beside it; the model loaded ahead, in a thread, once."""

from __future__ import annotations

import pytest

from voice.config import Settings
from voice.errors import ConfigError
from voice.transcription import backends
from voice.transcription.backends import (
    FasterWhisperTranscriber,
    load_in_background,
    make_transcriber,
    whisper_threads,
)


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


def test_the_model_loads_ahead_once_and_the_transcription_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background load builds the model once; the transcription after it builds no other."""
    import faster_whisper
    import numpy as np

    built: list[object] = []
    real = faster_whisper.WhisperModel

    def counted(*args: object, **kwargs: object) -> object:
        model = real(*args, **kwargs)
        built.append(model)
        return model

    monkeypatch.setattr(faster_whisper, "WhisperModel", counted)
    transcriber = FasterWhisperTranscriber("tiny.en", threads=1)
    thread = load_in_background(transcriber)
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert len(built) == 1
    transcriber.transcribe(np.zeros(16000, dtype=np.float32))
    assert len(built) == 1


class _Failing:
    name = "failing"

    def __init__(self) -> None:
        self.loads = 0

    def load(self) -> None:
        self.loads += 1
        raise ConfigError("no model here")

    def transcribe(self, audio: object) -> object:
        self.load()
        raise AssertionError("unreachable")


def test_a_load_that_fails_ahead_is_raised_by_the_transcription(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing escapes the loading thread (no unhandled-exception hook); the transcription's
    own load raises the typed error to the caller."""
    import threading

    unhandled: list[object] = []
    monkeypatch.setattr(threading, "excepthook", unhandled.append)
    transcriber = _Failing()
    thread = load_in_background(transcriber)
    assert thread is not None
    thread.join(timeout=10)
    assert transcriber.loads == 1
    assert unhandled == []
    with pytest.raises(ConfigError, match="no model here"):
        transcriber.transcribe(None)


def test_a_transcriber_with_nothing_to_load_gets_no_thread() -> None:
    class Plain:
        name = "plain"

        def transcribe(self, audio: object) -> object:
            return audio

    assert load_in_background(Plain()) is None  # type: ignore[arg-type]


def test_the_transcriber_takes_the_model_begun_early_when_it_is_the_same_one() -> None:
    """What ``voice process`` begins at its first moment (``voice.launch``) is the model the run's
    transcriber asks for, and it uses that one; a transcriber that asks for other threads loads
    its own, and the early one is given up."""
    from voice.transcription import early

    made: list[object] = []

    def make() -> tuple[tuple[str, str, int], object] | None:
        result = backends.early_model()
        assert result is not None
        made.append(result[1])
        return result

    early.begin(make)
    same = make_transcriber(Settings())
    assert isinstance(same, FasterWhisperTranscriber)
    same.load()
    assert len(made) == 1
    assert same._model is made[0]

    early.begin(make)
    other = make_transcriber(Settings(whisper_threads=same.threads + 1))
    assert isinstance(other, FasterWhisperTranscriber)
    other.load()
    assert len(made) == 2
    assert other._model is not None
    assert other._model is not made[1]
    assert early.take(same.key) is None, "given up when the other transcriber asked"
