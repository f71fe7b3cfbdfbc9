"""Everyone's pose with BlazePose's models run directly: people found, the follower's economy,
several people's landmarks on two cores giving what one model gives (composited scenes)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.support import scenes
from voice.config import Settings
from voice.people.multi_pose import PeopleEstimator, _Landmarks
from voice.pose.litert import CLOCK
from voice.pose.pose_detector import PoseDetector

pytestmark = pytest.mark.slow  # the scenes are composited from a sample first (~2 s)


def _bgr(scene: scenes.Scene, n: int, every: int = 5) -> list[np.ndarray]:
    """Every ``every``-th of the scene's first frames (the pass's 5 fps at 25 fps), as BGR."""
    rgb = itertools.islice(scenes.frames(scene), 0, n * every, every)
    return [np.ascontiguousarray(f[..., ::-1]) for f in rgb]


@pytest.mark.parametrize("people", [1, 2, 4])
def test_everyone_in_a_row_is_found_with_their_torso_colours(people: int) -> None:
    (bgr,) = _bgr(scenes.row(people), 1)
    found = PeopleEstimator(Settings()).estimate(bgr, time_s=0.0)
    assert len(found) == people
    noses = sorted(d.keypoints[0, 0] for d in found)
    step = bgr.shape[1] / people
    assert [int(x // step) for x in noses] == list(range(people))  # one in each slot of the row
    assert all(d.appearance is not None for d in found)


def test_while_the_follower_holds_everyone_the_detector_does_not_run() -> None:
    frames = _bgr(scenes.row(2), 4)
    estimator = PeopleEstimator(Settings(pose_discover_s=60.0))
    CLOCK.reset()
    counts = []
    for i, bgr in enumerate(frames):
        assert len(estimator.estimate(bgr, time_s=i * 0.2)) == 2
        counts.append(dict(CLOCK.calls))
    assert estimator.slots == 2
    # The first frame: the search (detector once) and the follower on its regions.
    assert counts[0].get("pose_detection") == 1
    # Then only the landmark model, once per person and frame.
    assert counts[-1].get("pose_detection") == 1
    assert counts[-1]["pose_landmark_full"] - counts[0]["pose_landmark_full"] == 2 * (len(frames) - 1)


def test_several_regions_on_two_cores_give_what_one_model_gives_in_order() -> None:
    frames = _bgr(scenes.row(4), 2)
    regions = PoseDetector().regions(frames[0])
    assert len(regions) == 4
    both, one = _Landmarks(0.5), _Landmarks(0.5)
    try:
        for bgr in frames:
            together = both.find(bgr, regions)  # every other region in the helper thread
            alone = [one.find(bgr, [roi])[0] for roi in regions]  # one region at a time: no helper
            assert [a is None for a in together] == [b is None for b in alone]
            for a, b in zip(together, alone, strict=True):
                if a is not None and b is not None:
                    assert np.array_equal(a.points, b.points)
                    assert a.next_roi == b.next_roi
        assert sum(a is not None for a in together) == 4
    finally:
        both.close()
        one.close()
