"""A long video's annotated parts joined without re-encoding, the audio encoded once and muxed in
(or a silent track of the video's length): real parts from the annotated video's own encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.media import sample, stream_kinds
from voice.errors import VoiceError
from voice.media.concat import encode_audio, join_parts
from voice.media.h264 import Encoding, H264Writer
from voice.media.probe import probe

FPS = 25.0
SIZE = (160, 120)
#: Each part's colour (BGR): the joined video shows them in order.
COLOURS = ((40, 40, 200), (40, 200, 40), (200, 40, 40))


def _part(path: Path, colour: tuple[int, int, int], frames: int = 25) -> Path:
    """One segment's annotated part as segment_pass writes it: video only, one IDR frame first."""
    with H264Writer(
        path,
        size=SIZE,
        fps=FPS,
        audio_source=None,
        duration_s=None,
        encoding=Encoding("ultrafast"),
        video_only=True,
    ) as writer:
        for _ in range(frames):
            writer.write(np.full((SIZE[1], SIZE[0], 3), colour, np.uint8))
    return path


def _frames(path: Path) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("parts")
    return [_part(folder / f"part_{i:03d}.mp4", colour) for i, colour in enumerate(COLOURS)]


def test_the_audio_is_the_sources_first_track_as_aac(tmp_path: Path) -> None:
    source = sample()
    audio = tmp_path / "audio.m4a"
    encode_audio(source, audio)
    assert stream_kinds(audio) == ["audio"]
    import av

    with av.open(str(audio)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        assert float(stream.duration * stream.time_base) == pytest.approx(probe(source).duration_s, abs=0.1)


def test_the_parts_are_joined_in_order_with_the_audio(parts: list[Path], tmp_path: Path) -> None:
    audio = tmp_path / "audio.m4a"
    encode_audio(sample(), audio)
    out = tmp_path / "annotated.mp4"
    join_parts(parts, audio, out, duration_s=3.0)
    assert stream_kinds(out) == ["video", "audio"]
    info = probe(out)
    assert info.duration_s == pytest.approx(3.0, abs=0.05), "the audio is cut to the video"
    frames = _frames(out)
    assert len(frames) == 75
    for i, colour in enumerate(COLOURS):
        middle = frames[25 * i + 12]
        assert np.abs(middle.astype(int) - colour).max() < 12, f"part {i} in its place"
    assert not out.with_suffix(".txt").exists(), "the concat list is removed"


def test_without_audio_the_joined_video_gets_a_silent_track_of_its_length(
    parts: list[Path], tmp_path: Path
) -> None:
    import av

    out = tmp_path / "silent.mp4"
    join_parts(parts[:2], None, out, duration_s=2.0)
    assert stream_kinds(out) == ["video", "audio"]
    with av.open(str(out)) as container:
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert len(samples) / 44_100 == pytest.approx(2.0, abs=0.05)
    assert np.abs(samples).max() < 1e-4
    assert len(_frames(out)) == 50


def test_the_output_is_the_same_bytes_every_time(parts: list[Path], tmp_path: Path) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    join_parts(parts, None, a, duration_s=3.0)
    join_parts(parts, None, b, duration_s=3.0)
    assert a.read_bytes() == b.read_bytes()


def test_a_part_that_cannot_be_read_fails_the_annotate_stage_with_ffmpegs_reason(tmp_path: Path) -> None:
    broken = tmp_path / "part_000.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(VoiceError, match=r"joining the annotated parts failed .*Invalid data") as caught:
        join_parts([broken], None, tmp_path / "out.mp4", duration_s=2.0)
    assert caught.value.stage == "annotate"
    with pytest.raises(VoiceError, match="No such file"):
        join_parts([tmp_path / "part_001.mp4"], None, tmp_path / "out.mp4", duration_s=2.0)
    assert not (tmp_path / "out.txt").exists(), "the concat list is removed after a failure too"


def test_the_audio_stops_at_the_stated_end_whatever_the_packets_say(tmp_path: Path) -> None:
    """Two hours of audio under a header that says 2 s: encoded up to ``until_s`` only."""
    from tests.support import hostile

    source = hostile.audio_past_its_header(tmp_path)
    audio = tmp_path / "audio.m4a"
    encode_audio(source, audio, until_s=probe(source).decode_until_s)
    assert _audio_seconds(audio) == pytest.approx(4.0, abs=0.1)


def _audio_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)
