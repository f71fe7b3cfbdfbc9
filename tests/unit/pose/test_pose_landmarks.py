"""Landmarks refined from their heatmaps, as MediaPipe's calculator does it."""

from __future__ import annotations

import numpy as np

from voice.pose.pose_landmarks import refine_from_heatmap


def _heatmap(peaks: dict[int, tuple[int, int]], n: int = 3, size: int = 64) -> np.ndarray:
    hm = np.full((size, size, n), -10.0, np.float32)  # sigmoid ≈ 0 everywhere
    for k, (row, col) in peaks.items():
        hm[row, col, k] = 10.0  # sigmoid ≈ 1
    return hm


def test_a_confident_peak_pulls_the_landmark_to_its_cell() -> None:
    xy = np.array([[31.5 / 64, 20.5 / 64]])
    out = refine_from_heatmap(xy, _heatmap({0: (22, 33)}, n=1))
    # The weighted mean cell, in cells / size (MediaPipe uses the cell index, not its centre).
    assert np.allclose(out[0], [33 / 64, 22 / 64], atol=1e-3)


def test_without_a_confident_cell_nearby_the_landmark_stays() -> None:
    xy = np.array([[0.5, 0.5], [0.1, 0.1]])
    out = refine_from_heatmap(xy, _heatmap({0: (60, 2)}, n=2))  # far from both windows
    assert np.array_equal(out, xy)


def test_points_off_the_heatmap_stay_and_the_row_check_is_mediapipes() -> None:
    xy = np.array([[-0.2, 0.5], [0.5, 1.02]])
    # The second point's row (65) is below the map; MediaPipe checks its column against the
    # height instead, so it is refined from the rows its window still covers.
    hm = _heatmap({1: (63, 32)}, n=2)
    out = refine_from_heatmap(xy, hm)
    assert np.array_equal(out[0], xy[0])
    assert np.allclose(out[1], [32 / 64, 63 / 64], atol=1e-3)


def test_on_a_sample_frame_the_landmarks_fall_on_the_person_and_give_the_next_region() -> None:
    from tests.support.pose_frames import pose_frames
    from voice.pose.pose_detector import PoseDetector
    from voice.pose.pose_landmarks import BodyModel

    frames = [fr.bgr for fr in pose_frames("garden.mp4", 2)]
    (roi,) = PoseDetector().regions(frames[0])
    model = BodyModel()
    found = model.find(frames[0], roi)
    assert found is not None
    assert found.presence > 0.9
    assert found.points.shape == (33, 3)
    nose, hips = found.points[0], found.points[23:25, :2].mean(axis=0)
    assert nose[1] < hips[1]  # head above the hips, in frame pixels
    assert nose[2] > 0.9  # the face is visible
    assert abs(found.next_roi.cx - roi.cx) < 0.1 * roi.size
    # The next frame's region (the follower's) finds her again, a fifth of a second on.
    again = model.find(frames[1], found.next_roi)
    assert again is not None
    assert np.median(np.hypot(*(again.points[:, :2] - found.points[:, :2]).T)) < 0.1 * roi.size
    assert model.find(np.zeros_like(frames[0]), roi) is None  # no one present
