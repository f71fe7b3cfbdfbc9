"""Everyone's pose with the models run directly: what MediaPipe's Tasks PoseLandmarker gave.

The Tasks graphs (on the bundle of the wheel's own weights, :mod:`voice.pose.bundle`) are the
reference: the same person found on the same frames, the landmarks of a detected person to a
tenth of a pixel, and the follower's smoothing of one person as the VIDEO-mode graph applies it
(without it the second frame is ~1.3 px off; with a filter started afresh after time 0, 2 px).
Tracking from frame to frame amplifies any
difference, as it amplifies invisible noise in the frames (docs/performance.md), so frames
further on are compared where it matters: tests/e2e/test_outputs_unchanged.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.pose_frames import pose_frames
from voice.config import Settings
from voice.people.multi_pose import PeopleEstimator
from voice.pose.body25 import from_mediapipe

pytestmark = pytest.mark.slow


def _tasks(video_mode: bool, poses: int):  # type: ignore[no-untyped-def]
    from mediapipe.tasks.python import BaseOptions, vision

    from voice.pose.bundle import load_bundle

    mode = vision.RunningMode.VIDEO if video_mode else vision.RunningMode.IMAGE
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(load_bundle())), running_mode=mode, num_poses=poses
    )
    return vision.PoseLandmarker.create_from_options(options)


def _tasks_body25(result, width: int, height: int) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return [
        from_mediapipe(np.array([(p.x, p.y, p.visibility) for p in pose]), width, height)
        for pose in result.pose_landmarks
    ]


def _image(bgr: np.ndarray):  # type: ignore[no-untyped-def]
    import cv2
    import mediapipe as mp

    return mp.Image(
        image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    )


@pytest.mark.parametrize("name", ["garden.mp4", "IMG_0412.MOV"])
def test_a_search_frame_gives_the_tasks_graphs_landmarks(name: str) -> None:
    """The first frame (a whole-frame search, then the follower on the same regions)."""
    frames = [fr.bgr for fr in pose_frames(name, 4)]
    tasks = _tasks(video_mode=False, poses=4)
    for bgr in frames:
        h, w = bgr.shape[:2]
        want = _tasks_body25(tasks.detect(_image(bgr)), w, h)
        found = PeopleEstimator(Settings()).estimate(bgr, time_s=0.0)  # a fresh one: a search
        assert len(found) == len(want) == 1
        d = np.hypot(*(found[0].keypoints[:, :2] - want[0][:, :2]).T)
        assert np.median(d) < 0.05, d
        assert np.quantile(d, 0.9) < 0.5, d
        assert np.abs(found[0].keypoints[:, 2] - want[0][:, 2]).max() < 0.01


def test_the_follower_smooths_one_person_as_the_video_graph_does() -> None:
    frames = [fr.bgr for fr in pose_frames("garden.mp4", 3)]
    tasks = _tasks(video_mode=True, poses=1)
    estimator = PeopleEstimator(Settings())
    for i, bgr in enumerate(frames):
        h, w = bgr.shape[:2]
        t_ms = i * 200
        want = _tasks_body25(tasks.detect_for_video(_image(bgr), t_ms), w, h)
        found = estimator.estimate(bgr, time_s=t_ms / 1000)
        d = np.hypot(*(found[0].keypoints[:, :2] - want[0][:, :2]).T)
        assert np.median(d) < 0.5, (i, np.median(d))
        assert np.abs(found[0].keypoints[:, 2] - want[0][:, 2]).max() < 0.01, i
