"""The upload's audio for Whisper: 16 kHz mono float32, decoded in memory (no temporary WAV).

:func:`iter_audio_chunks` keeps memory flat in the video's length: a minute at a time, each cut
at a pause so no word is split. Given ``until_s`` (the probe's
:attr:`~voice.media.probe.VideoInfo.decode_until_s`), decoding stops with
:class:`CorruptMediaError` once the audio runs past it, whatever its packets say.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from voice.errors import CorruptMediaError
from voice.media.probe import open_container

__all__ = ["WHISPER_RATE", "decode_audio", "iter_audio_chunks"]

WHISPER_RATE = 16_000


def _pcm(container: Any, until_s: float | None) -> Iterator[np.ndarray]:
    """The first audio stream as 16 kHz mono s16 pieces, stopped past ``until_s`` seconds."""
    import av

    resampler = av.AudioResampler(format="s16", layout="mono", rate=WHISPER_RATE)
    limit = None if until_s is None else int(until_s * WHISPER_RATE)
    decoded = 0
    try:
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                pcm = out.to_ndarray().reshape(-1)
                decoded += pcm.size
                if limit is not None and decoded > limit:
                    raise CorruptMediaError(
                        f"the audio runs on past {limit / WHISPER_RATE:.1f} s, longer than the file "
                        "states; it is damaged or was altered. Upload the original recording.",
                        stage="transcribe",
                    )
                yield pcm
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1)[: None if limit is None else max(0, limit - decoded)]
    except (av.error.FFmpegError, ValueError) as exc:
        raise CorruptMediaError(
            f"the audio track cannot be decoded ({type(exc).__name__}); the file may be damaged."
        ) from exc


def decode_audio(path: Path, *, until_s: float | None = None) -> np.ndarray:
    """The first audio stream as 16 kHz mono float32 in [-1, 1] (empty if there is none).

    Decoded in memory with PyAV: no temporary WAV. 60 s of audio is 3.8 MB.
    """
    container = open_container(path)
    try:
        if not container.streams.audio:
            return np.zeros(0, dtype=np.float32)
        chunks = list(_pcm(container, until_s))
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)
    finally:
        container.close()


def _quietest_cut(pcm: np.ndarray, lo: int, hi: int, hop: int) -> int:
    """The start of the quietest ``hop``-sample frame in ``pcm[lo:hi]`` (a pause between words)."""
    span = pcm[lo:hi].astype(np.float32)
    n = span.size // hop
    if n == 0:
        return hi
    energy = np.square(span[: n * hop].reshape(n, hop)).mean(axis=1)
    return lo + int(np.argmin(energy)) * hop


def iter_audio_chunks(
    path: Path, *, chunk_s: float = 60.0, search_s: float = 8.0, until_s: float | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """The first audio stream as (offset seconds, 16 kHz mono float32) chunks of about ``chunk_s``.

    Each cut is placed at the quietest 50 ms in the last ``search_s`` seconds of the chunk (a
    pause, so no word is split), and memory stays that of one chunk whatever the video's length:
    Whisper's features of a whole 10-minute track alone take ~200 MB.
    """
    container = open_container(path)
    try:
        if not container.streams.audio:
            return
        size, lo = int(chunk_s * WHISPER_RATE), int((chunk_s - search_s) * WHISPER_RATE)
        hop = WHISPER_RATE // 20
        pending: list[np.ndarray] = []
        held = 0
        offset = 0
        for pcm in _pcm(container, until_s):
            pending.append(pcm)
            held += pcm.size
            if held >= size:
                buf = np.concatenate(pending)
                cut = _quietest_cut(buf, lo, size, hop)
                yield offset / WHISPER_RATE, buf[:cut].astype(np.float32) / 32768.0
                offset += cut
                pending, held = [buf[cut:]], buf.size - cut
        if held:
            yield offset / WHISPER_RATE, np.concatenate(pending).astype(np.float32) / 32768.0
    finally:
        container.close()
