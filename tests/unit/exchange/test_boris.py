"""The BORIS project as BORIS's own loader reads it (``open_project_json``: format 7.0, state
events in START/STOP pairs per subject and behaviour, one MEDIA observation per session), its
aggregated events table, and a researcher's observation read back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from voice.config import EMOTIONS
from voice.errors import CodingFileError
from voice.exchange.boris import VOICE_OBSERVATION, BorisSession, aggregated_tsv, project_json, read_boris
from voice.exchange.sources import EFFECTIVE, Interval

SESSIONS = [
    BorisSession(
        "visit-1",
        "visit-1.mp4",
        10.0,
        25.0,
        True,
        [
            Interval("visit-1", EFFECTIVE, "narration", 0.0, 2.0, "happiness", "e1", "narrated"),
            Interval("visit-1", EFFECTIVE, "anna", 1.5, 3.0, "happiness", "e2", "confirmed"),
            Interval("visit-1", EFFECTIVE, "narration", 4.0, 8.0, None, "e3", "ignored"),
        ],
    )
]


def test_the_project_has_the_ethogram_the_patient_and_paired_state_events() -> None:
    project = json.loads(project_json("maria", SESSIONS))
    assert project["project_format_version"] == "7.0"
    assert [b["code"] for b in project["behaviors_conf"].values()] == [*EMOTIONS, "not counted"]
    assert {b["type"] for b in project["behaviors_conf"].values()} == {"State event"}
    assert len({b["key"] for b in project["behaviors_conf"].values()}) == 6
    assert [s["name"] for s in project["subjects_conf"].values()] == ["maria"]
    obs = project["observations"]["visit-1"]
    assert obs["type"] == "MEDIA"
    assert obs["file"] == {"1": ["visit-1.mp4"], "2": []}
    assert obs["media_info"]["length"] == {"visit-1.mp4": 10.0}
    # Overlapping happiness labels are one state (BORIS cannot start a state twice); each event is
    # [time, subject, code, modifier, comment, frame index], in time order.
    assert [(e[0], e[2], e[5]) for e in obs["events"]] == [
        (0.0, "happiness", 0),
        (3.0, "happiness", 75),
        (4.0, "not counted", 100),
        (8.0, "not counted", 200),
    ]
    assert obs["events"] == sorted(obs["events"], key=lambda e: e[:3])


def test_the_aggregated_events_table_has_one_row_per_state() -> None:
    rows = [r.split("\t") for r in aggregated_tsv("maria", SESSIONS).decode().splitlines()]
    head = rows[0]
    got = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert [
        (r["Behavior"], r["Start (s)"], r["Stop (s)"], r["Duration (s)"], r["Behavior type"]) for r in got
    ] == [
        ("happiness", "0.000", "3.000", "3.000", "STATE"),
        ("not counted", "4.000", "8.000", "4.000", "STATE"),
    ]


def test_a_researchers_observation_is_read_back_and_voices_is_marked() -> None:
    project = json.loads(project_json("maria", SESSIONS))
    project["observations"]["coded by cleo"] = {
        "type": "MEDIA",
        "file": {"1": ["C:/data/visit-1.mp4"], "2": []},
        "description": "",
        "events": [
            [5.0, "maria", "joy", "", "", 125],
            [1.0, "maria", "joy", "", "", 25],
            [7.0, "maria", "joy", "", "", 175],
        ],
    }
    project["behaviors_conf"]["6"] = {"type": "State event", "code": "joy", "key": "j"}
    with pytest.raises(CodingFileError, match="'joy' starts at 7 s and never stops"):
        read_boris(json.dumps(project).encode(), "cleo.boris")
    project["observations"]["coded by cleo"]["events"].append([9.0, "maria", "joy", "", "", 225])
    coded = read_boris(json.dumps(project).encode(), "cleo.boris")
    mine, theirs = coded.tiers
    assert mine.voice
    assert VOICE_OBSERVATION
    assert not theirs.voice
    assert theirs.media == "visit-1.mp4"
    assert theirs.author == "cleo"
    assert [(s.start, s.end, s.value) for s in theirs.spans] == [(1.0, 5.0, "joy"), (7.0, 9.0, "joy")]


def test_a_file_that_is_not_a_project_is_refused() -> None:
    with pytest.raises(CodingFileError, match="not a BORIS project"):
        read_boris(b'{"observations": 3}', "x.boris")
    with pytest.raises(CodingFileError, match="not a BORIS project"):
        read_boris(b"\x00not json", "x.boris")


def test_an_observations_date_is_when_the_video_was_recorded() -> None:
    recorded = datetime(2026, 3, 1, 8, 15, tzinfo=timezone(timedelta(hours=1)))
    sessions = [replace(SESSIONS[0], recorded=recorded)]
    now = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert (
        json.loads(project_json("maria", sessions, now=now))["observations"]["visit-1"]["date"]
        == "2026-03-01T08:15:00"
    )
    assert (
        json.loads(project_json("maria", SESSIONS, now=now))["observations"]["visit-1"]["date"]
        == "2026-12-06T20:00:00"
    )
    row = aggregated_tsv("maria", sessions, now=now).decode().splitlines()[1].split("\t")
    assert row[1] == "2026-03-01 08:15:00"
