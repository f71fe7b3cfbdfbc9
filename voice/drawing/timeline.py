"""What the annotated video shows when: the overlay of each moment and the key frames to keep.

Pure planning (no pixels): :func:`overlay_at` says which caption, narrated emotion and model
prediction a frame at ``t`` seconds shows; :class:`KeyFrames` picks the sampled frames saved as
JPG + BODY_25 JSON. :mod:`voice.session.video_pass` and the segments draw them. The captions are
the transcript's subtitle cues (:func:`voice.transcription.captions.caption_cues`), the same ones
the session's ``.vtt`` and ``.srt`` hold; the event labels are :meth:`Timeline.event_cues`, the
same ones its events ``.vtt`` holds.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from voice.config import EMOTION_ADJECTIVES, Settings
from voice.drawing.overlay import Overlay
from voice.narration.windows import EventWindow
from voice.records.session import PredictionRecord
from voice.transcription.captions import Cue, caption_cues
from voice.transcription.transcript import Transcript

__all__ = [
    "KeyFrame",
    "KeyFrames",
    "Timeline",
    "event_label",
    "key_frame_times",
    "overlay_at",
    "prediction_text",
]

#: (index, emotion) of a key frame to save.
KeyFrame = tuple[int, str]


@dataclass(frozen=True)
class _Label:
    """When an event's label is shown, the window it belongs to."""

    start: float
    end: float
    window: EventWindow


def _labels(cues: Sequence[Cue], windows: Sequence[EventWindow]) -> tuple[_Label, ...]:
    """Each event's label from the start of the caption that says its emotion word (never before
    its window) to its window's end; never over the label before it."""
    starts = [c.start for c in cues]
    out: list[_Label] = []
    prev_end = float("-inf")
    for w in windows:
        t = w.event.time
        i = bisect.bisect_right(starts, t) - 1
        said = cues[i].start if i >= 0 and t <= cues[i].end else t
        start = max(w.start, min(said, t), prev_end)
        if start <= w.end:
            out.append(_Label(start, w.end, w))
            prev_end = w.end
    return tuple(out)


@dataclass(frozen=True)
class Timeline:
    """What the overlay shows over time: caption cues, event windows, model predictions.

    :meth:`of` builds one from a transcript (its cues made here, as the session's subtitle files
    get them).
    """

    cues: tuple[Cue, ...] = ()
    windows: tuple[EventWindow, ...] = ()
    predictions: tuple[PredictionRecord, ...] = ()
    _cue_ends: list[float] = field(init=False, repr=False, compare=False)
    _prediction_ends: list[float] = field(init=False, repr=False, compare=False)
    _labels: tuple[_Label, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cue_ends", [c.end for c in self.cues])
        object.__setattr__(self, "_prediction_ends", [p.end for p in self.predictions])
        object.__setattr__(self, "_labels", _labels(self.cues, self.windows))

    @classmethod
    def of(
        cls,
        transcript: Transcript,
        windows: Sequence[EventWindow] = (),
        predictions: Sequence[PredictionRecord] = (),
    ) -> Timeline:
        return cls(caption_cues(transcript), tuple(windows), tuple(predictions))

    def event_cues(self) -> tuple[Cue, ...]:
        """The event labels as cues, when the video shows them; the text says whether each counts."""
        out = []
        for label in self._labels:
            ev = label.window.event
            text, _ = event_label(label.window)
            if ev.counts:
                text += ", counted"
            elif ev.ignored is None:
                text += ", not counted: negated"
            out.append(Cue(label.start, label.end, (text,)))
        return tuple(out)


def event_label(window: EventWindow) -> tuple[str, str]:
    """The label the video shows for an event, and the emotion whose colour it takes ("" when the
    event is not a training label)."""
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

    Caption: the cue being shown (cues never overlap; one ends as the next starts). Label: from
    the caption that says the emotion word to the end of the event's window; the patient's
    skeleton takes the emotion's colour over the whole window (the poses that become the
    sample). Prediction: the first
    prediction window not yet ended (or the last one), once it has started.
    """
    caption = ""
    i = bisect.bisect_right(timeline._cue_ends, t)  # shown from its start until (not at) its end
    if i < len(timeline.cues) and timeline.cues[i].start <= t:
        caption = timeline.cues[i].text
    label, label_emotion = "", ""
    shown = next((x for x in timeline._labels if x.start <= t <= x.end), None)
    if shown is not None:
        label, label_emotion = event_label(shown.window)
    else:
        active = next((w for w in timeline.windows if w.start <= t <= w.end), None)
        if active is not None:
            label_emotion = event_label(active)[1]
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
