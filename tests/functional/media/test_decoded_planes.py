"""The drawing pass's frames come as the decoder's 4:2:0 planes, upright and at the copy's size
(a bundled sample as it is; an iPhone's portrait HEVC scaled and turned), and its pose frames in
the very BGR they always came in: pose sees the same pixels, drawing skips two conversions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.media import sample
from voice.config import Settings
from voice.media.frames import Frame, FramePlan, frame_plans, iter_frames
from voice.media.pictures import i420_planes
from voice.media.probe import probe


def _first(video: Path, plan: FramePlan, n: int) -> list[Frame]:
    frames = iter_frames(video, plan)
    try:
        return [fr for _, fr in zip(range(n), frames, strict=False)]
    finally:
        frames.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("source", ["garden", "iphone"])
def test_shown_frames_are_planes_and_pose_frames_the_same_bgr(source: str, iphone_clip: Path) -> None:
    video = sample("garden.mp4") if source == "garden" else iphone_clip
    _, plan = frame_plans(probe(video), Settings())
    assert plan.planes
    before = {fr.index: fr for fr in _first(video, replace(plan, planes=False), 30)}
    after = _first(video, plan, 30)
    assert [fr.index for fr in after] == sorted(before)
    width, height = plan.size or (0, 0)
    posed = 0
    for fr in after:
        old = before[fr.index]
        if plan.poses(fr.index):
            np.testing.assert_array_equal(fr.bgr, old.bgr)  # pose's input, pixel for pixel
            posed += 1
        if not fr.shown:
            assert fr.i420 is None
            continue
        assert fr.i420 is not None
        assert fr.i420.shape == (height * 3 // 2, width)
        # The planes are the picture BGR showed, upright (turned the wrong way or mirrored, the
        # luma would differ by tens of levels): BGR → 4:2:0 loses a level or two, chroma a few.
        expected = i420_planes(cv2.cvtColor(old.bgr, cv2.COLOR_BGR2YUV_I420), width, height)
        got = i420_planes(fr.i420, width, height)
        assert np.mean(np.abs(got[0].astype(int) - expected[0])) < 1.5
        for plane in (1, 2):
            assert np.mean(np.abs(got[plane].astype(int) - expected[plane])) < 4
        assert np.mean(np.abs(fr.bgr.astype(int) - old.bgr)) < 3, "BGR when asked for: converted once"
    assert posed >= 2
    assert sum(fr.shown for fr in after) >= 10
