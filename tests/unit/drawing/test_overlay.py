"""What a frame shows: the patient's skeleton in the emotion's colour, the others in grey, "not found";
every text inside the frame, whole, with its letters."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import moving_skeleton, standing
from voice.config import Settings
from voice.drawing.overlay import (
    EMOTION_COLOURS,
    OTHERS_COLOUR,
    Overlay,
    draw_overlay,
    person_tags,
    text_boxes,
)
from voice.drawing.text import text_patch
from voice.media.frames import even_size
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


# --- text that fits any frame --------------------------------------------------------------------

#: The longest label the narration gives, a model label, and a caption as long as cues get.
LONG = Overlay(
    caption="José is here with his sister Zoë and his\nfriend Łukasz, and they are playing with",
    label="Maria Fernanda: happiness (delighted), not counted: other person",
    label_emotion="",
    predicted="model: happiness 70%",
)


def _copy_size(width: int, height: int) -> tuple[int, int]:
    """The review copy's size of a source (the annotate settings, as the video pass sizes it)."""
    return even_size(width, height, Settings().annotate_max_short_side)


def _edge_people(width: int, height: int) -> PoseFrame:
    """Two people at the frame's top corners: their ids would fall outside."""
    people = (Person(3, standing(width - 20, 5)), Person(0, standing(15, 5)))
    return PoseFrame(0, 0.0, width, height, None, people).with_patient(0)


def _inside(box: tuple[int, int, int, int], width: int, height: int) -> bool:
    left, top, right, bottom = box
    return 0 <= left < right <= width and 0 <= top < bottom <= height


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(
    ("source", "copy"),
    [
        ((1080, 1920), (720, 1280)),
        ((480, 854), (480, 854)),
        ((1920, 1080), (1280, 720)),
        ((480, 360), (480, 360)),
    ],
)
def test_every_text_box_lies_inside_the_frame(source: tuple[int, int], copy: tuple[int, int]) -> None:
    """Portrait phone video (1080×1920 → a 720×1280 copy; 480×854 kept) and landscape alike."""
    width, height = _copy_size(*source)
    assert (width, height) == copy
    boxes = text_boxes(width, height, LONG, not_found=True)
    assert len(boxes) == 4
    assert all(_inside(b.box, width, height) for b in boxes), [b.box for b in boxes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a.box, b.box), (a.box, b.box)
    label, predicted, not_found, caption = (b.box for b in boxes)
    assert label[0] == predicted[0], "the labels top left"
    assert label[3] <= predicted[1], "one under the other"
    assert not_found[2] > 0.9 * width, "'patient not found' at the right"
    assert caption[3] > 0.8 * height, "the caption at the bottom"
    assert abs((caption[0] + caption[2]) / 2 - width / 2) <= 1, "centred"
    tags = person_tags(width, height, _edge_people(width, height), (0, 255, 0))
    assert len(tags) == 2
    assert all(_inside(t.box, width, height) for t in tags), [t.box for t in tags]


@pytest.mark.parametrize(("width", "height"), [(720, 1280), (480, 854), (240, 1280), (1280, 240)])
def test_drawn_text_is_whole_on_any_aspect_ratio(width: int, height: int) -> None:
    """Each box is pasted whole: the frame shows every pixel of the rendered text."""
    frame = draw_overlay(np.zeros((height, width, 3), np.uint8), PoseFrame(0, 0.0, width, height, None), LONG)
    for box in text_boxes(width, height, LONG, not_found=True):
        left, top, right, bottom = box.box
        assert _inside(box.box, width, height)
        np.testing.assert_array_equal(frame[top:bottom, left:right], box.patch)


def test_the_label_and_caption_keep_the_names_letters() -> None:
    """ "José" is drawn with its "é": the frame's caption is the render of the expected text."""
    overlay = Overlay(caption="José is happy.", label="José: happiness (happy)", label_emotion="happiness")
    frame = draw_overlay(np.zeros((360, 480, 3), np.uint8), None, overlay)
    label, caption = text_boxes(480, 360, overlay)
    for box, text, colour in ((label, "José: happiness (happy)", EMOTION_COLOURS["happiness"]),
                              (caption, "José is happy.", (255, 255, 255))):  # fmt: skip
        left, top, right, bottom = box.box
        shown = frame[top:bottom, left:right]
        expected = text_patch(text, colour, *_size_of(box.patch, text, colour))
        np.testing.assert_array_equal(shown, expected)
        ascii_fold = text_patch(text.replace("é", "e"), colour, *_size_of(box.patch, text, colour))
        assert not np.array_equal(shown, ascii_fold)


def _size_of(patch: np.ndarray, text: str, colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """The (px, max width, max height) that rendered ``patch``: found, not assumed."""
    for px in range(60, 5, -1):
        if text_patch(text, colour, px, 2000, 2000).shape == patch.shape:
            return px, 2000, 2000
    raise AssertionError("no size renders this patch")


def test_the_model_labels_middle_dot_is_drawn_as_itself() -> None:
    """ "happy · smiling": the dot is a glyph of its own, not a dash or a question mark."""
    blank = np.zeros((360, 640, 3), np.uint8)
    dot = draw_overlay(blank.copy(), None, Overlay(predicted="model: happy · smiling 70%"))
    dash = draw_overlay(blank.copy(), None, Overlay(predicted="model: happy - smiling 70%"))
    mark = draw_overlay(blank.copy(), None, Overlay(predicted="model: happy ? smiling 70%"))
    assert (dot != dash).any()
    assert (dot != mark).any()


def _drawn_a_line_at_a_time(
    bgr: np.ndarray, pose: PoseFrame, colour: tuple[int, int, int], thick: int = 2
) -> None:
    """The patient's face, hands and skeleton drawn one OpenCV call per chain, limb and joint."""
    import cv2

    from voice.drawing import overlay

    for points, chains in (
        (pose.face, overlay.FACE_RUNS),
        (pose.hand_left, [(c, False) for c in overlay.HAND_RUNS]),
        (pose.hand_right, [(c, False) for c in overlay.HAND_RUNS]),
    ):
        if points is None or not (points[:, 2] >= overlay.MIN_CONFIDENCE).any():
            continue
        xy = np.round(points[:, :2]).astype(np.int32)
        for chain, closed in chains:
            idx = list(chain)
            if (points[idx, 2] >= overlay.MIN_CONFIDENCE).all():
                cv2.polylines(bgr, [xy[idx]], closed, (235, 235, 235), 1, cv2.LINE_AA)
    pts = pose.people[0].keypoints
    for a, b in overlay.SKELETON:
        if pts[a, 2] >= overlay.MIN_CONFIDENCE and pts[b, 2] >= overlay.MIN_CONFIDENCE:
            pa, pb = (round(pts[a, 0]), round(pts[a, 1])), (round(pts[b, 0]), round(pts[b, 1]))
            cv2.line(bgr, pa, pb, colour, thick, cv2.LINE_AA)
    for x, y, c in pts:
        if c >= overlay.MIN_CONFIDENCE:
            cv2.circle(bgr, (round(x), round(y)), thick + 1, (255, 255, 255), -1, cv2.LINE_AA)


def _random_points(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` points, some off a 640×360 frame, on exact halves two times in five, of random
    confidence half the time."""
    xy = np.c_[rng.uniform(-60, 700, n), rng.uniform(-60, 420, n)]
    if rng.uniform() < 0.4:
        xy = np.round(xy * 2) / 2
    return np.c_[xy, rng.uniform(0, 1, n) if rng.uniform() < 0.5 else np.ones(n)]


@pytest.mark.parametrize("unit", [0.5, 1.0, 2.0, 3.3])
def test_skeletons_face_and_hands_drawn_in_few_calls_are_the_pixels_of_one_call_per_line(unit: float) -> None:
    """The limbs go to OpenCV in one polyline call, the joints in another (closed one-point
    polylines as thick as the circle is wide) and the face and hand chains in one call per run
    of open or closed ones (fewer hand-overs of the GIL in the drawing thread): the pixels are
    those of one ``cv2.line`` per limb, one ``cv2.circle`` per joint and one ``cv2.polylines``
    per chain, on random poses with coordinates off the frame and on exact halves (rounding),
    at every line width a copy's size gives."""
    from voice.drawing import overlay

    rng = np.random.default_rng(7)
    thick = max(1, round(2 * unit))
    for _ in range(150 if unit == 1.0 else 40):
        pose = PoseFrame(0, 0.0, 640, 360, None, (Person(1, _random_points(rng, 25)),)).with_patient(1)
        pose = pose.with_patient_parts(*(_random_points(rng, n) for n in (70, 21, 21)))
        frame = rng.integers(0, 255, (360, 640, 3), np.uint8)
        ours, theirs = frame.copy(), frame.copy()
        overlay._draw_face_hands(ours, pose, (1.0, 1.0))
        overlay._draw_people(ours, pose, (0, 200, 0), unit)
        _drawn_a_line_at_a_time(theirs, pose, (0, 200, 0), thick)
        assert np.array_equal(ours, theirs)
