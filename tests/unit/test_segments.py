"""The segment plan: about N seconds each, cuts in pauses outside sentences and event windows, on
the frame grid both the pose samples and the annotated video share."""

from __future__ import annotations

import json

import pytest

from voice.config import Settings
from voice.emotions import EmotionEvent
from voice.media import VideoInfo
from voice.segments import OPEN_END, SegmentPlan, plan_segments
from voice.session import EventWindow
from voice.transcript import Segment, Transcript, Word


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
