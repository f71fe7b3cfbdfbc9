"""Joining segments: tracks linked across cuts, one id per person, the patient chosen over the whole
video (not per segment), and the segments whose drawing differs from the joined result."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.synthetic import standing
from voice.body25 import Person, PoseFrame
from voice.config import Settings
from voice.joining import join_segments, link_tracks, segment_frames
from voice.media import VideoInfo
from voice.patient import PatientChooser
from voice.pin import PersonPin
from voice.segment_pass import ID_BLOCK, SegmentResult
from voice.segments import SegmentPlan, plan_segments

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
