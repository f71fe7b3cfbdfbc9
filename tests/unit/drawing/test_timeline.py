"""What the annotated video shows when: the caption, the narrated emotion and the model's prediction of
each moment (the captions and event labels the session's subtitle files hold), and which sampled
frames are kept as key frames."""

from __future__ import annotations

import itertools

import pytest

from tests.support.narration_table import transcript_of
from voice.config import Settings
from voice.drawing.overlay import Overlay
from voice.drawing.timeline import KeyFrames, Timeline, key_frame_times, overlay_at, prediction_text
from voice.narration.emotions import extract_events
from voice.narration.windows import EventWindow, event_windows
from voice.records.session import PredictionRecord, SignalRecord
from voice.transcription.captions import Cue, caption_cues
from voice.transcription.transcript import Segment, Transcript, Word

SETTINGS = Settings()
#: Words every 0.4 s: "happy" starts at 1.2 s, "sad" (a question: not a label) at 2.4 s.
NARRATION = transcript_of("Oh, Maria is happy. Are you sad?")


def _windows() -> list[EventWindow]:
    events = extract_events(NARRATION, patient_names=("Maria",))
    return event_windows(events, 10.0, SETTINGS)


def _said(text: str, start: float) -> list[Word]:
    """The words of ``text`` one every 0.4 s from ``start``, each 0.3 s long."""
    return [Word(w, start + 0.4 * i, start + 0.4 * i + 0.3) for i, w in enumerate(text.split(" "))]


def _prediction(start: float, end: float, label: str, p: float) -> PredictionRecord:
    return PredictionRecord(start=start, end=end, label=label, probabilities={label: p, "neutral": 1 - p})


def test_an_empty_timeline_shows_nothing() -> None:
    assert overlay_at(1.0, Timeline()) == Overlay()


def test_the_caption_is_the_cue_being_shown_from_its_start_to_its_end() -> None:
    timeline = Timeline(cues=(Cue(1.0, 2.0, ("First.",)), Cue(3.0, 4.0, ("Second line", "and third."))))
    assert overlay_at(0.5, timeline).caption == "", "before the first cue"
    assert overlay_at(1.0, timeline).caption == "First."
    assert overlay_at(1.99, timeline).caption == "First.", "up to its end"
    assert overlay_at(2.0, timeline).caption == "", "not at its end (as players show cues)"
    assert overlay_at(2.5, timeline).caption == "", "no caption in a pause"
    assert overlay_at(3.5, timeline).caption == "Second line\nand third.", "its lines as they are broken"
    assert overlay_at(9.0, timeline).caption == ""


def test_a_timeline_of_a_transcript_shows_its_subtitle_cues() -> None:
    """One Whisper segment of three sentences: the video shows each sentence when it is said,
    exactly the cues the session's .vtt gets."""
    words = [*_said("Okay, we are here.", 3.0), *_said("Look how happy she is.", 22.0)]
    transcript = Transcript(segments=(Segment(2.9, 23.98, " ".join(w.word for w in words), tuple(words)),))
    timeline = Timeline.of(transcript)
    assert timeline.cues == caption_cues(transcript)
    assert overlay_at(3.0, timeline).caption == "Okay, we are here."
    assert overlay_at(10.0, timeline).caption == "", "not the sentence said at 22 s"
    assert overlay_at(22.0, timeline).caption == "Look how happy she is."


def test_an_event_is_labelled_over_its_window_and_coloured_only_when_it_counts() -> None:
    windows = _windows()
    assert [(w.event.emotion, w.event.counts) for w in windows] == [("happiness", True), ("sadness", False)]
    timeline = Timeline.of(NARRATION, windows)
    happy, sad = windows
    inside = overlay_at(happy.event.time, timeline)
    assert inside.label == "Maria: happiness (happy)"
    assert inside.label_emotion == "happiness"
    assert inside.caption == "Oh, Maria is happy."
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


def test_a_label_appears_with_the_caption_that_says_it_and_the_colour_over_its_whole_window() -> None:
    """The window (1.5 s before "happy" at 5.2 s) reaches back into the sentence before; the label
    waits for the caption that says "happy", the skeleton is coloured over the whole sample."""
    words = [*_said("We are in the garden.", 2.0), *_said("Maria is happy.", 4.4)]
    transcript = Transcript(segments=(Segment(2.0, 5.5, " ".join(w.word for w in words), tuple(words)),))
    (window,) = event_windows(extract_events(transcript, patient_names=("Maria",)), 10.0, SETTINGS)
    assert (window.start, window.event.time) == pytest.approx((3.7, 5.2))
    timeline = Timeline.of(transcript, [window])
    before = overlay_at(4.0, timeline)
    assert (before.caption, before.label, before.label_emotion) == ("We are in the garden.", "", "happiness")
    said = overlay_at(4.4, timeline)
    assert (said.caption, said.label) == ("Maria is happy.", "Maria: happiness (happy)")
    assert overlay_at(window.end, timeline).label == "Maria: happiness (happy)"
    assert timeline.event_cues() == (Cue(4.4, window.end, ("Maria: happiness (happy), counted",)),)


def test_event_cues_say_whether_each_event_counts_and_why_not() -> None:
    transcript = transcript_of("Maria is not happy. Are you sad? Maria is angry.")
    windows = event_windows(extract_events(transcript, patient_names=("Maria",)), 10.0, SETTINGS)
    cues = Timeline.of(transcript, windows).event_cues()
    assert [c.lines for c in cues] == [
        ("Maria: NOT happiness (happy), not counted: negated",),
        ("you: sadness (sad), not counted: question",),
        ("Maria: anger (angry), counted",),
    ]
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues)), "never two at once"
    assert all(c.start <= w.event.time <= c.end for c, w in zip(cues, windows, strict=True))


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
