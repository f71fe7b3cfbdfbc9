"""The segments of a long video joined into one: track ids across cuts, the patient, redraws.

Each segment tracked people on its own (:mod:`voice.segments.segment_pass`). Joining them:

1. **Links across a cut** (:func:`link_tracks`). Two neighbouring segments both estimated the
   poses of the ``link`` frames on either side of their cut (the same pictures). A track of the
   earlier segment and one of the later are the same person when their boxes overlap on those
   frames: the mean IoU over the frames where either is seen, pairs assigned optimally
   (Hungarian), at least ``MIN_LINK`` to count.
2. **One id per person.** Segment 0 keeps its ids; a track linked to the segment before takes
   that track's id; a newcomer keeps its id (segments number newcomers in blocks of their own);
   anything else keeps its id if free, else gets a fresh one in its segment's block.
3. **The patient over the whole video.** The joined samples (each segment's own frames, in
   order) and each person's torso colours (summed over the segments) go through the same
   :class:`~voice.people.patient.PatientChooser` as one pass: pin, profile colours, in view longest,
   decided on the whole video's statistics, not per segment.
4. **Redraws.** A segment drew with its own ids and the patient as it saw them; where that differs
   from the joined result on a frame it drew (an id, who is the patient, "patient not found"),
   the segment is drawn again from the joined poses (:func:`voice.segments.segment_pass.draw_segment`: one
   more decode of that segment, no pose). A segment finds the face and hands of the patient as
   it chose them; on the samples where that was someone else, the redraw finds the joined
   patient's (:func:`parts_to_find`), so samples keep the patient's face and hand features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from voice.people.estimator import patient_track
from voice.people.patient import PatientChoice, PatientChooser
from voice.people.pin import PersonPin
from voice.people.track_stats import TrackStats
from voice.people.tracking import box_of, iou
from voice.pose.body25 import PoseFrame
from voice.pose.track import PoseTrack
from voice.segments.plan import SegmentPlan
from voice.segments.segment_pass import ID_BLOCK, SegmentResult

__all__ = [
    "MIN_LINK",
    "Joined",
    "join_segments",
    "link_tracks",
    "needs_redraw",
    "parts_to_find",
    "segment_frames",
]

#: Mean box overlap on the shared frames at which two tracks are one person.
MIN_LINK = 0.3


@dataclass
class Joined:
    """The whole video's poses (final ids and patient), people, patient, and what to redraw."""

    ids: list[dict[int, int]]  # per segment: its track id → the joined id
    track: PoseTrack
    people: list[TrackStats]
    patient: PatientChoice
    appearance: np.ndarray | None = None
    redraw: list[int] = field(default_factory=list)


def _boxes(frames: Sequence[PoseFrame], shared: set[int]) -> dict[int, dict[int, np.ndarray]]:
    """frame → track id → box, on the shared frames."""
    return {
        f.frame: {p.person_id: box_of(p.keypoints) for p in f.people} for f in frames if f.frame in shared
    }


def link_tracks(before: Sequence[PoseFrame], after: Sequence[PoseFrame]) -> dict[int, int]:
    """Which track of ``after`` continues which track of ``before`` (module notes, 1)."""
    shared = {f.frame for f in before} & {f.frame for f in after}
    a, b = _boxes(before, shared), _boxes(after, shared)
    left = sorted({i for boxes in a.values() for i in boxes})
    right = sorted({j for boxes in b.values() for j in boxes})
    if not left or not right:
        return {}
    score = np.zeros((len(left), len(right)))
    for r, i in enumerate(left):
        for c, j in enumerate(right):
            seen = [f for f in shared if i in a[f] or j in b[f]]
            both = [iou(a[f][i], b[f][j]) for f in seen if i in a[f] and j in b[f]]
            score[r, c] = sum(both) / len(seen) if seen else 0.0
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    rows, cols = linear_sum_assignment(-score)
    return {right[c]: left[r] for r, c in zip(rows, cols, strict=True) if score[r, c] >= MIN_LINK}


def _global_ids(plan: SegmentPlan, results: Sequence[SegmentResult]) -> list[dict[int, int]]:
    """Per segment, its track ids → one id per person over the video (module notes, 2)."""
    maps: list[dict[int, int]] = []
    used: set[int] = set()
    for s, result in enumerate(results):
        local = sorted({p.person_id for f in result.frames for p in f.people})
        links = link_tracks(results[s - 1].frames, result.frames) if s else {}
        fresh = ID_BLOCK * s + ID_BLOCK // 2
        mapping: dict[int, int] = {}
        for track_id in local:
            if track_id in links:
                mapping[track_id] = maps[s - 1][links[track_id]]
            elif s == 0 or track_id >= ID_BLOCK * s or track_id not in used:
                mapping[track_id] = track_id
            else:
                while fresh in used:
                    fresh += 1
                mapping[track_id] = fresh
            used.add(mapping[track_id])
        maps.append(mapping)
    return maps


def _relabelled(frame: PoseFrame, mapping: dict[int, int]) -> PoseFrame:
    people = tuple(replace(p, person_id=mapping[p.person_id]) for p in frame.people)
    patient = None if frame.patient_id is None else mapping.get(frame.patient_id)
    return replace(frame, people=people, patient_id=patient)


def _drawn_differs(frame: PoseFrame, mapping: dict[int, int], patient: int | None) -> bool:
    """True when ``frame`` as the segment drew it differs from the joined result (module notes, 4)."""
    if any(mapping[p.person_id] != p.person_id for p in frame.people):
        return True
    drawn = None if frame.patient_id is None else mapping.get(frame.patient_id, frame.patient_id)
    present = {mapping[p.person_id] for p in frame.people}
    return drawn != patient and (patient in present or drawn in present)


def needs_redraw(
    plan: SegmentPlan, result: SegmentResult, mapping: dict[int, int], patient: int | None
) -> bool:
    """Whether segment ``result`` must be drawn again: it has no drawing (a pose-only pass), or a
    sample it drew with (its own and the ones on either side) differs from the joined result."""
    if result.video is None:
        return True
    seg = plan.segments[result.index]
    near = [f for f in result.frames if seg.first - plan.stride <= f.frame <= seg.stop]
    return any(_drawn_differs(f, mapping, patient) for f in near)


def join_segments(
    plan: SegmentPlan,
    results: Sequence[SegmentResult],
    *,
    size: tuple[int, int],
    pin: PersonPin | None = None,
    appearance: np.ndarray | None = None,
) -> Joined:
    """Join the segments' results (in segment order) into the whole video's (module notes)."""
    ordered = sorted(results, key=lambda r: r.index)
    if [r.index for r in ordered] != list(range(len(plan.segments))):
        raise ValueError("join_segments needs the result of every segment of the plan")
    maps = _global_ids(plan, ordered)
    chooser = PatientChooser(size, pin=pin, appearance=appearance)
    frames: list[PoseFrame] = []
    for result, mapping in zip(ordered, maps, strict=True):
        seg = plan.segments[result.index]
        for f in result.frames:
            if seg.first <= f.frame < seg.stop:
                joined = _relabelled(f, mapping)
                chooser.observe(joined)
                frames.append(joined)
        for track_id, (total, count) in sorted(result.colours.items()):
            chooser.add_colours(mapping[track_id], total, count)
    choice = chooser.final()
    redraw = [
        r.index for r, m in zip(ordered, maps, strict=True) if needs_redraw(plan, r, m, choice.track_id)
    ]
    colours = None if choice.track_id is None else chooser.appearance(choice.track_id)
    track = patient_track(PoseTrack(frames), choice.track_id)
    return Joined(maps, track, chooser.stats(), choice, colours, redraw)


def segment_frames(
    plan: SegmentPlan, result: SegmentResult, mapping: dict[int, int], patient: int | None
) -> list[PoseFrame]:
    """The poses segment ``result`` draws with, with the joined ids (``mapping``) and patient."""
    seg = plan.segments[result.index]
    near = [f for f in result.frames if seg.first - plan.stride <= f.frame <= seg.stop]
    return [_relabelled(f, mapping).with_patient(patient) for f in near]


def parts_to_find(
    plan: SegmentPlan, result: SegmentResult, mapping: dict[int, int], patient: int | None
) -> set[int]:
    """The segment's own samples where the joined ``patient`` is in view but the segment chose
    someone else (or nobody): its face and hands were never looked for there."""
    seg = plan.segments[result.index]
    return {
        f.frame
        for f in result.frames
        if seg.first <= f.frame < seg.stop
        and any(mapping[p.person_id] == patient for p in f.people)
        and (None if f.patient_id is None else mapping.get(f.patient_id)) != patient
    }
