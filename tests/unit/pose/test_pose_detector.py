"""The person detector's decoding: anchors, weighted NMS, regions, MediaPipe's association."""

from __future__ import annotations

import math

import numpy as np

from voice.pose.pose_detector import Detection, anchors, associate, decode, rect_from_points, weighted_nms
from voice.pose.regions import Roi


def test_anchor_grids_are_mediapipes() -> None:
    pose = anchors()
    assert pose.shape == (2254, 2)  # 28² × 2 + 14² × 2 + 7² × 6
    assert np.allclose(pose[0], [0.5 / 28, 0.5 / 28])
    assert np.allclose(pose[-1], [6.5 / 7, 6.5 / 7])
    assert anchors(192, (8, 16, 16, 16)).shape == (2016, 2)  # the palm detector's


def test_weighted_nms_merges_overlapping_boxes_by_score_and_keeps_others() -> None:
    scores = np.array([0.9, 0.6, 0.8])
    boxes = np.array([[0.1, 0.1, 0.2, 0.2], [0.12, 0.1, 0.2, 0.2], [0.6, 0.6, 0.2, 0.2]])
    points = np.array([[[0.2, 0.2]], [[0.3, 0.2]], [[0.7, 0.7]]])
    found = weighted_nms(scores, boxes, points, 0.5)
    assert [round(d.score, 2) for d in found] == [0.9, 0.8]
    assert math.isclose(found[0].keypoints[0, 0], (0.9 * 0.2 + 0.6 * 0.3) / 1.5)
    assert math.isclose(found[0].box[0], (0.9 * 0.1 + 0.6 * 0.12) / 1.5)


def test_decode_places_boxes_on_anchors_and_takes_the_letterbox_off() -> None:
    centres = anchors()
    raw = np.zeros((1, 2254, 12), np.float32)
    logits = np.full((1, 2254, 1), -50.0, np.float32)
    i = 28 * 14 * 2  # the anchor at the middle of the first grid
    raw[0, i, 2:4] = 44.8  # 0.2 of the 224 input
    raw[0, i, 4:6] = (0.0, 22.4)  # first keypoint 0.1 below the anchor
    logits[0, i, 0] = 5.0
    found = decode((raw, logits), centres, 224, (0.0, 0.125), min_score=0.5, threshold=0.5)
    assert len(found) == 1
    d = found[0]
    assert math.isclose(d.score, 1 / (1 + math.exp(-5)), rel_tol=1e-6)
    x, y = centres[i]
    assert np.allclose(d.keypoints[0], [x, (y + 0.1 - 0.125) / 0.75])
    assert np.allclose(d.box[2:], [0.2, 0.2 / 0.75])


def test_the_region_is_centred_on_the_hips_and_turned_upright() -> None:
    # Hip centre at (0.5, 0.5) of a 400×200 frame, scale point 50 px straight above it.
    roi = rect_from_points(np.array([0.5, 0.5]), np.array([0.5, 0.25]), (400, 200))
    assert (roi.cx, roi.cy) == (200.0, 100.0)
    assert math.isclose(roi.size, 2 * 50 * 1.25)
    assert math.isclose(roi.rotation, 0.0, abs_tol=1e-12)
    leaning = rect_from_points(np.array([0.5, 0.5]), np.array([0.625, 0.5]), (400, 200))
    assert math.isclose(leaning.rotation, math.pi / 2)  # scale point to the right: turned a quarter


def test_association_prefers_later_regions_and_keeps_apart_ones() -> None:
    held = [Roi(100, 100, 100, 0.0), Roi(400, 100, 100, 0.0)]
    detected = [Roi(105, 100, 100, 0.3)]
    kept = associate([held, detected], 0.5)
    assert kept == [held[1], detected[0]]
    assert associate([held, []], 0.5) == held
    assert associate([[held[0], held[0]]], 0.5) == [held[0]]  # doubles within one list too


def test_a_detection_is_a_plain_record() -> None:
    d = Detection(0.7, np.zeros(4), np.zeros((4, 2)))
    assert d.score == 0.7


def test_on_a_sample_frame_the_one_person_is_found_around_her_body() -> None:
    """garden.mp4: Maria alone, upright, in the left half of a 480×360 frame."""
    from tests.support.pose_frames import pose_frames
    from voice.pose.pose_detector import PoseDetector

    bgr = pose_frames("garden.mp4", 1)[0].bgr
    detector = PoseDetector()
    found = detector.detect(bgr)
    assert len(found) == 1
    assert found[0].score > 0.9
    (roi,) = detector.regions(bgr)
    assert 0 < roi.cx < bgr.shape[1] / 2
    assert 0 < roi.cy < bgr.shape[0]
    assert bgr.shape[0] / 2 < roi.size < 2 * bgr.shape[0]
    assert abs(roi.rotation) < 0.5  # upright: hips below shoulders
    assert detector.detect(np.zeros_like(bgr)) == []  # a black frame holds no one
