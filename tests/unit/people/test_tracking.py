"""People across frames: duplicates merged, track ids through crossings and absences."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice.people.tracking import PersonTracker, box_of, merge_duplicates

FPS = 5.0  # sampled frames per second, as the pipeline's default


def _hist(hot: int, bins: int = 72) -> np.ndarray:
    h = np.full(bins, 0.2 / (bins - 1))
    h[hot] = 0.8
    return h


def test_box_is_around_the_confident_keypoints() -> None:
    kp = standing(100, 50, shoulder=40)
    kp[10:15, 2] = 0.1  # legs not seen
    x0, y0, x1, y1 = box_of(kp)
    assert x0 == pytest.approx(100 - 0.62 * 40)
    assert x1 == pytest.approx(100 + 0.62 * 40)
    assert y0 == pytest.approx(50 - 0.65 * 40)
    assert y1 == pytest.approx(50 + 3.55 * 40)  # the toes are still confident


def test_a_second_detection_of_the_same_body_is_merged_and_the_more_confident_stays() -> None:
    a = standing(200, 100, confidence=0.8)
    double = standing(204, 102, confidence=0.95)
    double[9:15, 1] += 40  # another guess of the legs, the same head and shoulders
    other = standing(420, 100)
    kept = merge_duplicates([a, other, double])
    assert len(kept) == 2
    assert kept[0] is other, "order kept"
    assert kept[1] is double, "the confident double stays"


def test_two_people_side_by_side_are_not_merged() -> None:
    assert len(merge_duplicates([standing(200, 100), standing(290, 100)])) == 2


def _crossing_ids(hidden: range, appearances: bool) -> tuple[set[int], set[int]]:
    """A walks right, B walks left at the same height; B hides A during ``hidden`` frames."""
    tracker = PersonTracker()
    ids_a, ids_b = set(), set()
    for i in range(60):
        t = i / FPS
        a, b = standing(100 + 8 * i, 120), standing(580 - 8 * i, 120)
        people = [b] if i in hidden else [a, b]
        looks = ([_hist(1)] if i in hidden else [_hist(0), _hist(1)]) if appearances else None
        ids = tracker.update(t, people, looks)
        if i not in hidden and abs((100 + 8 * i) - (580 - 8 * i)) > 150:  # clearly apart
            ids_a.add(ids[0])
            ids_b.add(ids[1])
    return ids_a, ids_b


@pytest.mark.parametrize("appearances", [True, False])
def test_ids_hold_when_two_people_cross(appearances: bool) -> None:
    ids_a, ids_b = _crossing_ids(range(25, 36), appearances)
    assert len(ids_a) == 1
    assert len(ids_b) == 1
    assert ids_a != ids_b


def _away_and_back(away_s: float) -> tuple[list[int], list[int]]:
    """Someone stays; a visitor leaves for ``away_s`` seconds and comes back a little aside."""
    tracker = PersonTracker(memory_s=4.0)
    stay, visitor = standing(150, 120), standing(450, 120)
    first = tracker.update(0.0, [stay, visitor])
    t = 0.0
    while t < away_s:
        t += 1 / FPS
        assert tracker.update(t, [stay]) == first[:1]
    return first, tracker.update(t + 1 / FPS, [stay, standing(470, 125)])


def test_someone_back_within_the_memory_keeps_their_id_and_later_does_not() -> None:
    first, back = _away_and_back(3.0)
    assert back == first
    first, late = _away_and_back(5.0)
    assert late[0] == first[0]
    assert late[1] not in first, "away longer than the memory: a new id"


def test_colours_keep_two_people_apart_when_they_swap_places_out_of_view() -> None:
    tracker = PersonTracker()
    a, b = standing(150, 120), standing(450, 120)
    first = tracker.update(0.0, [a, b], [_hist(0), _hist(40)])
    tracker.update(0.2, [], [])
    # back after a short absence, each where the other was: colours decide
    assert tracker.update(1.0, [b, a], [_hist(0), _hist(40)]) == first


def test_someone_back_with_arms_and_legs_in_view_keeps_their_id() -> None:
    """The size a returning person must have is judged by head and shoulders: arms and legs come
    and go with the region their landmarks were found in (here guessed far below the hips)."""
    tracker = PersonTracker()
    legs = [10, 11, 13, 14, 19, 20, 21, 22, 23, 24]
    upper = standing(300, 120)
    upper[[3, 4, 6, 7, *legs], 2] = 0.0  # head, shoulders and hips only
    first = tracker.update(0.0, [upper], [None])
    tracker.update(0.2, [], [])
    back = standing(340, 120)
    back[legs, 1] += 100
    assert tracker.update(0.6, [back], [None]) == first
