"""The overlay drawn on a frame's 4:2:0 planes is the overlay drawn in BGR, as the encoder sees it:
the same luma but for rounding, the same colour as 4:2:0 carries it, text boxes at even
positions, bystanders blurred on every plane."""

from __future__ import annotations

import cv2
import numpy as np

from tests.support.synthetic import standing
from voice.drawing.blur import FaceBlur, face_box
from voice.drawing.overlay import EMOTION_COLOURS, Overlay, draw_overlay, person_tags, text_boxes
from voice.drawing.planes import Planes, yuv_of
from voice.media.pictures import i420_planes
from voice.pose.body25 import Person, PoseFrame

WIDTH, HEIGHT = 640, 360


def _scene(seed: int = 3) -> np.ndarray:
    """A smooth picture (gradients and soft blobs): what a camera gives, not noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    channels = [
        80 + 60 * np.sin(xx / rng.uniform(40, 90) + c) + 40 * np.cos(yy / rng.uniform(30, 70))
        for c in range(3)
    ]
    return np.clip(np.dstack(channels), 0, 255).astype(np.uint8)


def _i420(bgr: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420))


def _pose() -> PoseFrame:
    patient, other = standing(220.0, 170.0, shoulder=90.0), standing(470.0, 190.0, shoulder=80.0)
    people = (Person(0, patient), Person(1, other))
    return PoseFrame(0, 0.0, WIDTH, HEIGHT, patient, people, 0)


def test_colours_are_the_conversion_the_encoder_applied_to_bgr() -> None:
    assert yuv_of((255, 255, 255)) == (235, 128, 128)  # BT.601, video range
    assert yuv_of((0, 0, 0)) == (16, 128, 128)
    for colour in EMOTION_COLOURS.values():
        block = _i420(np.full((4, 4, 3), colour, np.uint8))
        y, u, v = i420_planes(block, 4, 4)
        assert yuv_of(colour) == (int(y[0, 0]), int(u[0, 0]), int(v[0, 0]))


def test_the_overlay_on_planes_is_the_bgr_overlay_converted() -> None:
    scene, pose = _scene(), _pose()
    overlay = Overlay(caption="Maria is happy.", label="Maria: happiness", label_emotion="happiness")
    expected = i420_planes(_i420(draw_overlay(scene.copy(), pose, overlay)), WIDTH, HEIGHT)
    planes = Planes(_i420(scene))
    assert draw_overlay(planes, pose, overlay) is planes
    got = i420_planes(planes.i420, WIDTH, HEIGHT)
    untouched = i420_planes(_i420(scene), WIDTH, HEIGHT)
    boxes = text_boxes(WIDTH, HEIGHT, overlay) + person_tags(
        WIDTH, HEIGHT, pose, EMOTION_COLOURS["happiness"]
    )
    assert any(b.x % 2 or b.y % 2 for b in boxes), "a box at an odd position: it moves"
    in_box = np.zeros((HEIGHT, WIDTH), bool)
    for b in boxes:
        height, width = b.patch.shape[:2]
        in_box[b.y - 1 : b.y + height + 1, b.x - 1 : b.x + width + 1] = True
        # The box itself, at most a pixel up and left: its luma as BGR drawing converted it.
        x, y = b.x - b.x % 2, b.y - b.y % 2
        inner = np.abs(
            got[0][y : y + height, x : x + width].astype(int)
            - expected[0][b.y : b.y + height, b.x : b.x + width]
        )
        assert np.mean(inner <= 2) > 0.99
    # Lines and joints: where BGR drawing changed the picture, planes drawing changed it to the
    # same luma but for rounding.
    drawn = (np.abs(expected[0].astype(int) - untouched[0]) > 8) & ~in_box
    assert drawn.mean() > 0.01, "the two skeletons, the face and the hands cover a per cent or more"
    diff = np.abs(got[0].astype(int) - expected[0])
    assert np.mean(diff[drawn] <= 3) > 0.99
    assert np.mean(diff[~in_box]) < 0.2
    # Colour, at half size: the same within a few levels on average, and the lines' own colour.
    lines = ~in_box.reshape(HEIGHT // 2, 2, WIDTH // 2, 2).any(axis=(1, 3))
    for plane in (1, 2):
        assert np.mean(np.abs(got[plane].astype(int) - expected[plane])) < 1.5
        changed = (np.abs(expected[plane].astype(int) - untouched[plane]) > 8) & lines
        assert changed.sum() > 500
        assert (np.abs(got[plane].astype(int) - untouched[plane]) > 4)[changed].mean() > 0.8
        assert np.median(np.abs(got[plane].astype(int) - expected[plane])[changed]) <= 6


def test_a_text_box_goes_to_an_even_position_and_is_clipped_at_the_edges() -> None:
    patch = np.zeros((11, 15, 3), np.uint8)  # odd sizes: a white box with a black frame
    patch[1:-1, 1:-1] = 255
    planes = Planes(_i420(np.zeros((HEIGHT, WIDTH, 3), np.uint8)))
    planes.paste(patch, 101, 51)
    y, u, v = i420_planes(planes.i420, WIDTH, HEIGHT)
    bright = np.argwhere(y > 128)
    assert tuple(bright.min(axis=0)) == (51, 101), "white from (100, 50) + 1: the box moved up and left"
    assert tuple(bright.max(axis=0)) == (59, 113)
    assert (u == 128).all(), "grey stays grey"
    assert (v == 128).all()
    planes.paste(patch, WIDTH - 6, HEIGHT - 4)  # mostly outside
    planes.paste(patch, -7, -5)
    y, _, _ = i420_planes(planes.i420, WIDTH, HEIGHT)
    assert y[-1, -1] > 128
    assert y[0, 0] > 128


def test_a_bystanders_face_is_blurred_on_every_plane_and_the_patients_is_not() -> None:
    rng = np.random.default_rng(5)
    texture = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    pose = _pose()
    original = _i420(texture)
    planes = Planes(original.copy())
    FaceBlur()(planes, (pose, pose), 0.0, 0)
    bgr = texture.copy()
    FaceBlur()(bgr, (pose, pose), 0.0, 0)
    box = face_box(pose.people[1].keypoints)
    mine = face_box(pose.people[0].keypoints)
    assert box is not None
    assert mine is not None
    x0, y0, x1, y1 = box.pixels(1.0, 1.0, WIDTH, HEIGHT) or (0, 0, 0, 0)
    got, before = i420_planes(planes.i420, WIDTH, HEIGHT), i420_planes(original, WIDTH, HEIGHT)
    expected = i420_planes(_i420(bgr), WIDTH, HEIGHT)
    for plane, step in ((0, 1), (1, 2), (2, 2)):
        region = (slice(y0 // step, -(-y1 // step)), slice(x0 // step, -(-x1 // step)))
        face = got[plane][region].astype(float)
        assert np.var(np.diff(face, axis=1)) < 0.02 * np.var(
            np.diff(before[plane][region].astype(float), axis=1)
        )
        outside = np.ones(got[plane].shape, bool)
        outside[region] = False
        np.testing.assert_array_equal(got[plane][outside], before[plane][outside])
    # The luma of the blurred box is that of the BGR blur converted, within rounding.
    assert np.mean(np.abs(got[0][y0:y1, x0:x1].astype(int) - expected[0][y0:y1, x0:x1])) < 3
    mx0, my0, mx1, my1 = mine.pixels(1.0, 1.0, WIDTH, HEIGHT) or (0, 0, 0, 0)
    np.testing.assert_array_equal(got[0][my0:my1, mx0:mx1], before[0][my0:my1, mx0:mx1])


def test_the_key_frame_picture_is_the_planes_in_bgr() -> None:
    scene = _scene(4)
    planes = Planes(_i420(scene))
    back = planes.bgr()
    assert back.shape == scene.shape
    assert np.mean(np.abs(back.astype(int) - scene)) < 3
