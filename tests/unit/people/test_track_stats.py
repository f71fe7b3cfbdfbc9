"""Per-track statistics: frames seen, share of the video, first and last time, mean box and position."""

from __future__ import annotations

import pytest

from tests.support.synthetic import standing
from voice.people.track_stats import track_stats

FPS = 5.0  # sampled frames per second, as the pipeline's default


def test_stats_per_track() -> None:
    frames = []
    for i in range(10):
        people = [(0, standing(100, 100, shoulder=40))]
        if i >= 6:
            people.append((1, standing(300 + 10 * i, 120, shoulder=20)))
        frames.append((i / FPS, people))
    s0, s1 = track_stats(frames)
    assert (s0.track_id, s0.frames, s0.share) == (0, 10, 1.0)
    assert (s1.track_id, s1.frames, s1.share) == (1, 4, 0.4)
    assert s1.first_s == pytest.approx(6 / FPS)
    assert s1.last_s == pytest.approx(9 / FPS)
    assert s0.mean_box[0] == pytest.approx(2 * 0.62 * 40)
    assert s1.mean_position[0] == pytest.approx(300 + 10 * 7.5)
    assert s0.mean_area > s1.mean_area
    assert s1.record().share == 0.4
