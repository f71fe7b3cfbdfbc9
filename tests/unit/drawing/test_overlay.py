"""What a frame shows: the patient's skeleton in the emotion's colour, the others in grey, "not found"."""

from __future__ import annotations

import numpy as np

from tests.support.synthetic import moving_skeleton, standing
from voice.drawing.overlay import EMOTION_COLOURS, OTHERS_COLOUR, Overlay, draw_overlay
from voice.pose.body25 import Person, PoseFrame


def _two(patient: int | None = 4) -> PoseFrame:
    people = (Person(7, standing(470, 100)), Person(4, standing(160, 100)))
    return PoseFrame(15, 0.6, 640, 360, None, people).with_patient(patient)


def test_the_patient_is_drawn_in_the_emotion_colour_and_the_others_in_grey() -> None:
    canvas = draw_overlay(np.zeros((360, 640, 3), np.uint8), _two(), Overlay(label_emotion="sadness"))
    left, right = canvas[:, :320].reshape(-1, 3), canvas[:, 320:].reshape(-1, 3)
    sad, grey = np.array(EMOTION_COLOURS["sadness"]), np.array(OTHERS_COLOUR)
    assert (left == sad).all(axis=1).sum() > 200, "the patient (#4, left) in the emotion's colour"
    assert (right == sad).all(axis=1).sum() == 0
    assert (right == grey).all(axis=1).sum() > 100, "the other person (#7, right) in grey"


def test_a_frame_without_the_patient_carries_a_visible_marker() -> None:
    blank = np.zeros((360, 640, 3), np.uint8)
    lost = draw_overlay(blank.copy(), PoseFrame(0, 0.0, 1280, 720, None), Overlay())
    assert lost[:60, 320:].any(), "a marker in the top right corner"
    assert not draw_overlay(blank.copy(), None, Overlay()).any(), "no sample at all: nothing drawn"
    found = draw_overlay(blank.copy(), PoseFrame(0, 0.0, 1280, 720, moving_skeleton(0.0)), Overlay())
    assert not found[:40, 480:].any(), "no marker when the patient is found"


def test_the_model_labels_middle_dot_is_drawn_as_a_dash_not_a_question_mark() -> None:
    blank = np.zeros((360, 640, 3), np.uint8)
    dot = draw_overlay(blank.copy(), None, Overlay(predicted="model: happy · smiling 70%"))
    dash = draw_overlay(blank.copy(), None, Overlay(predicted="model: happy - smiling 70%"))
    mark = draw_overlay(blank.copy(), None, Overlay(predicted="model: happy ? smiling 70%"))
    np.testing.assert_array_equal(dot, dash)
    assert (dot != mark).any()
