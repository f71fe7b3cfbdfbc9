"""Joining segments: tracks linked across cuts, one id per person, the patient chosen over the whole
video (not per segment), and the segments whose drawing differs from the joined result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice.config import Settings
from voice.media.probe import VideoInfo
from voice.people.patient import PatientChooser
from voice.people.pin import PersonPin
from voice.pose.body25 import Person, PoseFrame
from voice.segments.joining import (
    join_segments,
    link_tracks,
    needs_redraw,
    parts_to_find,
    segment_frames,
)
from voice.segments.plan import SegmentPlan, plan_segments
from voice.segments.segment_pass import ID_BLOCK, SegmentResult

SIZE = (640, 480)
LEFT, RIGHT = standing(180, 150), standing(460, 150)


def _plan(segments: int = 3) -> SegmentPlan:
    info = VideoInfo(60.0 * segments, 25.0, *SIZE, 1500 * segments, True, "h264")
    return plan_segments(info, Settings(segment_s=60, segment_link_s=1.0))


def _segment(
    plan: SegmentPlan,
    index: int,
    who: dict[int, np.ndarray],
    visible: Callable[[int, float], bool] | None = None,
) -> SegmentResult:
    """Segment ``index`` as its pass reports it: its pose frames (link frames included), everyone
    in ``who`` (local id → pose) in view (when ``visible(id, seconds into the segment)``), the
    patient chosen as a fresh chooser would have chosen it, frame by frame."""
    seg = plan.segments[index]
    first, stop = plan.pose_span(seg)
    stop = min(stop, 1500 * len(plan.segments))
    chooser = PatientChooser(SIZE)
    frames = []
    for f in range(first, stop, plan.stride):
        t = f / plan.fps
        people = tuple(
            Person(i, kp) for i, kp in who.items() if visible is None or visible(i, t - seg.start_s)
        )
        frame = PoseFrame(f, t, *SIZE, None, people)
        chooser.observe(frame)
        frames.append(frame.with_patient(chooser.current()))
    own = sum(1 for f in frames if seg.first <= f.frame < seg.stop)
    colours = {i: (np.full(4, 0.25) * own, own) for i in who}
    return SegmentResult(index, frames, colours, video=None if index < 0 else _video(index), shown=own * 5)


def _video(index: int) -> Path:
    return Path(f"segment_{index:03d}.mp4")


def test_the_people_on_both_sides_of_a_cut_are_matched_by_their_boxes() -> None:
    plan = _plan(2)
    before = _segment(plan, 0, {0: LEFT, 1: RIGHT})
    moved = np.array([3.0, 2.0, 0.0])
    after = _segment(plan, 1, {1: LEFT + moved, 0: RIGHT - moved})  # ids swapped, moved a little
    assert link_tracks(before.frames, after.frames) == {1: 0, 0: 1}
    # Nobody near anybody: no link.
    far = _segment(plan, 1, {0: standing(320, 400)})
    assert link_tracks(before.frames, far.frames) == {}


def test_one_person_keeps_one_id_and_nothing_is_redrawn() -> None:
    plan = _plan(3)
    results = [_segment(plan, i, {0: LEFT}) for i in range(3)]
    joined = join_segments(plan, results, size=SIZE)
    assert joined.ids == [{0: 0}, {0: 0}, {0: 0}]
    assert [p.track_id for p in joined.people] == [0]
    assert joined.patient.track_id == 0
    assert joined.redraw == []
    # Every sample of the video once, in order, the patient on each.
    assert [f.frame for f in joined.track.frames] == list(range(0, 4500, plan.stride))
    assert all(f.patient_id == 0 and f.keypoints is not None for f in joined.track.frames)


def test_the_patient_is_chosen_over_the_whole_video_not_per_segment() -> None:
    plan = _plan(3)
    # A is in view throughout but for 35 s of the middle segment, where B stays 50 s: over the
    # middle segment B is in view longer, over the video A is.

    def middle(who: int, t: float) -> bool:
        return t < 50.0 if who == ID_BLOCK else not 20.0 <= t < 55.0

    results = [
        _segment(plan, 0, {0: LEFT}),
        _segment(plan, 1, {0: LEFT, ID_BLOCK: RIGHT}, middle),
        _segment(plan, 2, {0: LEFT}),
    ]
    local_choice = results[1].frames[-1].patient_id
    assert local_choice == ID_BLOCK, "the middle segment alone would pick B"
    joined = join_segments(plan, results, size=SIZE)
    assert joined.patient.track_id == 0
    assert joined.patient.rule == "longest"
    assert {p.track_id for p in joined.people} == {0, ID_BLOCK}
    # The middle segment drew B as the patient: it is drawn again, with A as the patient.
    assert joined.redraw == [1]
    drawn = segment_frames(plan, results[1], joined.ids[1], joined.patient.track_id)
    assert {f.patient_id for f in drawn} == {0}
    assert drawn[0].frame == plan.segments[1].first - plan.stride
    assert drawn[-1].frame == plan.segments[1].stop
    # Its face and hands were looked for on B: they are found for A where A is in view.
    middle_seg = plan.segments[1]
    wanted = parts_to_find(plan, results[1], joined.ids[1], joined.patient.track_id)
    chose_b = {
        f.frame
        for f in results[1].frames
        if middle_seg.first <= f.frame < middle_seg.stop
        and f.patient_id == ID_BLOCK
        and any(p.person_id == 0 for p in f.people)
    }
    assert chose_b
    assert wanted == chose_b
    assert parts_to_find(plan, results[0], joined.ids[0], joined.patient.track_id) == set()


def test_a_pin_in_one_segment_names_the_patient_everywhere() -> None:
    plan = _plan(3)
    results = [_segment(plan, i, {0: LEFT, 1: RIGHT}) for i in range(3)]
    # A pin on the right-hand person at 150 s (in the last segment).
    pin = PersonPin(460.0, 200.0, 150.0)
    joined = join_segments(plan, results, size=SIZE, pin=pin)
    right = joined.ids[2][1]
    assert joined.patient.track_id == right
    assert joined.patient.rule == "pinned"
    # Each segment alone drew the first-numbered of two people tied on time and size, and not the
    # pinned one: each is drawn again.
    assert [r.frames[-1].patient_id for r in results] == [0, 0, 0]
    assert joined.redraw == [0, 1, 2]


def test_an_unlinked_track_that_reuses_a_taken_id_gets_a_fresh_one() -> None:
    plan = _plan(2)
    before = _segment(plan, 0, {0: LEFT, 1: RIGHT})
    # In the second segment someone else entirely (far from both) holds id 1 from the start.
    after = _segment(plan, 1, {0: LEFT, 1: standing(320, 420)})
    joined = join_segments(plan, [before, after], size=SIZE)
    assert joined.ids[1][0] == 0
    assert joined.ids[1][1] not in {0, 1}
    assert joined.ids[1][1] >= ID_BLOCK
    assert 1 in joined.redraw, "its label was drawn as #1"


def test_torso_colours_are_summed_over_the_segments() -> None:
    plan = _plan(2)
    results = [_segment(plan, i, {0: LEFT}) for i in range(2)]
    joined = join_segments(plan, results, size=SIZE)
    assert joined.appearance is not None
    assert np.allclose(joined.appearance, 0.25)


def test_ids_swapped_by_a_restart_are_put_back_and_that_segment_is_drawn_again() -> None:
    plan = _plan(2)
    before = _segment(plan, 0, {0: LEFT, 1: RIGHT})
    after = _segment(plan, 1, {1: LEFT, 0: RIGHT})  # the restarted tracker numbered them the other way
    joined = join_segments(plan, [before, after], size=SIZE)
    assert joined.ids == [{0: 0, 1: 1}, {1: 0, 0: 1}]
    assert {p.track_id for p in joined.people} == {0, 1}
    # Each person's frames over the whole video: every sample of both segments.
    seen = {p.track_id: p.frames for p in joined.people}
    assert seen == {0: 3000 // plan.stride, 1: 3000 // plan.stride}
    assert joined.redraw == [1]
    # Redrawn with the joined ids: LEFT is #0 on both sides of the cut.
    drawn = segment_frames(plan, after, joined.ids[1], joined.patient.track_id)
    left = {p.person_id for f in drawn for p in f.people if p.keypoints[0, 0] < 320}
    assert left == {0}


def test_a_newcomer_keeps_the_id_its_segment_gave_it_and_nothing_is_redrawn() -> None:
    plan = _plan(3)
    results = [
        _segment(plan, 0, {0: LEFT}),
        _segment(plan, 1, {0: LEFT, ID_BLOCK: RIGHT}, lambda who, t: who == 0 or t >= 30.0),
        _segment(plan, 2, {0: LEFT, 1: RIGHT}),
    ]
    joined = join_segments(plan, results, size=SIZE)
    assert joined.ids == [{0: 0}, {0: 0, ID_BLOCK: ID_BLOCK}, {0: 0, 1: ID_BLOCK}]
    assert joined.patient.track_id == 0
    assert joined.redraw == [2], "segment 2 drew the newcomer as #1, the joined video calls it #1000"


def test_a_pose_only_segment_is_always_drawn_after_the_join() -> None:
    plan = _plan(2)
    results = [_segment(plan, 0, {0: LEFT}), _segment(plan, 1, {0: LEFT})]
    results[1].video = None  # a pass that ran pose only (a patient model labels the drawing)
    joined = join_segments(plan, results, size=SIZE)
    assert joined.redraw == [1]
    assert needs_redraw(plan, results[0], joined.ids[0], joined.patient.track_id) is False


def test_join_needs_every_segment() -> None:
    plan = _plan(3)
    results = [_segment(plan, i, {0: LEFT}) for i in (0, 2)]
    with pytest.raises(ValueError, match="every segment"):
        join_segments(plan, results, size=SIZE)
