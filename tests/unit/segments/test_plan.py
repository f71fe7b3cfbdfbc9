"""The segment plan: about N seconds each, cuts in pauses outside sentences and event windows, on
the frame grid both the pose samples and the annotated video share."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from voice.config import Settings
from voice.media.probe import VideoInfo
from voice.narration.emotions import EmotionEvent
from voice.narration.windows import EventWindow
from voice.segments.plan import OPEN_END, SegmentPlan, plan_segments
from voice.transcription.transcript import Segment, Transcript, Word


def _info(duration: float, fps: float = 25.0) -> VideoInfo:
    return VideoInfo(duration, fps, 640, 480, round(duration * fps), True, "h264")


def _sentence(start: float, end: float) -> Segment:
    """A sentence of words 0.4 s long with 0.1 s between them."""
    words, t = [], start
    while t + 0.4 <= end + 1e-9:
        words.append(Word("word", t, t + 0.4))
        t += 0.5
    return Segment(start, words[-1].end, "a sentence", tuple(words))


def _window(index: int, start: float, end: float) -> EventWindow:
    event = EmotionEvent(start + 1.5, "happiness", "happy", "Maria", "Maria is happy.", False, start + 1.8)
    return EventWindow(index, event, start, end)


def _cuts(plan: SegmentPlan) -> list[float]:
    return [s.start_s for s in plan.segments[1:]]


def test_without_speech_segments_are_even_and_cover_the_video() -> None:
    plan = plan_segments(_info(600.0), Settings(segment_s=60))
    assert len(plan.segments) == 10
    assert _cuts(plan) == [60.0 * k for k in range(1, 10)]
    assert plan.segments[0].first == 0
    assert plan.segments[-1].stop == OPEN_END
    assert plan.segments[-1].end_s == 600.0
    for a, b in zip(plan.segments, plan.segments[1:], strict=False):
        assert a.stop == b.first
    # One second of pose on either side of each segment, on the pose grid.
    assert plan.link == 25
    assert plan.pose_span(plan.segments[3]) == (4500 - 25, 6000 + 25 + 1)
    assert plan.pose_span(plan.segments[0])[0] == 0


@pytest.mark.parametrize(("duration", "count"), [(30.0, 1), (150.0, 1), (200.0, 2), (610.0, 5)])
def test_segments_are_about_the_setting_long(duration: float, count: int) -> None:
    plan = plan_segments(_info(duration), Settings(segment_s=120))
    assert len(plan.segments) == count


def test_a_cut_goes_into_a_pause_between_sentences_outside_event_windows() -> None:
    # Speech from 50 to 70 s with two pauses: 57.0–57.6 s (inside an event window) and 63.0–63.8 s.
    transcript = Transcript(
        segments=(_sentence(50.0, 56.9), _sentence(57.6, 62.9), _sentence(63.8, 70.0)),
    )
    windows = [_window(0, 55.5, 59.5)]
    plan = plan_segments(_info(120.0), Settings(segment_s=60), transcript=transcript, windows=windows)
    (cut,) = _cuts(plan)
    assert 62.9 <= cut <= 63.8, cut
    assert cut * 25 % 5 == pytest.approx(0)


def test_continuous_speech_is_cut_between_two_words() -> None:
    transcript = Transcript(segments=(_sentence(20.0, 100.0),))
    plan = plan_segments(_info(120.0), Settings(segment_s=60), transcript=transcript)
    (cut,) = _cuts(plan)
    words = transcript.segments[0].words
    assert not any(w.start < cut < w.end for w in words), cut


def test_cuts_fall_on_frames_both_strides_share() -> None:
    # 60 fps: pose every 12th frame, the annotated video every 2nd: cuts on multiples of 12.
    plan = plan_segments(_info(300.0, fps=60.0), Settings(segment_s=100))
    assert (plan.stride, plan.show_every) == (12, 2)
    assert all(s.first % 12 == 0 for s in plan.segments)
    # 50 fps with pose at 3 fps: stride 17, show every 2nd frame: cuts on multiples of 34.
    odd = plan_segments(_info(300.0, fps=50.0), Settings(segment_s=100, pose_fps=3))
    assert (odd.stride, odd.show_every) == (17, 2)
    assert all(s.first % 34 == 0 for s in odd.segments)


def test_the_plan_round_trips_through_json() -> None:
    plan = plan_segments(_info(400.0), Settings(segment_s=100))
    assert SegmentPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_rounding_to_the_frame_grid_keeps_a_cut_inside_its_pause() -> None:
    # The ideal cut (60.25 s) lies in the pause 60.22–61.0 s; the grid point nearest it (60.2 s,
    # 25 fps, pose every 5th frame) is inside the sentence before: the cut moves to 60.4 s.
    transcript = Transcript(segments=(_sentence(50.0, 60.22), _sentence(61.0, 70.0)))
    transcript = Transcript(segments=(replace(transcript.segments[0], end=60.22), transcript.segments[1]))
    plan = plan_segments(_info(120.5), Settings(segment_s=60), transcript=transcript)
    (cut,) = _cuts(plan)
    assert cut == pytest.approx(60.4)
    assert plan.segments[1].first == 1510


def _narration(rng: np.random.Generator, duration: float) -> tuple[Transcript, list[EventWindow]]:
    """Sentences of 2–12 s with pauses of 0.2–2 s between them; an event in every third one,
    its window 1.5 s before to 2.5 s after the emotion word (often across the pause after it)."""
    sentences, windows, t = [], [], 1.0
    while t < duration - 15:
        end = t + rng.uniform(2.0, 12.0)
        sentence = _sentence(t, end)
        sentences.append(sentence)
        if len(sentences) % 3 == 0:
            word = sentence.words[int(rng.integers(len(sentence.words)))]
            windows.append(_window(len(windows), word.start - 1.5, word.start + 2.5))
        t = sentence.end + rng.uniform(0.2, 2.0)
    return Transcript(segments=tuple(sentences)), windows


@pytest.mark.parametrize("seed", range(5))
def test_cuts_never_split_a_sentence_or_an_event_window(seed: int) -> None:
    rng = np.random.default_rng(seed)
    transcript, windows = _narration(rng, 600.0)
    plan = plan_segments(_info(600.0), Settings(segment_s=60), transcript=transcript, windows=windows)
    assert len(plan.segments) == 10
    busy = [(s.start, s.end) for s in transcript.segments] + [(w.start, w.end) for w in windows]
    for segment in plan.segments[1:]:
        cut = segment.start_s
        assert not any(start < cut < end for start, end in busy), (seed, cut)
        assert segment.first % 5 == 0
        # Near the even split: within a quarter of a segment.
        assert abs(cut - 60.0 * segment.index) <= 15.0
    # Each event window lies inside one segment.
    for w in windows:
        owners = [s.index for s in plan.segments if s.start_s <= w.start and w.end <= s.end_s]
        assert len(owners) == 1, w


def test_link_frames_are_on_the_pose_grid_and_the_last_segment_runs_to_the_end() -> None:
    plan = plan_segments(_info(300.5, fps=60.0), Settings(segment_s=100, segment_link_s=1.0))
    assert plan.link == 60  # one second, five pose samples of every 12th frame
    middle = plan.segments[1]
    first, stop = plan.pose_span(middle)
    assert (first, stop) == (middle.first - 60, middle.stop + 61)
    # The link frames on either side are pose samples of the neighbours too: the same pictures.
    assert first % plan.stride == 0
    assert (stop - 1) % plan.stride == 0
    last = plan.segments[-1]
    assert last.stop == OPEN_END
    assert plan.pose_span(last)[1] == OPEN_END
    assert last.end_s == 300.5
    # No segment shorter than a second at the end.
    assert 300.5 - last.start_s > 1.0
