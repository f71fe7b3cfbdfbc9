"""The opening every run shares and the stage before the video pass, on a bundled sample with the
real Whisper model: the upload checked, downloaded, identified and probed; the narration
transcribed, its events and windows found; the pin, the profile and the patient's model read."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from tests.support import media
from tests.support.records import session_metadata
from voice import layout
from voice.config import Settings
from voice.errors import MediaLimitError
from voice.people.estimator import MODEL_NAME
from voice.people.patient_store import write_pin
from voice.people.pin import PersonPin
from voice.pose.face_hands import face_hands_model_name
from voice.records.reviews import LabelSummary
from voice.records.session import SessionIndex
from voice.run.batch import stage_upload
from voice.session.outputs import write_session_index
from voice.session.prepare import Prepared, Run, open_upload, pin_of, prepare, render_plan, upload_run
from voice.storage import LocalStore
from voice.transcription.backends import make_transcriber
from voice.transcription.transcript import Transcriber, Transcript

SETTINGS = Settings()


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return make_transcriber(SETTINGS)


class NoSpeechExpected:
    """A transcriber for videos that must never reach it."""

    name = "none"

    def transcribe(self, audio: np.ndarray) -> Transcript:
        raise AssertionError("a video without sound was transcribed")


def _prepare(
    store: LocalStore, key: str, transcriber: Transcriber, *, force: bool = False
) -> tuple[Run, Prepared, list[str]]:
    stages: list[str] = []
    with upload_run(store, key, settings=SETTINGS, on_stage=stages.append) as run:
        opened = open_upload(run, force=force)
        assert opened.done is None
        assert opened.info is not None
        return run, prepare(run, opened.info, transcriber, opened.pin), stages


@pytest.mark.slow
def test_a_narrated_upload_is_identified_probed_transcribed_and_its_events_found(
    tmp_path: Path, transcriber: Transcriber
) -> None:
    store = LocalStore(tmp_path)
    source = media.sample("garden.mp4")
    key = stage_upload(store, source, "maria")
    run, found, stages = _prepare(store, key, transcriber)
    assert stages == ["probe", "transcribe"]
    assert run.sha256 == layout.sha256_file(str(source))
    assert run.session == layout.session_id("garden.mp4", run.sha256)
    assert (found.info.duration_s, found.info.has_audio) == (pytest.approx(7.0, abs=0.05), True)
    assert "Maria is happy" in " ".join(s.text for s in found.transcript.segments)
    (window,) = found.windows
    assert (window.event.emotion, window.event.who, window.event.counts) == ("happiness", "patient", True)
    assert window.event.time == pytest.approx(2.844, abs=0.3), "the manifest's time of the word"
    assert window.start < window.event.time < window.end
    assert found.models.json_doc() == {
        "whisper": transcriber.name,
        "pose": MODEL_NAME,
        "face_hands": face_hands_model_name(SETTINGS),
        "patient": None,
    }
    assert (found.pin, found.appearance, found.model) == (None, None, None)
    assert run.reasons == []
    assert run.timings["transcribe"] > 0
    plan = render_plan("maria", run.session, found)
    assert (plan.patient, plan.session, plan.windows) == ("maria", run.session, tuple(found.windows))


def test_a_video_without_sound_is_not_transcribed_and_says_so(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data")
    key = stage_upload(store, media.video_no_audio(tmp_path), "maria")
    run, found, _ = _prepare(store, key, NoSpeechExpected())
    assert found.transcript.segments == ()
    assert found.windows == []
    assert run.reasons == ["the video has no audio track: no narration to find"]


@pytest.mark.slow
def test_silence_is_no_speech(tmp_path: Path, transcriber: Transcriber) -> None:
    store = LocalStore(tmp_path / "data")
    run, found, _ = _prepare(store, stage_upload(store, media.silence(tmp_path), "maria"), transcriber)
    assert found.windows == []
    assert run.reasons == ["no speech detected (silence or music only)"]


def test_the_pin_next_to_the_upload_is_read(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data")
    key = stage_upload(store, media.video_no_audio(tmp_path), "maria")
    write_pin(store, layout.parse_upload_key(key), PersonPin(120, 80, 1.5))
    _, found, _ = _prepare(store, key, NoSpeechExpected())
    assert found.pin == PersonPin(120, 80, 1.5)


def test_a_finished_session_is_not_opened_again_unless_forced_or_pinned_anew(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data")
    key = stage_upload(store, media.video_no_audio(tmp_path), "maria")
    run, _, _ = _prepare(store, key, NoSpeechExpected())
    source = {"bucket": layout.VIDEOS, "key": key, "sha256": run.sha256}
    done = session_metadata(session=run.session, source=source)
    store.write(layout.VIDEOS, layout.metadata_key("maria", run.session), done.model_dump_json().encode())
    assert pin_of(done) is None
    with upload_run(store, key, settings=SETTINGS) as no_index:
        assert open_upload(no_index, force=False).done is None, "metadata without its index is not done"
    labelled = SessionIndex.of(done).model_copy(update={"labels": LabelSummary(narration=1), "track": "ab"})
    write_session_index(store, "maria", labelled)
    with upload_run(store, key, settings=SETTINGS) as again:
        opened = open_upload(again, force=False)
        assert (opened.done, opened.info) == (done, None)
        assert open_upload(again, force=True).info is not None
    write_pin(store, layout.parse_upload_key(key), PersonPin(1, 2, 0))
    with upload_run(store, key, settings=SETTINGS) as pinned:
        assert open_upload(pinned, force=False).done is None, "a new pin means processing it again"


def test_an_upload_over_the_size_limit_gets_a_failure_record_before_any_download(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = stage_upload(store, media.sample("garden.mp4"), "maria")
    small = Settings(max_upload_bytes=1000)
    with pytest.raises(MediaLimitError), upload_run(store, key, settings=small):
        pytest.fail("the upload was downloaded")
    record = json.loads(store.read(layout.VIDEOS, layout.failure_key("maria", "garden.mp4")))
    assert record["error_type"] == "MediaLimitError"
    assert "VOICE_MAX_UPLOAD_BYTES" in record["message"]


def test_an_unusable_patient_model_turns_predictions_off_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = LocalStore(tmp_path / "data")
    key = stage_upload(store, media.video_no_audio(tmp_path), "maria")
    store.write(layout.PATIENTS, layout.latest_model_key("maria"), b"not a model pointer")
    with caplog.at_level(logging.WARNING, logger="voice"):
        _, found, _ = _prepare(store, key, NoSpeechExpected())
    assert (found.model, found.models.patient) == (None, None)
    assert "patient model not usable (ModelError)" in caplog.text
