"""Each narrated event's window: the span of poses around it that becomes its training sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voice.config import Settings
from voice.narration.emotions import EmotionEvent

__all__ = ["EventWindow", "event_windows"]


@dataclass(frozen=True)
class EventWindow:
    """A narrated event with the time window of poses that becomes its training sample."""

    index: int
    event: EmotionEvent
    start: float
    end: float


def event_windows(events: Sequence[EmotionEvent], duration: float, settings: Settings) -> list[EventWindow]:
    """``[t - before, t + after]`` around each event, clipped at the neighbouring events and the video."""
    out = []
    for i, ev in enumerate(events):
        start = max(0.0, ev.time - settings.window_before_s)
        end = min(duration, ev.time + settings.window_after_s)
        if i > 0:
            start = max(start, events[i - 1].time)
        if i + 1 < len(events):
            end = min(end, events[i + 1].time)
        out.append(EventWindow(i, ev, start, max(start, end)))
    return out
