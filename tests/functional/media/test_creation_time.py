"""When a video was recorded, as its container says: phones' creation tags, read by ``probe``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from voice.media.probe import ffmpeg_exe, probe


def _tagged(source: Path, out: Path, *tags: str) -> Path:
    args = [
        ffmpeg_exe(),
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        "-c",
        "copy",
        "-movflags",
        "use_metadata_tags",
    ]
    for tag in tags:
        args += ["-metadata", tag]
    subprocess.run([*args, str(out)], check=True)
    return out


@pytest.mark.parametrize(
    ("sample", "suffix", "tag", "expected"),
    [
        ("garden.mp4", ".mp4", "creation_time=2024-05-01T12:03:22.000000Z", "2024-05-01T12:03:22+00:00"),
        # iPhones write their local time with its offset.
        (
            "IMG_0412.MOV",
            ".MOV",
            "com.apple.quicktime.creationdate=2024-05-01T14:03:22+0200",
            "2024-05-01T14:03:22+02:00",
        ),
        ("visit.mkv", ".mkv", "creation_time=2024-05-01T12:03:22.000000Z", "2024-05-01T12:03:22+00:00"),
    ],
)
def test_the_containers_creation_time_is_read_with_its_offset(
    samples_dir: Path, tmp_path: Path, sample: str, suffix: str, tag: str, expected: str
) -> None:
    video = _tagged(samples_dir / sample, tmp_path / f"tagged{suffix}", tag)
    assert probe(video).created_at == expected


@pytest.mark.parametrize(
    "tag",
    [
        None,  # the bundled samples carry none
        "creation_time=1970-01-01T00:00:00.000000Z",  # a zero some tools write
        "creation_time=1904-01-01T00:00:00.000000Z",
        "creation_time=2999-01-01T00:00:00.000000Z",  # the future
        "creation_time=yesterday",
    ],
)
def test_no_tag_or_an_implausible_one_is_no_recording_time(
    samples_dir: Path, tmp_path: Path, tag: str | None
) -> None:
    video = (
        samples_dir / "garden.mp4"
        if tag is None
        else _tagged(samples_dir / "garden.mp4", tmp_path / "t.mp4", tag)
    )
    assert probe(video).created_at is None
