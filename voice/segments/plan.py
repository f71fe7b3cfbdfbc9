"""One plan of time segments for a long video: where to cut, and which frames each part needs.

A long video is processed in parts that run in parallel (worker processes locally, a Step
Functions Map on AWS) and are joined afterwards (:mod:`voice.segments.joining`, :mod:`voice.media.concat`).
:func:`plan_segments` cuts the video into segments of about ``settings.segment_s`` seconds:

- **Where.** Each cut goes near its ideal time (the video split evenly), into a pause: a gap
  between the transcript's segments (Whisper's sentences) that no event window covers,
  preferring the one nearest the ideal time among those at least ``MIN_PAUSE_S`` long (else the
  longest); without such a gap, between two words; without speech, at the ideal time. The
  narration is transcribed once over the whole audio before the plan is made, so a cut never
  splits a sentence for Whisper; keeping cuts out of sentences and event windows keeps each
  event's poses inside one continuous tracking run.
- **On the frame grid.** A cut falls on a frame that is both a pose sample and a frame of the
  annotated video (a multiple of both strides), so the parts sample the same frames as one pass
  and their annotated videos join frame-exactly.
- **What each part decodes.** A segment owns the frames ``[first, stop)``; it runs pose from
  ``link`` frames before ``first`` to ``link`` frames after ``stop``, so that tracking has
  settled when its own frames start, the frames before its end can be drawn with the pose
  sample after them, and the people it sees can be matched with the neighbours' in the frames
  both saw (:func:`voice.segments.joining.link_tracks`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from voice.config import Settings
from voice.media.frames import sample_stride
from voice.media.probe import VideoInfo
from voice.narration.windows import EventWindow
from voice.transcription.transcript import Transcript

__all__ = ["MIN_PAUSE_S", "OPEN_END", "Segment", "SegmentPlan", "plan_segments"]

#: A pause at least this long is preferred near the ideal cut over a longer one farther away.
MIN_PAUSE_S = 0.5
#: The stop of the last segment: the end of the video, whatever its frame count.
OPEN_END = 2**31 - 1

Interval = tuple[float, float]


@dataclass(frozen=True)
class Segment:
    """One part: it owns frames ``[first, stop)``, from ``start_s`` to ``end_s`` seconds."""

    index: int
    first: int
    stop: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SegmentPlan:
    """The segments of one video and what each decodes (module notes)."""

    segments: tuple[Segment, ...]
    fps: float
    stride: int  # pose every ``stride``-th frame
    show_every: int  # the annotated video keeps every ``show_every``-th frame
    link: int  # frames of pose before and after each segment (a multiple of ``stride``)

    def pose_span(self, segment: Segment) -> tuple[int, int]:
        """``[first, stop)`` of the frames whose pose ``segment`` estimates."""
        first = max(0, segment.first - self.link)
        stop = segment.stop if segment.stop == OPEN_END else segment.stop + self.link + 1
        return first, stop

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "segments": [asdict(s) for s in self.segments]}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> SegmentPlan:
        segments = tuple(Segment(**s) for s in doc["segments"])
        return cls(segments, float(doc["fps"]), int(doc["stride"]), int(doc["show_every"]), int(doc["link"]))


def grid(info: VideoInfo, settings: Settings) -> tuple[int, int, int]:
    """(pose stride, annotated-video stride, the cut grid: a multiple of both), in frames."""
    stride = sample_stride(info.fps, settings.pose_fps)
    show_every = max(1, math.ceil(info.fps / settings.annotate_max_fps - 1e-6))
    return stride, show_every, math.lcm(stride, show_every)


def _free(busy: Sequence[Interval], lo: float, hi: float) -> list[Interval]:
    """The parts of ``[lo, hi]`` that no busy interval covers."""
    out: list[Interval] = []
    at = lo
    for start, end in sorted(busy):
        if end <= at or start >= hi:
            continue
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if at < hi:
        out.append((at, hi))
    return out


def _pick(free: list[Interval], ideal: float) -> tuple[float, Interval] | None:
    """Where to cut among the free intervals (module notes) and the interval it lies in, or None."""
    if not free:
        return None
    pauses = [f for f in free if f[1] - f[0] >= MIN_PAUSE_S]
    if pauses:
        best = min(pauses, key=lambda f: (abs((f[0] + f[1]) / 2 - ideal), f[0]))
    else:
        best = max(free, key=lambda f: (f[1] - f[0], -abs((f[0] + f[1]) / 2 - ideal)))
    if best[0] <= ideal <= best[1] and best[1] - best[0] >= MIN_PAUSE_S:
        return ideal, best  # silence around the ideal time: cut right there
    return (best[0] + best[1]) / 2, best


def _cut_time(ideal: float, search: float, layers: Sequence[Sequence[Interval]]) -> tuple[float, Interval]:
    """The cut near ``ideal`` and the gap it is in: in the first layer of busy intervals that
    leaves one (without any, the ideal time itself)."""
    for busy in layers:
        picked = _pick(_free(busy, ideal - search, ideal + search), ideal)
        if picked is not None:
            return picked
    return ideal, (ideal, ideal)


def _on_grid(at: float, gap: Interval, fps: float, unit: int) -> int:
    """The frame of the cut: a multiple of ``unit`` nearest ``at`` that stays inside ``gap``
    (rounding must not carry a cut into the word or sentence next to a short gap)."""
    k = round(at * fps / unit)
    lo, hi = math.ceil(gap[0] * fps / unit - 1e-9), math.floor(gap[1] * fps / unit + 1e-9)
    return unit * (min(max(k, lo), hi) if lo <= hi else k)


def _busy_layers(transcript: Transcript | None, windows: Sequence[EventWindow]) -> list[list[Interval]]:
    """Sentences and event windows; then sentences; then words (a cut never splits a word)."""
    segments = transcript.segments if transcript is not None else ()
    sentences = [(s.start, s.end) for s in segments]
    words = [(w.start, w.end) for s in segments for w in s.words]
    events = [(w.start, w.end) for w in windows]
    return [sentences + events, sentences, words]


def plan_segments(
    info: VideoInfo,
    settings: Settings,
    *,
    transcript: Transcript | None = None,
    windows: Sequence[EventWindow] = (),
) -> SegmentPlan:
    """Segments of about ``settings.segment_s`` seconds, cut in pauses on the frame grid."""
    stride, show_every, unit = grid(info, settings)
    link = max(1, round(settings.segment_link_s * info.fps / stride)) * stride
    count = max(1, round(info.duration_s / settings.segment_s))
    search = min(settings.segment_s / 4, 30.0)
    layers = _busy_layers(transcript, windows)
    cuts: list[int] = []
    for k in range(1, count):
        frame = _on_grid(*_cut_time(k * info.duration_s / count, search, layers), info.fps, unit)
        if frame > (cuts[-1] if cuts else 0) and frame / info.fps < info.duration_s - 1.0:
            cuts.append(frame)
    bounds = [0, *cuts, OPEN_END]
    segments = tuple(
        Segment(
            index=i,
            first=first,
            stop=stop,
            start_s=round(first / info.fps, 6),
            end_s=round(info.duration_s if stop == OPEN_END else stop / info.fps, 6),
        )
        for i, (first, stop) in enumerate(itertools.pairwise(bounds))
    )
    return SegmentPlan(segments, info.fps, stride, show_every, link)
