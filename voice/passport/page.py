"""The passport as one self-contained HTML page: inline images, no scripts, no network; clips
are files beside the page (relative links). Printed (A4), every clip gives way to its still.
Every string from data is HTML-escaped."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from voice.passport.signals import EmotionSignals
from voice.passport.story import WeekRow

__all__ = ["Example", "Passport", "render"]

COLORS = {"happiness": "#f2b705", "sadness": "#3b6fd8", "anger": "#d63a2f", "surprise": "#9b4dca",
          "neutral": "#8c8c8c"}  # fmt: skip

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:980px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.lead{color:#444}.note{color:#666;font-size:.9em}
.emotion{border-left:8px solid var(--c);padding:.2em 0 .2em 1em;margin:1.2em 0;break-inside:avoid}
.emotion h3{margin:.2em 0}.signals li{margin:.25em 0}.videos{color:#666;font-size:.9em}
.examples{display:flex;gap:12px;flex-wrap:wrap;margin-top:.6em}
figure{margin:0;width:300px}figure video,figure img{width:300px;border-radius:4px;background:#000}
figcaption{font-size:.8em;color:#555}.print-only{display:none}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;margin:0;font-size:10.5pt}video{display:none}.print-only{display:block}
figure,figure img{width:58mm}.emotion{page-break-inside:avoid}a{color:inherit;text-decoration:none}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Example:
    """One clear example of an emotion: where it is, its still (JPG) and clip (relative href)."""

    emotion: str
    session: str
    start: float
    end: float
    probability: float
    still: bytes | None = None
    clip: str | None = None


@dataclass
class Passport:
    patient: str
    facts: str
    run_id: str | None = None
    emotions: list[EmotionSignals] = field(default_factory=list)
    examples: dict[str, list[Example]] = field(default_factory=dict)
    mixups: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _figure(ex: Example) -> str:
    where = f"{ex.session}, {ex.start:.1f}–{ex.end:.1f} s"
    sure = f"the model, not shown this video: {ex.probability:.0%} {ex.emotion}"
    caption = f"<figcaption>{_e(where)} ({_e(sure)})</figcaption>"
    if ex.still is None:
        return f"<figure><p class='note'>No picture of this moment is stored.</p>{caption}</figure>"
    src = f"data:image/jpeg;base64,{base64.b64encode(ex.still).decode()}"
    alt = f"{ex.emotion} at {ex.start:.1f} s"
    if ex.clip is None:
        return f'<figure><img alt="{_e(alt)}" src="{src}">{caption}</figure>'
    video = f'<video controls muted loop preload="none" poster="{src}" src="{_e(ex.clip)}"></video>'
    return f'<figure>{video}<img class="print-only" alt="{_e(alt)}" src="{src}">{caption}</figure>'


def _emotion(found: EmotionSignals, examples: Sequence[Example]) -> str:
    head = (
        f"<h3>{_e(found.emotion.capitalize())}</h3><p class='videos'>{found.samples} narrated or reviewed "
        f"window(s) from {found.videos} video(s).</p>"
    )
    if found.thin is not None:
        body = f"<p>Too little data to say what {_e(found.emotion)} looks like: {_e(found.thin)}.</p>"
    elif not found.signals:
        body = (
            f"<p>No signal holds across the videos yet: in fewer than two thirds of the videos with "
            f"{_e(found.emotion)}, its windows differ from the other states in the same way (or the model "
            "does not use the difference).</p>"
        )
    else:
        items = "".join(
            f"<li>{_e(s.sentence[0].upper() + s.sentence[1:])} <span class='videos'>— in {s.videos_showing} "
            f"of {s.videos} videos</span></li>"
            for s in found.signals
        )
        body = f"<ul class='signals'>{items}</ul>"
    figures = "".join(_figure(ex) for ex in examples)
    if figures:
        body += f"<div class='examples'>{figures}</div>"
    color = COLORS.get(found.emotion, "#444")
    return f"<section class='emotion' id='{_e(found.emotion)}' style='--c:{color}'>{head}{body}</section>"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{e} {n}" for e, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "—"


def _weeks(rows: Sequence[WeekRow]) -> str:
    if not rows:
        return "<p>No processed videos yet.</p>"
    head = "<tr><th>week of</th><th>videos</th><th>narrated</th><th>reviewed</th><th>predicted</th></tr>"
    body = "".join(
        f"<tr><td>{_e(r.week.isoformat() if r.week else 'no recording date')}</td><td>{r.videos}</td>"
        f"<td>{_e(_counts(r.narrated))}</td><td>{_e(_counts(r.reviewed))}</td><td>{_e(_counts(r.predicted))}</td></tr>"
        for r in rows
    )
    return (
        f"<table id='weeks'><thead>{head}</thead><tbody>{body}</tbody></table>"
        "<p class='note'>Narrated: labels from the narration as it stands; reviewed: labels a person "
        "confirmed, changed, counted or added; "
        "predicted: the model's windows in videos processed with a model, unsure ones left out.</p>"
    )


def _list(items: Sequence[str], none: str) -> str:
    if not items:
        return f"<p>{_e(none)}</p>"
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def render(p: Passport) -> str:
    title = f"How {p.patient} shows emotions"
    notes = "".join(f"<p class='note'>{_e(n)}</p>" for n in p.notes)
    emotions = "".join(_emotion(found, p.examples.get(found.emotion, [])) for found in p.emotions)
    if not emotions:
        emotions = "<p>Nothing to say yet: there is no trained model for this patient.</p>"
    sections = [
        ("What sets each emotion apart", emotions),
        (
            "What the model mixes up",
            _list(p.mixups, "No emotion is taken for another in a fifth of its windows or more."),
        ),
        ("What is missing", _list(p.missing, "Every emotion has enough narrated videos.")),
        ("Emotions over time", _weeks(p.weeks)),
    ]
    body = "".join(f"<h2>{_e(h)}</h2>\n{content}\n" for h, content in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{_e(title)}</h1><p class='lead'>A draft signal passport, written by VOICE from the "
        f"narrated videos: check it with the people who know {_e(p.patient)}.</p>"
        f"<p class='note'>{_e(p.facts)}</p>{notes}\n{body}</body></html>\n"
    )
