"""Hostile uploads: each gets its typed error and failure record at once, reads no other file,
and the rest of the batch is processed (media made at test time by tests/support/hostile.py)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import hostile
from tests.support.media import sample
from voice.cli import main
from voice.errors import CorruptMediaError, VoiceError
from voice.media.h264 import H264Writer
from voice.media.probe import probe

PATIENT = "maria"
MANIFESTS: dict[str, Callable[[Path, Path], Path]] = {
    "dash": hostile.dash_manifest,
    "hls": hostile.hls_playlist,
    "ffconcat": hostile.ffconcat_list,
}


def _encode_with_audio_from(audio: Path, out: Path) -> None:
    with H264Writer(out, size=(64, 48), fps=5.0, audio_source=audio, duration_s=1.0) as writer:
        for _ in range(5):
            writer.write(np.zeros((48, 64, 3), dtype=np.uint8))


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
@pytest.mark.parametrize("target", ["relative", "absolute"])
def test_a_manifest_named_like_a_video_never_opens_the_file_it_names(
    tmp_path: Path, kind: str, target: str
) -> None:
    """Neither PyAV (probe) nor the ffmpeg encoder (the audio input) follows a manifest."""
    secret = tmp_path / "another-patients-video.mp4"
    with hostile.OpenWatch(secret) as watch:
        manifest = MANIFESTS[kind](tmp_path, secret if target == "absolute" else Path(secret.name))
        with pytest.raises(CorruptMediaError):
            probe(manifest)
        with pytest.raises(VoiceError):
            _encode_with_audio_from(manifest, tmp_path / "out.mp4")
    assert not watch.opened, f"the {kind} manifest made libav open the file it names"


@pytest.mark.slow
@pytest.mark.timeout(600)  # a hang guard (ten hours of encoding would never end), not a speed target
def test_hostile_uploads_get_typed_errors_and_records_and_the_batch_goes_on(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    secret = tmp_path / "another-patients-video.mp4"
    expected: dict[str, str] = {}
    with hostile.OpenWatch(secret) as watch:
        for maker in MANIFESTS.values():
            expected[maker(inputs, secret).name] = "CorruptMediaError"
        for make, error in hostile.HOSTILE.items():
            expected[make(inputs).name] = error
        good = sample("garden.mp4")
        files = [*(inputs / name for name in sorted(expected)), good]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(
                [
                    "process",
                    *map(str, files),
                    "--patient",
                    PATIENT,
                    "--data-dir",
                    str(tmp_path / "d"),
                    "--json",
                ]
            )
    assert not watch.opened, "a hostile upload made VOICE open another file"
    assert code == 1
    results: dict[str, dict[str, Any]] = {Path(r["video"]).name: r for r in json.loads(out.getvalue())}
    assert results[good.name]["status"] == "ok"
    assert results[good.name]["samples"] == 1
    for name, error in expected.items():
        result = results[name]
        assert result["status"] == "failed", result
        assert result["error_type"] == error, result
        record = json.loads((tmp_path / "d" / "videos" / "failed" / PATIENT / f"{name}.json").read_text())
        assert record["error_type"] == error, record
        assert record["message"] == result["message"]
    big = results["three-gigabytes.mp4"]
    assert "GiB" in big["message"]
    assert not (tmp_path / "d" / "videos" / PATIENT / "three-gigabytes.mp4").exists(), "never copied in"
    assert "frames per second" in results["slow-motion-240fps.mov"]["message"]
    assert "minutes" in results["ten-hours.mp4"]["message"]
    assert "16000×16000" in results["huge-frame.mov"]["message"]
    assert "7680×4320" in results["clip-8k.mp4"]["message"]
    # Every stream's length counts, and decoding stops where the file says it ends (+ the slack):
    # hours of audio are refused at the probe or a few seconds into the audio, never transcribed.
    assert (
        "audio track lasts 120 minutes but the video only 2.0 s"
        in results["two-seconds-two-hours-of-audio.mp4"]["message"]
    )
    assert results["two-seconds-two-hours-of-audio.mp4"]["stage"] == "probe"
    past_audio = results["audio-past-its-header.mkv"]
    assert "audio runs on past 4.0 s" in past_audio["message"], past_audio
    assert past_audio["stage"] == "transcribe"
    past_frames = results["frames-past-their-header.mkv"]
    assert "video runs on past 4.0 s" in past_frames["message"], past_frames
    assert past_frames["stage"] == "annotate"
    assert "states no duration" in results["no-stated-duration.mkv"]["message"]


@pytest.mark.timeout(120)  # a hang guard: hours of generated silence would take long
def test_generated_silence_stops_with_the_frames_whatever_duration_is_claimed(tmp_path: Path) -> None:
    """A video without audio gets a silent track; a container that claims ten hours must not make
    the encoder generate ten hours of it for two seconds of frames."""
    out = tmp_path / "out.mp4"
    with H264Writer(out, size=(64, 48), fps=5.0, audio_source=None, duration_s=36_000.0) as writer:
        for _ in range(10):
            writer.write(np.zeros((48, 64, 3), dtype=np.uint8))
    info = probe(out)
    assert info.has_audio
    assert info.duration_s < 5.0, info
    assert out.stat().st_size < 100_000


@pytest.mark.timeout(60)  # a hang guard: a full stderr pipe used to block the encoder and us
def test_an_encoder_that_writes_pages_of_errors_does_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chatty = tmp_path / "ffmpeg"
    chatty.write_text(
        "#!/usr/bin/env python3\nimport sys\n"
        "for i in range(4000):\n    sys.stderr.write(f'error {i}: ' + 'x' * 60 + '\\n')\n"
        "sys.stderr.flush()\nsys.stdin.buffer.read()\nsys.stderr.write('the last word\\n')\nsys.exit(1)\n"
    )
    chatty.chmod(0o755)
    monkeypatch.setattr("voice.media.h264.ffmpeg_exe", lambda: str(chatty))
    with pytest.raises(VoiceError, match="the last word"):
        _encode_with_audio_from(sample("garden.mp4"), tmp_path / "out.mp4")
