"""The passport's paragraphs in words: mix-ups from the confusion matrix, what is missing, weeks."""

from __future__ import annotations

from datetime import date

from voice.passport.data import SessionWeek, week_of
from voice.passport.story import missing, mixups, weeks
from voice.records.training import ConfusionMatrix


def test_mixups_name_confusions_of_a_fifth_or_more_most_first() -> None:
    matrix = ConfusionMatrix(
        labels=["happiness", "sadness", "neutral"],
        matrix=[[9, 1, 0], [0, 6, 4], [1, 0, 4]],
        note="",
    )
    assert mixups(matrix) == [
        "Sadness is taken for neutral in 4 of 10 windows (40 %).",
        "Neutral is taken for happiness in 1 of 5 windows (20 %).",
    ]
    assert mixups(ConfusionMatrix(labels=["a", "b"], matrix=[[5, 0], [0, 0]], note="")) == []


def test_missing_names_thin_and_absent_emotions() -> None:
    counts = {"happiness": (8, 4), "surprise": (2, 2), "anger": (5, 2), "sadness": (2, 3)}
    more = ": narrate a few more (at least 3 videos and 3 windows are needed)."
    assert missing(counts, min_samples=3, min_videos=3) == [
        f"Only 3 videos of sadness (2 windows){more}",
        f"Only 2 videos of anger (5 windows){more}",
        f"Only 2 videos of surprise (2 windows){more}",
        "No narrated neutral yet: narrate it when you see it (at least 3 videos).",
    ]


def _session(name: str, week: date | None, **narrated: int) -> SessionWeek:
    return SessionWeek(name, week, dict(narrated), {"sadness": 1} if week is None else {}, {"happiness": 2})


def test_weeks_run_from_the_first_to_the_last_with_empty_weeks_then_undated() -> None:
    assert week_of("2026-12-06T23:30:00+01:00") == date(2026, 11, 30)  # a Sunday: its own offset's day
    assert week_of("2026-12-07T00:10:00+01:00") == date(2026, 12, 7)
    rows = weeks(
        [
            _session("a", date(2026, 11, 2), happiness=1),
            _session("b", date(2026, 11, 16), happiness=2, anger=1),
            _session("c", date(2026, 11, 16)),
            _session("d", None),
        ]
    )
    assert [r.week for r in rows] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), None]
    assert [r.videos for r in rows] == [1, 0, 2, 1]
    assert rows[2].narrated == {"happiness": 2, "anger": 1}
    assert rows[2].predicted == {"happiness": 4}
    assert rows[3].reviewed == {"sadness": 1}
    assert weeks([]) == []
