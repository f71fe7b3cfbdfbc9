"""Tiers without overlaps: overlapping windows cut at the middle of their overlap, predictions as
bins centred on their windows, person tracks as in-view intervals."""

from __future__ import annotations

import itertools

from tests.support.labels import patient_frames
from voice.exchange.sources import MODEL, Interval
from voice.exchange.tiers import Annotation, bins, in_view, non_overlapping
from voice.pose.track import PoseTrack


def test_overlapping_annotations_are_cut_at_the_middle_of_their_overlap() -> None:
    out = non_overlapping(
        [Annotation(4.1, 8.1, "sadness"), Annotation(0.0, 5.0, "happiness"), Annotation(8.1, 9.0, "anger")]
    )
    assert [(a.start, a.end, a.value) for a in out] == [
        (0.0, 4.55, "happiness"),
        (4.55, 8.1, "sadness"),
        (8.1, 9.0, "anger"),
    ]


def test_an_annotation_inside_another_keeps_no_overlap() -> None:
    out = non_overlapping([Annotation(0.0, 10.0, "happiness"), Annotation(2.0, 4.0, "sadness")])
    assert all(a.end <= b.start for a, b in itertools.pairwise(out))
    assert out[0] == Annotation(0.0, 3.0, "happiness")


def _prediction(start: float, end: float, label: str) -> Interval:
    return Interval("s", MODEL, MODEL, start, end, label, "", f"{label} p=0.80")


def test_sliding_prediction_windows_become_bins_centred_on_them() -> None:
    # 4-s windows every 2 s: centres 2, 4, 6; bins 0–3, 3–5, 5–8.
    out = bins(
        [_prediction(0, 4, "happiness"), _prediction(2, 6, "sadness"), _prediction(4, 8, "sadness")], 7.5
    )
    assert [(a.start, a.end, a.value, a.note) for a in out] == [
        (0.0, 3.0, "happiness", "happiness p=0.80"),
        (3.0, 5.0, "sadness", "sadness p=0.80"),
        (5.0, 7.5, "sadness", "sadness p=0.80"),
    ]


def test_a_person_tier_is_the_times_they_are_in_view() -> None:
    spans = in_view(PoseTrack(patient_frames(absent=(3.0, 6.0))), 10.0)
    assert [(a.start, a.end) for a in spans[1]] == [(0.0, 10.0)]
    assert [(a.start, a.end) for a in spans[0]] == [(0.0, 3.0), (6.2, 10.0)]
