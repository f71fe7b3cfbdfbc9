"""A segmented run's intermediate files: ``plan.json`` round-trips every input a later step needs (floats
at full precision), its id changes with what the plan depends on and nothing else, segment results
round-trip with their poses, colours and key frames."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.narration_table import transcript_of
from tests.support.synthetic import standing
from voice import layout
from voice.config import Settings
from voice.media.probe import VideoInfo
from voice.narration.emotions import extract_events
from voice.narration.windows import event_windows
from voice.people.pin import PersonPin
from voice.pose.body25 import Person, PoseFrame
from voice.records.session import ModelsRecord
from voice.segments.plan import plan_segments
from voice.segments.segment_pass import KeyFrameImage, SegmentResult
from voice.segments.workspace import SCHEMA, PlanDoc, segment_from_json, segment_to_json
from voice.session.prepare import Prepared, RunState

SETTINGS = Settings(segment_s=20.0)
KEY = "maria/visit.MOV"
SESSION = "visit-0123456789"


def _doc(*, pin: PersonPin | None = None, patient_model: str | None = None) -> PlanDoc:
    info = VideoInfo(61.04, 29.97, 1280, 720, 1829, True, "hevc", rotation=90)
    transcript = transcript_of("Oh, Maria is happy. She is calm now.")
    windows = event_windows(extract_events(transcript, patient_names=("maria",)), info.duration_s, SETTINGS)
    models = ModelsRecord(whisper="faster-whisper/tiny.en", pose="mp", face_hands=None, patient=patient_model)
    hist = np.full(72, 1 / 72)
    prepared = Prepared(info, transcript, windows, pin, hist, None, models)
    plan = plan_segments(info, SETTINGS, transcript=transcript, windows=windows)
    state = RunState(
        SESSION, "ab" * 32, ("a reason",), {"decode": 0.125, "transcribe": 1 / 3}, 1_765_000_000.5
    )
    return PlanDoc(KEY, "v-1", state, prepared, plan)


def test_the_plan_document_round_trips_everything_a_later_step_reads() -> None:
    doc = _doc(pin=PersonPin(320.5, 180.25, 2.0))
    back = PlanDoc.from_json(doc.to_json())
    assert (back.upload_key, back.version, back.state, back.plan) == (
        doc.upload_key,
        doc.version,
        doc.state,
        doc.plan,
    )
    assert back.state.timings["transcribe"] == 1 / 3, "full precision"
    found, again = doc.prepared, back.prepared
    assert (again.info, again.transcript, again.windows, again.pin, again.models) == (
        found.info,
        found.transcript,
        found.windows,
        found.pin,
        found.models,
    )
    assert again.appearance is not None
    np.testing.assert_array_equal(again.appearance, found.appearance)
    assert again.model is None, "the model is loaded again by its run id where a step needs it"
    assert (back.patient, back.session, back.plan_id) == ("maria", SESSION, doc.plan_id)


def test_the_plan_id_follows_the_inputs_not_the_run() -> None:
    doc = _doc()
    later = replace(doc, state=replace(doc.state, timings={"decode": 9.0}, started=0.0, reasons=()))
    assert later.plan_id == doc.plan_id, "a retry with the same inputs finds the same plan"
    assert _doc(pin=PersonPin(1, 2, 0)).plan_id != doc.plan_id
    assert replace(doc, version="v-2").plan_id != doc.plan_id
    other_windows = replace(doc.prepared, windows=doc.prepared.windows[:1])
    assert replace(doc, prepared=other_windows).plan_id != doc.plan_id
    assert len(doc.plan_id) == 16


def test_the_workspace_keys_are_below_the_sessions_segments_prefix() -> None:
    doc = _doc()
    ws = doc.workspace
    prefix = f"{layout.segments_prefix('maria', SESSION)}{doc.plan_id}/"
    assert ws.plan == f"{prefix}plan.json"
    assert ws.audio == f"{prefix}audio.m4a"
    assert ws.join == f"{prefix}join.json"
    assert ws.segment(2) == f"{prefix}segment_002.json"
    assert ws.segment(2, ".mp4") == f"{prefix}segment_002.mp4"
    assert ws.drawn(11, ".mp4") == f"{prefix}draw_011.mp4"


def test_with_a_patient_model_every_segment_is_drawn_after_the_join() -> None:
    assert not _doc().draws_later
    assert _doc(patient_model="20261121T120000Z-abcdef12").draws_later


def test_another_document_is_not_read_as_a_plan() -> None:
    with pytest.raises(ValueError, match=SCHEMA):
        PlanDoc.from_json(b'{"schema": "voice.session/1"}')


def test_a_segment_result_round_trips_with_its_poses_colours_and_key_frames() -> None:
    people = (Person(3, standing(160, 100)), Person(7, standing(470, 100)))
    frames = [PoseFrame(i * 6, i * 6 / 29.97, 1280, 720, None, people).with_patient(3) for i in range(4)]
    result = SegmentResult(
        index=1,
        frames=frames,
        colours={3: (np.full(72, 0.5), 4), 7: (np.full(72, 0.25), 2)},
        key_frames=[KeyFrameImage(0, "happiness", 12, 12 / 29.97, b"\xff\xd8jpeg bytes\xff\xd9")],
        video=None,
        shown=120,
        timings={"pose": 1.5, "annotate": 0.25},
    )
    back = segment_from_json(segment_to_json(result, "plan-id"))
    assert [f.time_s for f in back.frames] == [f.time_s for f in frames], "exact times, not rounded"
    assert [f.patient_id for f in back.frames] == [3, 3, 3, 3]
    assert [p.person_id for p in back.frames[0].people] == [3, 7]
    assert back.frames[0].keypoints is not None
    np.testing.assert_allclose(back.frames[0].keypoints[1, :2], (160, 100), atol=1e-3)
    assert {k: (list(v[0][:2]), v[1]) for k, v in back.colours.items()} == {
        3: ([0.5, 0.5], 4),
        7: ([0.25, 0.25], 2),
    }
    assert back.key_frames == result.key_frames
    assert (back.index, back.video, back.shown, back.timings) == (1, None, 120, result.timings)
    with_part = segment_from_json(segment_to_json(replace(result, video=Path("/tmp/part.mp4")), "p"))
    assert with_part.video == Path("segment_001.mp4"), "a placeholder: the part is stored apart"
