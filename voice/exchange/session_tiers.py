"""A stored session's tiers for export: narration (counted, and not counted with the reason), each
reviewer and coder, the model's prediction bins, one tier per person track, the transcript's words
only when asked (words may name people)."""

from __future__ import annotations

from dataclasses import dataclass

from voice.errors import NoPoseTrackError
from voice.exchange.sources import (
    IMPORT,
    coder_intervals,
    coder_keys,
    narration_intervals,
    prediction_intervals,
)
from voice.exchange.tiers import Annotation, Tier, bins, in_view, non_overlapping
from voice.labels.stored import StoredSession, read_track
from voice.storage import Store

__all__ = ["NARRATION_TIER", "ExportSession", "coder_tier_name", "session_tiers"]

NARRATION_TIER = "Narration"
NOT_COUNTED_TIER = "Narration not counted"
MODEL_TIER = "Model"
WORDS_TIER = "Transcript"


@dataclass(frozen=True)
class ExportSession:
    """What one session's export holds: its id, duration, media file name and tiers."""

    session: str
    duration: float
    media: str
    fps: float
    tiers: list[Tier]


def coder_tier_name(source: str, author: str) -> str:
    """``Review: anna``, ``Import: ben``."""
    return f"{'Import' if source == IMPORT else 'Review'}: {author}"


def _people_tiers(store: Store, stored: StoredSession) -> list[Tier]:
    meta = stored.metadata
    try:
        track = read_track(store, meta.patient, meta.session).track
    except NoPoseTrackError:
        return []
    patient = meta.patient_track.id
    tiers = []
    for pid, spans in in_view(track, meta.video.duration_s).items():
        name = f"Person {pid} (patient)" if pid == patient else f"Person {pid}"
        tiers.append(Tier(name, "text", annotations=spans))
    return tiers


def session_tiers(store: Store, stored: StoredSession, *, transcript: bool = False) -> ExportSession:
    """The session's tiers, each without overlaps (``voice.exchange.tiers``)."""
    meta = stored.metadata
    reviews = stored.reviews.reviews
    narrated = narration_intervals(meta)
    tiers = [
        Tier(
            NARRATION_TIER,
            "emotion",
            annotations=non_overlapping(
                Annotation(i.start, i.end, i.value) for i in narrated if i.emotion is not None
            ),
        ),
        Tier(
            NOT_COUNTED_TIER,
            "text",
            annotations=non_overlapping(
                Annotation(i.start, i.end, i.note) for i in narrated if i.emotion is None
            ),
        ),
    ]
    for source, author in coder_keys(reviews):
        spans = coder_intervals(meta, reviews, source, author)
        tiers.append(
            Tier(
                coder_tier_name(source, author),
                "emotion",
                author=author,
                coder=source == IMPORT,
                annotations=non_overlapping(Annotation(i.start, i.end, i.value, i.note) for i in spans),
            )
        )
    predictions = prediction_intervals(meta)
    if predictions:
        tiers.append(Tier(MODEL_TIER, "emotion", annotations=bins(predictions, meta.video.duration_s)))
    tiers += _people_tiers(store, stored)
    if transcript:
        words = [
            Annotation(w.start, max(w.end, w.start + 0.01), w.word.strip())
            for seg in meta.transcript.segments
            for w in seg.words
        ]
        tiers.append(Tier(WORDS_TIER, "text", annotations=non_overlapping(words)))
    return ExportSession(meta.session, meta.video.duration_s, f"{meta.session}.mp4", meta.video.fps, tiers)
