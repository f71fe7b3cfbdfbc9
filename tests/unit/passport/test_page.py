"""The passport page: self-contained, escaped, clips with stills for print, thin data in words."""

from __future__ import annotations

import re
from datetime import date

from voice.passport.page import Example, Passport, render
from voice.passport.signals import EmotionSignals, PassportSignal
from voice.passport.story import WeekRow

JPEG = b"\xff\xd8\xff\xe0fake"


def _passport() -> Passport:
    signal = PassportSignal("face_smile_med", "smiling: mouth corners 0.04 face widths higher than usual",
                            True, 1.2, 3, 4, 0.0, 0.04, 0.08)  # fmt: skip
    week = WeekRow(date(2026, 11, 30))
    week.videos, week.narrated = 2, {"happiness": 2}
    return Passport(
        patient="<Maria>",
        facts="From training run r1.",
        emotions=[
            EmotionSignals("happiness", 9, 4, (signal,)),
            EmotionSignals("sadness", 6, 3, ()),
            EmotionSignals(
                "surprise", 2, 2, (), thin="2 sample(s) from 2 video(s): too few to say what sets it apart"
            ),
        ],
        examples={
            "happiness": [
                Example(
                    "happiness", "garden-1a2b3c4d5e", 1.0, 5.0, 0.93, JPEG, "passport/happiness-garden_e0.mp4"
                ),
                Example("happiness", "park-0a0b0c0d0e", 2.0, 6.0, 0.8, JPEG, None),
                Example("happiness", "rain-0a0b0c0d0f", 2.0, 6.0, 0.7, None, None),
            ]
        },
        mixups=["Sadness is taken for neutral in 4 of 10 windows (40 %)."],
        missing=["No narrated surprise yet: narrate it when you see it (at least 3 videos)."],
        weeks=[week],
    )


def test_signals_with_their_videos_and_thin_or_empty_emotions_in_words() -> None:
    html = render(_passport())
    assert "Smiling: mouth corners 0.04 face widths higher than usual" in html
    assert "in 3 of 4 videos" in html
    assert "No signal holds across the videos yet" in html  # sadness
    assert "Too little data to say what surprise looks like: 2 sample(s) from 2 video(s)" in html
    assert "Sadness is taken for neutral in 4 of 10 windows (40 %)." in html
    assert "<td>2026-11-30</td><td>2</td><td>happiness 2</td>" in html


def test_self_contained_escaped_and_printable() -> None:
    html = render(_passport())
    assert "&lt;Maria&gt;" in html
    assert "<Maria>" not in html
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert html.count('<video controls muted loop preload="none"') == 1
    assert 'src="passport/happiness-garden_e0.mp4"' in html
    assert html.count('class="print-only"') == 1  # the clip's still, printed instead of it
    assert "@media print" in html
    assert "video{display:none}" in html
    assert "No picture of this moment is stored." in html


def test_without_a_model_the_page_says_so() -> None:
    html = render(Passport(patient="maria", facts="No readable training run yet."))
    assert "there is no trained model for this patient" in html
    assert "No processed videos yet." in html
    assert "Every emotion has enough narrated videos." in html
