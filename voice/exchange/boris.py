"""BORIS: a ``.boris`` project (the JSON BORIS opens: ``boris/project_functions.py``
``open_project_json``, project format 7.0) and its tabular "aggregated events", and a researcher's
project read back as coded tiers.

The ethogram holds the five emotions and "not counted" as state events; the patient is the one
subject; each session is one MEDIA observation of its review copy, whose events are START/STOP
pairs ``[time, subject, code, modifier, comment, frame index]`` (``MEDIA_PJ_EVENTS_FIELDS``). The
observations VOICE writes say so in their description (``VOICE export``): importing them back
changes nothing; a researcher codes in observations of their own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, Final

from voice.config import EMOTIONS
from voice.errors import CodingFileError
from voice.exchange.coding import CodedFile, CodedSpan, CodedTier
from voice.exchange.eaf_read import media_name
from voice.exchange.sources import NOT_COUNTED, Interval

__all__ = [
    "FORMAT_VERSION",
    "VOICE_OBSERVATION",
    "BorisSession",
    "aggregated_tsv",
    "project_json",
    "read_boris",
]

FORMAT_VERSION: Final = "7.0"
VOICE_OBSERVATION: Final = "VOICE export"
_KEYS = {"happiness": "h", "sadness": "s", "anger": "a", "surprise": "u", "neutral": "n", NOT_COUNTED: "x"}
_STATE = "State event"


@dataclass(frozen=True)
class BorisSession:
    """One observation: the session, its review copy, duration, frame rate, audio, and labels."""

    session: str
    media: str
    duration: float
    fps: float
    has_audio: bool
    intervals: Sequence[Interval]
    recorded: datetime | None = None

    def date(self, default: datetime) -> str:
        """The observation's date: when the video was recorded, else ``default`` (BORIS's format)."""
        return (self.recorded or default).strftime("%Y-%m-%dT%H:%M:%S")


def _union(intervals: Sequence[Interval]) -> dict[str, list[tuple[float, float, str]]]:
    """Per behaviour, its intervals merged where they overlap (a state event cannot start twice)."""
    out: dict[str, list[tuple[float, float, str]]] = {}
    for i in sorted(intervals, key=lambda i: (i.start, i.end)):
        spans = out.setdefault(i.value, [])
        if spans and i.start <= spans[-1][1]:
            lo, hi, note = spans[-1]
            spans[-1] = (lo, max(hi, i.end), note)
        else:
            spans.append((i.start, i.end, f"{i.label} {i.note} by {i.author}".strip()))
    return out


def _events(s: BorisSession, subject: str) -> list[list[Any]]:
    events = []
    for code, spans in _union(s.intervals).items():
        for lo, hi, note in spans:
            events.append([round(lo, 3), subject, code, "", note, round(lo * s.fps)])
            events.append([round(hi, 3), subject, code, "", "", round(hi * s.fps)])
    return sorted(events, key=lambda e: (e[0], e[1], e[2]))


def project_json(patient: str, sessions: Sequence[BorisSession], *, now: datetime | None = None) -> bytes:
    """The ``.boris`` project of the sessions' labels."""
    moment = now or datetime.now(UTC)
    when = moment.strftime("%Y-%m-%dT%H:%M:%S")
    behaviours = {
        str(k): {
            "type": _STATE,
            "key": _KEYS[code],
            "code": code,
            "description": "not a label (rejected, ignored or negated)" if code == NOT_COUNTED else code,
            "category": "",
            "modifiers": {},
            "excluded": "",
            "coding map": "",
        }
        for k, code in enumerate((*EMOTIONS, NOT_COUNTED))
    }
    observations = {
        s.session: {
            "file": {"1": [s.media], "2": []},
            "type": "MEDIA",
            "date": s.date(moment),
            "description": f"{VOICE_OBSERVATION}: labels of session {s.session}",
            "time offset": 0.0,
            "events": _events(s, patient),
            "observation time interval": [0, 0],
            "independent_variables": {},
            "visualize_spectrogram": False,
            "visualize_waveform": False,
            "close_behaviors_between_videos": False,
            "media_info": {
                "length": {s.media: s.duration},
                "fps": {s.media: s.fps},
                "hasVideo": {s.media: True},
                "hasAudio": {s.media: s.has_audio},
                "offset": {"1": 0.0},
            },
        }
        for s in sessions
    }
    project = {
        "time_format": "s",
        "project_date": when,
        "project_name": f"VOICE {patient}",
        "project_description": "Exported by VOICE: each session's effective labels (docs/researchers.md).",
        "project_format_version": FORMAT_VERSION,
        "subjects_conf": {"0": {"key": "p", "name": patient, "description": "the patient"}},
        "behaviors_conf": behaviours,
        "behavioral_categories": [],
        "behavioral_categories_config": {},
        "observations": observations,
        "independent_variables": {},
        "coding_map": {},
        "converters": {},
    }
    return (json.dumps(project, indent=1, ensure_ascii=False) + "\n").encode()


_TSV_COLUMNS = (
    "Observation id", "Observation date", "Description", "Media file", "Total length", "FPS", "Subject",
    "Behavior", "Behavioral category", "Modifiers", "Behavior type", "Start (s)", "Stop (s)", "Duration (s)",
    "Comment start", "Comment stop",
)  # fmt: skip


def aggregated_tsv(patient: str, sessions: Sequence[BorisSession], *, now: datetime | None = None) -> bytes:
    """BORIS's "aggregated events" table of the same labels (tab-separated, one row per state)."""
    rows = ["\t".join(_TSV_COLUMNS)]
    moment = now or datetime.now(UTC)
    for s in sessions:
        date = s.date(moment).replace("T", " ")
        for code, spans in sorted(_union(s.intervals).items()):
            for lo, hi, note in spans:
                rows.append("\t".join([
                    s.session, date, f"{VOICE_OBSERVATION}: labels of session {s.session}", s.media,
                    f"{s.duration:.3f}", f"{s.fps:g}", patient, code, "", "", "STATE",
                    f"{lo:.3f}", f"{hi:.3f}", f"{hi - lo:.3f}", note, "",
                ]))  # fmt: skip
    return ("\n".join(rows) + "\n").encode()


def _observation_tier(obs_id: str, obs: Any, states: set[str], author: str) -> CodedTier:
    files = obs.get("file", {}) if isinstance(obs, dict) else {}
    media = [media_name(str(m)) for m in (files.get("1") or [])] if isinstance(files, dict) else []
    voice = str(obs.get("description", "")).startswith(VOICE_OBSERVATION)
    tier = CodedTier(obs_id, author, media[0] if media else None, voice)
    open_: dict[tuple[str, str], float] = {}
    for event in sorted(obs.get("events") or [], key=lambda e: (float(e[0]), str(e[1]), str(e[2]))):
        time, subject, code = float(event[0]), str(event[1]), str(event[2])
        if code not in states:
            continue  # point events mark moments, not labels
        key = (subject, code)
        if key in open_:
            tier.spans.append(CodedSpan(open_.pop(key), time, code))
        else:
            open_[key] = time
    if open_:
        (subject, code), t = next(iter(open_.items()))
        raise CodingFileError(f"observation {obs_id!r}: {code!r} starts at {t:g} s and never stops.")
    return tier


def read_boris(data: bytes, file_name: str) -> CodedFile:
    """A ``.boris`` project's MEDIA observations as coded tiers (one per observation; its state
    events paired START/STOP per subject and behaviour; author: the file name)."""
    try:
        project = json.loads(data)
        behaviours = project["behaviors_conf"].values()
        states = {str(b["code"]) for b in behaviours if str(b.get("type", "")).startswith(_STATE)}
        observations = project["observations"]
        author = PurePosixPath(file_name).stem
        tiers = [
            _observation_tier(str(obs_id), obs, states, author)
            for obs_id, obs in observations.items()
            if obs.get("type") == "MEDIA"
        ]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise CodingFileError(f"the file is not a BORIS project ({type(exc).__name__}: {exc}).") from exc
    media = list(dict.fromkeys(t.media for t in tiers if t.media))
    return CodedFile(media, tiers)
