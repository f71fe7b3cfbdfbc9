"""What the annotated video shows when: the caption, the narrated emotion and the model's prediction of
each moment, and which sampled frames are kept as key frames."""

from __future__ import annotations

from tests.support.narration_table import transcript_of
from voice.config import Settings
from voice.drawing.overlay import Overlay
from voice.drawing.timeline import KeyFrames, Timeline, key_frame_times, overlay_at, prediction_text
from voice.narration.emotions import extract_events
from voice.narration.windows import EventWindow, event_windows
from voice.records.session import PredictionRecord, SignalRecord
from voice.transcription.transcript import Segment

SETTINGS = Settings()
#: Words every 0.4 s: "happy" starts at 1.2 s, "sad" (a question: not a label) at 2.4 s.
NARRATION = transcript_of("Oh, Maria is happy. Are you sad?")


def _windows() -> list[EventWindow]:
    events = extract_events(NARRATION, patient_names=("Maria",))
    return event_windows(events, 10.0, SETTINGS)


def _prediction(start: float, end: float, label: str, p: float) -> PredictionRecord:
    return PredictionRecord(start=start, end=end, label=label, probabilities={label: p, "neutral": 1 - p})


def test_an_empty_timeline_shows_nothing() -> None:
    assert overlay_at(1.0, Timeline()) == Overlay()


def test_the_caption_is_the_segment_being_spoken_from_its_start() -> None:
    timeline = Timeline(segments=(Segment(1.0, 2.0, " First."), Segment(3.0, 4.0, " Second.")))
    assert overlay_at(0.5, timeline).caption == "", "before the first segment"
    assert overlay_at(1.0, timeline).caption == " First."
    assert overlay_at(2.0, timeline).caption == " First.", "up to its end"
    assert overlay_at(2.5, timeline).caption == "", "no caption in a pause"
    assert overlay_at(3.5, timeline).caption == " Second."
    assert overlay_at(9.0, timeline).caption == ""


def test_an_event_is_labelled_over_its_window_and_coloured_only_when_it_counts() -> None:
    windows = _windows()
    assert [(w.event.emotion, w.event.counts) for w in windows] == [("happiness", True), ("sadness", False)]
    timeline = Timeline(segments=NARRATION.segments, windows=tuple(windows))
    happy, sad = windows
    inside = overlay_at(happy.event.time, timeline)
    assert inside.label == "Maria: happiness (happy)"
    assert inside.label_emotion == "happiness"
    assert inside.caption == NARRATION.segments[0].text
    question = overlay_at(sad.end, timeline)
    assert question.label == "you: sadness (sad), not counted: question"
    assert question.label_emotion == "", "not a label: drawn without the emotion's colour"
    assert (happy.start, happy.end) == (0.0, sad.event.time), "clipped at the video start and the next event"
    assert overlay_at(0.0, timeline).label_emotion == "happiness"
    assert overlay_at(sad.end + 0.01, timeline).label == ""


def test_a_negated_event_says_not() -> None:
    (window,) = event_windows(
        extract_events(transcript_of("Maria is not happy."), patient_names=("Maria",)), 5.0, SETTINGS
    )
    overlay = overlay_at(window.event.time, Timeline(windows=(window,)))
    assert overlay.label == "Maria: NOT happiness (happy)"
    assert overlay.label_emotion == ""


def test_the_prediction_shown_is_the_window_not_yet_ended_then_the_last() -> None:
    timeline = Timeline(
        predictions=(_prediction(1.0, 5.0, "happiness", 0.7), _prediction(5.0, 9.0, "sadness", 0.62))
    )
    assert overlay_at(0.5, timeline).predicted == "", "before the first window starts"
    assert overlay_at(1.0, timeline).predicted == "model: happy 70%"
    assert overlay_at(5.0, timeline).predicted == "model: happy 70%", "the first window not yet ended"
    assert overlay_at(5.01, timeline).predicted == "model: sad 62%"
    assert overlay_at(30.0, timeline).predicted == "model: sad 62%", "after the end: the last one"


def test_the_label_names_the_first_signal_and_an_unsure_window_names_no_emotion() -> None:
    signals = [
        SignalRecord(feature="face_smile_med", words="smiling", contribution=0.2),
        SignalRecord(feature="speed_arms", words="arms moving fast", contribution=0.1),
    ]
    sure = PredictionRecord(
        start=0, end=4, label="happiness", probabilities={"happiness": 0.72}, signals=signals
    )
    assert prediction_text(sure) == "model: happy · smiling 72%"
    unsure = sure.model_copy(update={"unsure": True})
    assert prediction_text(unsure) == "model: unsure"
    assert "happ" not in overlay_at(1.0, Timeline(predictions=(unsure,))).predicted


def test_key_frame_times_are_the_events_then_evenly_spaced_ones() -> None:
    windows = _windows()
    times = key_frame_times(windows, 8.0, Settings(key_frames_extra=4))
    assert times[:2] == [(windows[0].event.time, "happiness"), (windows[1].event.time, "sadness")]
    assert times[2:] == [(1.0, "none"), (3.0, "none"), (5.0, "none"), (7.0, "none")]
    assert key_frame_times([], 8.0, Settings(key_frames_extra=0)) == []


def test_each_key_time_takes_the_first_sampled_frame_within_tolerance_once() -> None:
    picker = KeyFrames([(1.0, "happiness"), (1.1, "none"), (3.0, "sadness")], tolerance_s=0.1)
    assert picker.pick(0.8) is None, "too early for any key time"
    assert picker.pick(0.9) == (0, "happiness")
    assert picker.pick(1.0) == (1, "none"), "the first key is taken: the next one within tolerance"
    assert picker.pick(1.1) is None, "both taken"
    assert picker.pick(3.1) == (2, "sadness"), "the tolerance is inclusive"
    assert picker.pick(3.0) is None


def test_an_event_frame_wins_over_an_evenly_spaced_key_time_on_the_same_sample() -> None:
    """Event key times come first: at 5 poses a second the extra key at 1.25 s finds its only
    sample (1.2 s) taken by the event at 1.2 s and is not saved; the others each get theirs."""
    times = key_frame_times(_windows(), 10.0, SETTINGS)
    assert [round(t, 2) for t, _ in times] == [1.2, 2.4, 1.25, 3.75, 6.25, 8.75]
    picker = KeyFrames(times, tolerance_s=0.5 / 5.0)
    picked = {k: (round(i / 5.0, 1), e) for i in range(50) if (p := picker.pick(i / 5.0)) for k, e in [p]}
    assert picked == {
        0: (1.2, "happiness"),
        1: (2.4, "sadness"),
        3: (3.8, "none"),
        4: (6.2, "none"),
        5: (8.8, "none"),
    }
