"""Which person is the patient: the default rule and its ties, pins, the appearance cue."""

from __future__ import annotations

import numpy as np

from tests.support.synthetic import standing
from voice.people.patient import PatientChooser, longest_in_view
from voice.people.pin import PersonPin
from voice.people.track_stats import TrackStats
from voice.pose.body25 import Person, PoseFrame

SIZE = (640, 360)


def _stats(track_id: int, share: float, box: tuple[float, float], at: tuple[float, float]) -> TrackStats:
    return TrackStats(track_id, round(share * 50), share, 0.0, 10.0, box, at)


def _frame(i: int, people: dict[int, np.ndarray]) -> PoseFrame:
    persons = tuple(Person(k, kp) for k, kp in people.items())
    return PoseFrame(i * 5, i / 5, *SIZE, None, persons)


def test_the_person_in_view_longest_is_the_patient() -> None:
    choice = longest_in_view(
        [_stats(0, 0.4, (200, 300), (320, 180)), _stats(1, 0.9, (80, 120), (50, 60))], SIZE
    )
    assert (choice.track_id, choice.rule) == (1, "longest")
    assert "90%" in choice.reason


def test_equal_time_goes_to_the_bigger_then_to_the_one_nearer_the_centre() -> None:
    bigger = longest_in_view(
        [_stats(0, 1.0, (100, 150), (320, 180)), _stats(1, 0.99, (200, 300), (80, 180))], SIZE
    )
    assert bigger.track_id == 1
    assert "tied" not in bigger.reason
    central = longest_in_view(
        [_stats(0, 1.0, (200, 300), (100, 180)), _stats(1, 1.0, (195, 300), (330, 170))], SIZE
    )
    assert central.track_id == 1
    assert "centre" in central.reason


def test_nobody_and_only_one() -> None:
    assert longest_in_view([], SIZE).track_id is None
    only = longest_in_view([_stats(7, 0.3, (10, 10), (0, 0))], SIZE)
    assert only.track_id == 7
    assert only.reason == "the only person in the video"


def _two_people(chooser: PatientChooser, frames: int = 10, visitor_from: int = 4) -> None:
    for i in range(frames):
        people = {0: standing(160, 100)}
        if i >= visitor_from:
            people[1] = standing(470, 100)
        chooser.observe(_frame(i, people))


def test_a_pin_picks_the_person_under_it_at_its_time() -> None:
    chooser = PatientChooser(SIZE, pin=PersonPin(470, 150, t=1.0))
    _two_people(chooser)
    choice = chooser.final()
    assert (choice.track_id, choice.rule) == (1, "pinned")
    assert "(470, 150) at 1 s" in choice.reason


def test_before_the_pin_is_reached_the_default_rule_draws() -> None:
    chooser = PatientChooser(SIZE, pin=PersonPin(470, 150, t=1.0))
    chooser.observe(_frame(0, {0: standing(160, 100)}))
    assert chooser.current() == 0
    _two_people(chooser)
    assert chooser.current() == 1


def test_a_pin_on_nobody_gives_no_patient_and_says_so() -> None:
    chooser = PatientChooser(SIZE, pin=PersonPin(320, 20, t=0.0))
    _two_people(chooser)
    choice = chooser.final()
    assert choice.track_id is None
    assert "nobody was detected under the pinned point" in choice.reason


def test_a_pin_past_the_end_of_the_video_gives_no_patient() -> None:
    chooser = PatientChooser(SIZE, pin=PersonPin(160, 150, t=60.0))
    _two_people(chooser)
    assert chooser.current() == 0, "still drawing with the default rule"
    assert chooser.final().track_id is None


def _hist(hot: int) -> np.ndarray:
    h = np.full(72, 0.1 / 71)
    h[hot] = 0.9
    return h


def test_the_profile_colours_pick_the_patient_over_the_default_rule() -> None:
    chooser = PatientChooser(SIZE, appearance=_hist(5))
    for i in range(10):
        people = {0: standing(160, 100)}
        colours = {0: _hist(30)}
        if i >= 6:  # the patient is in view for less time
            people[1], colours[1] = standing(470, 100), _hist(5)
        chooser.observe(_frame(i, people), colours)
    choice = chooser.final()
    assert (choice.track_id, choice.rule) == (1, "appearance")


def test_colours_that_match_nobody_leave_the_default_rule() -> None:
    chooser = PatientChooser(SIZE, appearance=_hist(60))
    for i in range(10):
        chooser.observe(
            _frame(i, {0: standing(160, 100), 1: standing(470, 100)}), {0: _hist(5), 1: _hist(30)}
        )
    assert chooser.final().rule == "longest"
