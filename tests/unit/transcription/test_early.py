"""The Whisper model begun at a command's first moment: taken by the transcriber that asks for the
same one, given up otherwise, and never waited for by a run that does not transcribe."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from voice.transcription import early


@pytest.fixture(autouse=True)
def _nothing_pending() -> Iterator[None]:
    early.drop()
    yield
    early.drop()


def test_the_model_is_made_in_a_thread_of_its_own_and_taken_once() -> None:
    made_in: list[str] = []
    model = object()

    def make() -> tuple[str, object]:
        made_in.append(threading.current_thread().name)
        return "tiny", model

    early.begin(make)
    assert early.take("tiny") is model
    assert made_in == ["voice-whisper-early"]
    assert early.take("tiny") is None, "a model serves one transcriber"


def test_a_transcriber_that_asks_for_another_model_gets_none_and_the_early_one_is_given_up() -> None:
    early.begin(lambda: ("tiny", object()))
    assert early.take("base") is None
    early.begin(lambda: ("base", "second"))
    assert early.take("base") == "second", "given up: a new load may begin"


def test_take_waits_for_the_load_it_finds() -> None:
    release = threading.Event()

    def make() -> tuple[str, str]:
        release.wait(10)
        return "tiny", "loaded"

    early.begin(make)
    threading.Timer(0.2, release.set).start()
    assert early.take("tiny") == "loaded"


def test_one_load_at_a_time() -> None:
    calls: list[str] = []

    def make(name: str) -> tuple[str, str]:
        calls.append(name)
        return "tiny", name

    early.begin(lambda: make("first"))
    early.begin(lambda: make("second"))
    assert early.take("tiny") == "first"
    assert calls == ["first"]


def test_a_failed_load_leaves_the_run_to_load_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    unhandled: list[object] = []
    monkeypatch.setattr(threading, "excepthook", unhandled.append)

    def make() -> tuple[str, str]:
        raise OSError("no weights")

    early.begin(make)
    assert early.take("tiny") is None
    assert unhandled == []


def test_drop_does_not_wait_for_the_load() -> None:
    release = threading.Event()
    early.begin(lambda: (release.wait(10), ("tiny", "late"))[1])
    early.drop()  # returns at once: the load still runs
    assert early.take("tiny") is None
    release.set()


def test_nothing_begun_is_nothing_taken() -> None:
    assert early.take("tiny") is None
