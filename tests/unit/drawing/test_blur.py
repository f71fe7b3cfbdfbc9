"""Bystanders' faces blurred: where the box is, how it moves between samples, who is spared, how
much detail is left (synthetic skeletons over a textured frame; the real sample is in
tests/e2e/test_bystanders.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.synthetic import standing
from voice.drawing.blur import CELLS_ACROSS, FaceBlur, FaceBox, face_box, faces_between
from voice.pose.body25 import Person, PoseFrame

WIDTH, HEIGHT = 640, 480


def _texture(seed: int = 0) -> np.ndarray:
    """A frame full of fine detail (every pixel its own value)."""
    return np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def _detail(patch: np.ndarray) -> float:
    """High-frequency energy: the variance of the Laplacian of the grey patch."""
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_BGR2GRAY).astype(np.float64)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _frame(time_s: float, people: dict[int, np.ndarray], patient_id: int | None) -> PoseFrame:
    crowd = tuple(Person(pid, kp) for pid, kp in people.items())
    patient = people.get(patient_id) if patient_id is not None else None
    return PoseFrame(0, time_s, WIDTH, HEIGHT, patient, crowd, patient_id)


def _region(box: FaceBox | None) -> tuple[slice, slice]:
    assert box is not None
    x0, y0, x1, y1 = box.pixels(1.0, 1.0, WIDTH, HEIGHT) or (0, 0, 0, 0)
    return slice(y0, y1), slice(x0, x1)


def test_the_face_box_covers_the_head_points_padded() -> None:
    kp = standing(320.0, 200.0, shoulder=100.0)
    box = face_box(kp)
    assert box is not None
    head = kp[[0, 15, 16, 17, 18], :2]
    assert box.x0 < head[:, 0].min() - 10
    assert box.x1 > head[:, 0].max() + 10
    assert box.y0 < head[:, 1].min() - 10
    assert box.y1 > head[:, 1].max() + 10
    assert box.y1 < kp[1, 1] + 1, "the box ends at the neck, not on the chest"


def test_a_face_turned_aside_keeps_a_face_sized_box() -> None:
    """Eyes close together (a profile) do not shrink the box: the nose-to-neck distance holds it."""
    front = standing(320.0, 200.0, shoulder=100.0)
    profile = front.copy()
    profile[[15, 16], 0] = profile[0, 0]  # both eyes over the nose
    profile[[17, 18], 2] = 0.0  # ears not seen
    a, b = face_box(front), face_box(profile)
    assert a is not None
    assert b is not None
    assert (b.x1 - b.x0) >= 0.5 * (a.x1 - a.x0)


def test_without_head_points_the_head_is_put_above_the_shoulders() -> None:
    kp = standing(320.0, 200.0, shoulder=100.0)
    kp[[0, 15, 16, 17, 18], 2] = 0.0
    box = face_box(kp)
    assert box is not None
    assert box.y1 < kp[1, 1] + 1
    assert box.x0 < 320.0 < box.x1
    kp[[2, 5], 2] = 0.0
    assert face_box(kp) is None, "nothing to place a box by"


def test_boxes_move_between_samples_and_a_person_seen_once_keeps_the_box() -> None:
    a = _frame(1.0, {0: standing(200.0, 200.0), 1: standing(400.0, 200.0)}, 0)
    b = _frame(1.2, {0: standing(220.0, 200.0), 2: standing(500.0, 200.0)}, 0)
    boxes = faces_between(a, b, 1.05)
    assert sorted(boxes) == [0, 1, 2], "everyone in either sample"
    box_a, box_b = face_box(standing(200.0, 200.0)), face_box(standing(220.0, 200.0))
    assert box_a is not None
    assert box_b is not None
    assert boxes[0].x0 == pytest.approx(box_a.x0 + 0.25 * (box_b.x0 - box_a.x0))
    assert boxes[1] == face_box(standing(400.0, 200.0)), "gone from the later sample: its last box"
    assert boxes[2] == face_box(standing(500.0, 200.0)), "new in the later sample: its box already"
    assert faces_between(None, b, 1.1) == faces_between(b, None, 1.3) == faces_between(b, b, 1.2)


def test_a_bystanders_face_loses_its_detail_and_the_patients_is_untouched() -> None:
    patient, bystander = standing(200.0, 200.0, shoulder=100.0), standing(450.0, 200.0, shoulder=100.0)
    pose = _frame(1.0, {0: patient, 1: bystander}, 0)
    original, frame = _texture(), _texture()
    FaceBlur()(frame, (pose, pose), 1.0, 0)
    mine, theirs = _region(face_box(patient)), _region(face_box(bystander))
    np.testing.assert_array_equal(frame[mine], original[mine])
    assert _detail(frame[theirs]) < 0.01 * _detail(original[theirs])
    changed = np.argwhere((frame != original).any(axis=2))
    assert changed[:, 1].min() >= theirs[1].start
    assert changed[:, 1].max() < theirs[1].stop, "nothing outside the bystander's box changes"
    assert changed[:, 0].min() >= theirs[0].start
    assert changed[:, 0].max() < theirs[0].stop


def test_the_blurred_face_keeps_only_a_few_samples_across() -> None:
    bystander = standing(450.0, 200.0, shoulder=100.0)
    pose = _frame(1.0, {1: bystander}, None)
    frame = _texture()
    FaceBlur()(frame, (pose, None), 1.0, None)
    face = frame[_region(face_box(bystander))].astype(np.float64)
    import cv2

    small = cv2.resize(
        face,
        (CELLS_ACROSS, round(CELLS_ACROSS * face.shape[0] / face.shape[1])),
        interpolation=cv2.INTER_AREA,
    )
    again = cv2.resize(small, (face.shape[1], face.shape[0]), interpolation=cv2.INTER_LINEAR)
    assert np.abs(again - face).mean() < 2.0, "nothing finer than CELLS_ACROSS samples is left"


def test_with_no_patient_chosen_everyone_is_blurred() -> None:
    people = {0: standing(200.0, 200.0, shoulder=100.0), 1: standing(450.0, 200.0, shoulder=100.0)}
    pose = _frame(1.0, people, None)
    original, frame = _texture(), _texture()
    FaceBlur()(frame, (pose, pose), 1.0, None)
    for kp in people.values():
        region = _region(face_box(kp))
        assert _detail(frame[region]) < 0.01 * _detail(original[region])


def test_the_patients_face_is_spared_under_an_overlapping_bystander_box() -> None:
    patient, bystander = standing(300.0, 200.0, shoulder=100.0), standing(360.0, 210.0, shoulder=100.0)
    pose = _frame(1.0, {0: patient, 1: bystander}, 0)
    original, frame = _texture(), _texture()
    FaceBlur()(frame, (pose, pose), 1.0, 0)
    mine = _region(face_box(patient))
    np.testing.assert_array_equal(frame[mine], original[mine])
    theirs = _region(face_box(bystander))
    assert (frame[theirs] != original[theirs]).any(), "the rest of the bystander's box is blurred"


def test_boxes_follow_the_frame_size_when_it_is_smaller_than_the_source() -> None:
    """Pose coordinates are the source's; a review copy at half size blurs the same place."""
    bystander = standing(450.0, 200.0, shoulder=100.0)
    pose = _frame(1.0, {1: bystander}, 0)
    small = _texture()[::2, ::2].copy()
    original = small.copy()
    FaceBlur()(small, (pose, pose), 1.0, 0)
    box = face_box(bystander)
    assert box is not None
    x0, y0, x1, y1 = box.pixels(0.5, 0.5, WIDTH // 2, HEIGHT // 2) or (0, 0, 0, 0)
    changed = np.argwhere((small != original).any(axis=2))
    assert (changed.min(axis=0) >= (y0, x0)).all()
    assert (changed.max(axis=0) < (y1, x1)).all()
    assert len(changed) > 0.9 * (x1 - x0) * (y1 - y0)


def test_only_the_patient_in_view_changes_nothing() -> None:
    pose = _frame(1.0, {0: standing(300.0, 200.0)}, 0)
    frame = _texture()
    FaceBlur()(frame, (pose, pose), 1.0, 0)
    np.testing.assert_array_equal(frame, _texture())
