"""Bad input in a batch: a typed error and a failure record, or status ok with zero events and the
reason; the upload is never modified and the rest of the batch still runs."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support import media
from voice.cli import main
from voice.run.pipeline import process_video
from voice.storage import LocalStore

pytestmark = pytest.mark.slow

PATIENT = "maria"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bad_files(directory: Path) -> dict[str, Path]:
    control = directory / "bad\x07name.mp4"  # a control character in the file name
    shutil.copyfile(media.sample("rain.mp4"), control)
    return {
        "zero_byte": media.zero_byte(directory),
        "truncated": media.truncated(directory),
        "truncated_indexed": media.truncated(directory, index_first=True),
        "not_a_video": media.not_a_video(directory),
        "not_a_video_png": media.not_a_video(directory, kind="png"),
        "audio_only": media.audio_only(directory),
        "video_no_audio": media.video_no_audio(directory),
        "no_person": media.no_person(directory),
        "silence": media.silence(directory),
        "music_only": media.music_only(directory),
        "unsupported_extension": media.unsupported_extension(directory),
        "control_character": control,
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``voice process`` batch: two good samples around every bad file."""
    src = tmp_path_factory.mktemp("inputs")
    bad = _bad_files(src)
    good = [media.sample("bath.mp4"), media.sample("story.mp4")]
    hashes = {p: _sha(p) for p in [*good, *bad.values()]}
    data = tmp_path_factory.mktemp("data")
    out = io.StringIO()
    files = [str(good[0]), *map(str, bad.values()), str(good[1])]
    with contextlib.redirect_stdout(out):
        code = main(["process", *files, "--patient", PATIENT, "--data-dir", str(data), "--json"])
    results = {Path(r["video"]).name: r for r in json.loads(out.getvalue())}
    return {"code": code, "data": data, "results": results, "bad": bad, "good": good, "hashes": hashes}


def _result(batch: dict[str, Any], case: str) -> dict[str, Any]:
    return dict(batch["results"][batch["bad"][case].name])


def _failure_record(batch: dict[str, Any], case: str) -> dict[str, Any]:
    name = batch["bad"][case].name
    path = batch["data"] / "videos" / "failed" / PATIENT / f"{name}.json"
    assert path.is_file(), f"no failure record for {case}"
    return dict(json.loads(path.read_text()))


def test_the_batch_reports_failures_and_processes_the_good_videos(batch: dict[str, Any]) -> None:
    assert batch["code"] == 1, "exit 1: some inputs failed, the others were done"
    for good in batch["good"]:
        r = batch["results"][good.name]
        assert r["status"] == "ok", r
        assert r["events"] == 1, r
        assert r["samples"] == 1, r
        meta = batch["data"] / "videos" / "annotated" / PATIENT / f"{r['session']}_metadata.json"
        assert json.loads(meta.read_text())["status"] == "ok"


def test_uploads_are_never_modified(batch: dict[str, Any]) -> None:
    for path, digest in batch["hashes"].items():
        assert _sha(path) == digest, f"{path.name} changed"
        staged = batch["data"] / "videos" / PATIENT / path.name
        if staged.exists():
            assert _sha(staged) == digest, f"the stored upload of {path.name} changed"


@pytest.mark.parametrize(
    ("case", "error", "stage"),
    [
        ("zero_byte", "CorruptMediaError", "probe"),
        ("truncated", "CorruptMediaError", "probe"),
        ("truncated_indexed", "CorruptMediaError", "probe"),
        ("not_a_video", "CorruptMediaError", "probe"),
        ("not_a_video_png", "CorruptMediaError", "probe"),
        ("audio_only", "NoVideoStreamError", "probe"),
        ("unsupported_extension", "UnsupportedFormatError", "validate"),
    ],
)
def test_broken_files_get_a_typed_error_and_a_failure_record(
    batch: dict[str, Any], case: str, error: str, stage: str
) -> None:
    result = _result(batch, case)
    assert result["status"] == "failed"
    assert result["error_type"] == error, result
    record = _failure_record(batch, case)
    assert record["error_type"] == error, record
    assert record["stage"] == stage, record
    assert record["source"] == {"bucket": "videos", "key": result["key"]}
    assert record["message"] == result["message"]
    assert len(record["message"]) > 20
    annotated = batch["data"] / "videos" / "annotated" / PATIENT
    stem = batch["bad"][case].stem.replace("_", "-")
    assert not any(p.name.startswith(stem) for p in annotated.glob("*_metadata.json")), "no partial outputs"


def test_unsupported_extension_is_not_stored_as_an_upload(batch: dict[str, Any]) -> None:
    assert not (batch["data"] / "videos" / PATIENT / batch["bad"]["unsupported_extension"].name).exists()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("video_no_audio", "no audio track"),
        ("silence", "no speech"),
        ("music_only", "no speech"),
    ],
)
def test_valid_videos_with_nothing_to_find_are_ok_with_zero_events(
    batch: dict[str, Any], case: str, reason: str
) -> None:
    result = _result(batch, case)
    assert result["status"] == "ok", result
    assert result["events"] == 0
    assert result["samples"] == 0
    assert any(reason in r for r in result["reasons"]), result["reasons"]
    assert not (batch["data"] / "videos" / "failed" / PATIENT / f"{batch['bad'][case].name}.json").exists()


def test_no_person_is_ok_with_no_samples_and_the_reason(batch: dict[str, Any]) -> None:
    # The narration still names the emotion (an event is a narration fact), but with nobody in
    # frame there is no pose and so no training sample.
    result = _result(batch, "no_person")
    assert result["status"] == "ok", result
    assert result["samples"] == 0
    assert any("no person detected" in r for r in result["reasons"]), result["reasons"]
    assert not (batch["data"] / "patients" / PATIENT / "happiness").exists() or not any(
        p.name.startswith("no-person") for p in (batch["data"] / "patients" / PATIENT / "happiness").iterdir()
    )


def test_control_characters_in_a_file_name_are_refused(batch: dict[str, Any]) -> None:
    result = _result(batch, "control_character")
    assert result["status"] == "failed"
    assert result["error_type"] == "InvalidNameError"
    records = list((batch["data"] / "videos" / "failed" / "_invalid").glob("*.json"))
    assert any(json.loads(p.read_text())["error_type"] == "InvalidNameError" for p in records)
    assert not any("\x07" in p.name for p in (batch["data"] / "videos").rglob("*"))


@pytest.mark.parametrize("patient", ["..", "a/b", "/abs", "ma\x01ria", "annotated", ""])
def test_unsafe_patient_names_fail_every_video_cleanly(tmp_path: Path, patient: str) -> None:
    data = tmp_path / "data"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "process",
                str(media.sample("rain.mp4")),
                "--patient",
                patient,
                "--data-dir",
                str(data),
                "--json",
            ]
        )
    (result,) = json.loads(out.getvalue())
    assert code == 1, result
    assert result["error_type"] == "InvalidNameError", result
    written = [p for p in data.rglob("*") if p.is_file()]
    assert written, written
    assert all(p.parent == data / "videos" / "failed" / "_invalid" for p in written), written


@pytest.mark.parametrize("key", ["../maria/clip.mp4", "/maria/clip.mp4", "maria/../../clip.mp4"])
def test_unsafe_keys_from_s3_events_are_refused_before_any_read(tmp_path: Path, key: str) -> None:
    from voice.errors import InvalidNameError

    store = LocalStore(tmp_path / "data")
    with pytest.raises(InvalidNameError):
        process_video(store, key)
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].parent.name == "_invalid"
    assert json.loads(files[0].read_text())["error_type"] == "InvalidNameError"
