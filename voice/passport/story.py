"""The passport's other paragraphs in words: what the model mixes up (from the confusion matrix),
what is missing (emotions with too few videos), and the emotions over time (per week of
``recorded_at``: narrated, reviewed, predicted)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from voice.config import EMOTIONS
from voice.passport.data import SessionWeek
from voice.records.training import ConfusionMatrix

__all__ = ["MIXUP_SHARE", "WeekRow", "missing", "mixups", "weeks"]

#: A confusion is told when at least this share of an emotion's windows was taken for another.
MIXUP_SHARE = 0.2


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def mixups(matrix: ConfusionMatrix) -> list[str]:
    """One sentence per confusion of at least :data:`MIXUP_SHARE` of an emotion's windows, most first."""
    found = []
    for i, narrated in enumerate(matrix.labels):
        row = matrix.matrix[i]
        total = sum(row)
        for j, predicted in enumerate(matrix.labels):
            if i == j or total == 0 or row[j] / total < MIXUP_SHARE:
                continue
            found.append(
                (
                    -row[j] / total,
                    f"{narrated.capitalize()} is taken for {predicted} in {row[j]} of "
                    f"{_plural(total, 'window')} ({100 * row[j] / total:.0f} %).",
                )
            )
    return [text for _, text in sorted(found)]


def missing(counts: Mapping[str, tuple[int, int]], *, min_samples: int, min_videos: int) -> list[str]:
    """What to narrate more of: every emotion with fewer than ``min_videos`` videos or ``min_samples``."""
    out = []
    for emotion in EMOTIONS:
        samples, videos = counts.get(emotion, (0, 0))
        if samples == 0:
            out.append(
                f"No narrated {emotion} yet: narrate it when you see it (at least {min_videos} videos)."
            )
        elif videos < min_videos or samples < min_samples:
            out.append(
                f"Only {_plural(videos, 'video')} of {emotion} ({_plural(samples, 'window')}): narrate a few "
                f"more (at least {min_videos} videos and {min_samples} windows are needed)."
            )
    return out


class WeekRow:
    """One week of the emotions-over-time table: counts per emotion of each kind."""

    def __init__(self, week: date | None) -> None:
        self.week = week
        self.videos = 0
        self.narrated: dict[str, int] = {}
        self.reviewed: dict[str, int] = {}
        self.predicted: dict[str, int] = {}

    def add(self, session: SessionWeek) -> None:
        self.videos += 1
        for mine, theirs in (
            (self.narrated, session.narrated),
            (self.reviewed, session.reviewed),
            (self.predicted, session.predicted),
        ):
            for emotion, n in theirs.items():
                mine[emotion] = mine.get(emotion, 0) + n


def weeks(sessions: Sequence[SessionWeek]) -> list[WeekRow]:
    """Every week from the first to the last recorded video (empty weeks too), then undated videos."""
    dated = [s for s in sessions if s.week is not None]
    rows: list[WeekRow] = []
    if dated:
        first = min(s.week for s in dated if s.week is not None)
        last = max(s.week for s in dated if s.week is not None)
        by_week = {first.toordinal() + 7 * k: WeekRow(date.fromordinal(first.toordinal() + 7 * k))
                   for k in range((last.toordinal() - first.toordinal()) // 7 + 1)}  # fmt: skip
        for s in dated:
            assert s.week is not None
            by_week[s.week.toordinal()].add(s)
        rows = list(by_week.values())
    undated = [s for s in sessions if s.week is None]
    if undated:
        row = WeekRow(None)
        for s in undated:
            row.add(s)
        rows.append(row)
    return rows
