"""Torso colour histograms: the same shirt matches wherever it is, different shirts do not, and a torso
that is not seen gives no histogram."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice.people.appearance import BINS, similarity, torso_histogram

W, H = 640, 360
RED, BLUE, GREY, DARK_GREY = (200, 30, 30), (30, 60, 200), (128, 128, 128), (60, 60, 60)


def _person_in(
    shirt: tuple[int, int, int], x: float, *, shoulder: float = 60.0
) -> tuple[np.ndarray, np.ndarray]:
    """An RGB frame (a noisy beige wall) with a person whose torso, shoulders to hips, is ``shirt``."""
    import cv2

    rng = np.random.default_rng(int(x))
    rgb = np.clip(rng.normal((214, 208, 196), 6, (H, W, 3)), 0, 255).astype(np.uint8)
    kp = standing(x, 80, shoulder=shoulder)
    torso = np.round(kp[[2, 5, 12, 9], :2]).astype(np.int32)
    cv2.fillConvexPoly(rgb, torso, shirt)
    shirt_noise = rng.normal(0, 4, rgb.shape)
    inside = np.zeros((H, W), np.uint8)
    cv2.fillConvexPoly(inside, torso, 1)
    rgb[inside == 1] = np.clip(rgb[inside == 1] + shirt_noise[inside == 1], 0, 255).astype(np.uint8)
    return rgb, kp


def test_a_histogram_sums_to_one_over_the_hsv_bins() -> None:
    hist = torso_histogram(*_person_in(RED, 200))
    assert hist is not None
    assert hist.shape == (BINS[0] * BINS[1] * BINS[2],)
    assert hist.sum() == pytest.approx(1.0)
    assert similarity(hist, hist) == pytest.approx(1.0)


def test_the_same_shirt_matches_elsewhere_and_at_another_size() -> None:
    red_left = torso_histogram(*_person_in(RED, 150))
    red_right = torso_histogram(*_person_in(RED, 480, shoulder=40))
    blue = torso_histogram(*_person_in(BLUE, 480))
    assert red_left is not None
    assert red_right is not None
    assert blue is not None
    assert similarity(red_left, red_right) > 0.9
    assert similarity(red_left, blue) < 0.2


def test_grey_clothes_are_told_apart_by_brightness() -> None:
    light = torso_histogram(*_person_in(GREY, 200))
    dark = torso_histogram(*_person_in(DARK_GREY, 200))
    assert light is not None
    assert dark is not None
    assert similarity(light, dark) < 0.3


def test_keypoints_of_a_smaller_copy_are_scaled_to_the_full_frame() -> None:
    rgb, kp = _person_in(BLUE, 300)
    small = kp.copy()
    small[:, :2] /= 2  # the pose was found on a half-size copy of the frame
    full = torso_histogram(rgb, kp)
    scaled = torso_histogram(rgb, small, scale=2.0)
    assert full is not None
    assert scaled is not None
    assert similarity(full, scaled) > 0.99


def test_without_hips_a_square_below_the_shoulders_is_the_torso() -> None:
    rgb, kp = _person_in(RED, 300)
    kp[[9, 12], 2] = 0.1  # hips out of view
    hist = torso_histogram(rgb, kp)
    reference = torso_histogram(*_person_in(RED, 300))
    assert hist is not None
    assert reference is not None
    assert similarity(hist, reference) > 0.8


def test_unseen_shoulders_or_a_tiny_torso_give_no_histogram() -> None:
    rgb, kp = _person_in(RED, 300)
    unsure = kp.copy()
    unsure[5, 2] = 0.3
    assert torso_histogram(rgb, unsure) is None
    assert torso_histogram(*_person_in(RED, 300, shoulder=3)) is None, "too few pixels"
    outside = kp.copy()
    outside[:, 0] += 2 * W
    assert torso_histogram(rgb, outside) is None, "off the frame"


def test_similarity_of_histograms_without_overlap_is_zero() -> None:
    a, b = np.zeros(72), np.zeros(72)
    a[0], b[1] = 1.0, 1.0
    assert similarity(a, b) == 0.0
    assert similarity(a, (a + b) / 2) == pytest.approx(np.sqrt(0.5))
