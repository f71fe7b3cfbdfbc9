"""What the annotated video shows when: the overlay of each moment and the key frames to keep.

Pure planning (no pixels): :func:`overlay_at` says which narration caption, narrated emotion and
model prediction a frame at ``t`` seconds shows; :class:`KeyFrames` picks the sampled frames
saved as JPG + BODY_25 JSON. :mod:`voice.session.video_pass` draws them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from voice.config import EMOTION_ADJECTIVES, Settings
from voice.drawing.overlay import Overlay
from voice.narration.windows import EventWindow
from voice.records.session import PredictionRecord
from voice.transcription.transcript import Segment

__all__ = ["KeyFrame", "KeyFrames", "Timeline", "key_frame_times", "overlay_at", "prediction_text"]

#: (index, emotion) of a key frame to save.
KeyFrame = tuple[int, str]


@dataclass(frozen=True)
class Timeline:
    """What the overlay shows over time: narration segments, event windows, model predictions."""

    segments: tuple[Segment, ...] = ()
    windows: tuple[EventWindow, ...] = ()
    predictions: tuple[PredictionRecord, ...] = ()
    _segment_ends: list[float] = field(init=False, repr=False, compare=False)
    _prediction_ends: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_segment_ends", [s.end for s in self.segments])
        object.__setattr__(self, "_prediction_ends", [p.end for p in self.predictions])


def _event_label(window: EventWindow) -> tuple[str, str]:
    ev = window.event
    who = f"{ev.subject}: " if ev.subject else ""
    label = f"{who}{'NOT ' if ev.negated else ''}{ev.emotion} ({ev.keyword})"
    if ev.ignored is not None:  # kept, not a label: shown uncoloured with the reason
        label = f"{label}, not counted: {ev.ignored}"
    return label, ev.emotion if ev.counts else ""


def prediction_text(p: PredictionRecord) -> str:
    """The model's label on the video: the emotion in words, its first signal and probability
    ("model: happy · smiling 72%"); an unsure window says so and names no emotion."""
    if p.unsure:
        return "model: unsure"
    signal = f" · {p.signals[0].words}" if p.signals else ""
    return f"model: {EMOTION_ADJECTIVES.get(p.label, p.label)}{signal} {p.probabilities[p.label]:.0%}"


def overlay_at(t: float, timeline: Timeline) -> Overlay:
    """The overlay of the frame shown at ``t`` seconds (pure: no state between frames).

    Caption: the first segment not yet ended, once it has started. Label: the first event window
    holding ``t``. Prediction: the first prediction window not yet ended (or the last one),
    once it has started.
    """
    caption = ""
    i = bisect.bisect_left(timeline._segment_ends, t)
    if i < len(timeline.segments) and timeline.segments[i].start <= t:
        caption = timeline.segments[i].text
    label, label_emotion = "", ""
    active = next((w for w in timeline.windows if w.start <= t <= w.end), None)
    if active is not None:
        label, label_emotion = _event_label(active)
    predicted = ""
    if timeline.predictions:
        j = min(bisect.bisect_left(timeline._prediction_ends, t), len(timeline.predictions) - 1)
        p = timeline.predictions[j]
        if p.start <= t:
            predicted = prediction_text(p)
    return Overlay(caption, label, label_emotion, predicted)


def key_frame_times(
    windows: Sequence[EventWindow], duration: float, settings: Settings
) -> list[tuple[float, str]]:
    """(time, emotion): event frames first, then ``key_frames_extra`` evenly spaced ones."""
    times = [(w.event.time, w.event.emotion) for w in windows]
    n = settings.key_frames_extra
    for i in range(n):
        times.append(((i + 0.5) * duration / n, "none"))
    return times


class KeyFrames:
    """Picks, among the sampled frames, the one nearest each key time (each key time once)."""

    def __init__(self, times: Sequence[tuple[float, str]], *, tolerance_s: float) -> None:
        self._times = list(times)
        self._tolerance = tolerance_s + 1e-6
        self._taken: set[int] = set()

    def pick(self, time_s: float) -> KeyFrame | None:
        for k, (kt, emotion) in enumerate(self._times):
            if k not in self._taken and abs(kt - time_s) <= self._tolerance:
                self._taken.add(k)
                return (k, emotion)
        return None
