"""The drawing thread blurs bystanders' faces on every frame it draws, at the box interpolated
between the pose samples around the frame, before the overlay (and only when asked)."""

from __future__ import annotations

import numpy as np

from tests.support.synthetic import standing
from voice.drawing.blur import face_box, faces_between
from voice.drawing.drawer import Drawer
from voice.drawing.overlay import Overlay
from voice.media.frames import Frame
from voice.pose.body25 import Person, PoseFrame

WIDTH, HEIGHT, FPS = 640, 480, 25.0


def _sample(index: int, bystander_x: float) -> PoseFrame:
    patient, bystander = standing(150.0, 250.0, shoulder=100.0), standing(bystander_x, 250.0, shoulder=100.0)
    people = (Person(0, patient), Person(1, bystander))
    return PoseFrame(index, index / FPS, WIDTH, HEIGHT, patient, people, 0)


def _texture() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def _drawn(blur: bool, samples: dict[int, PoseFrame]) -> dict[int, np.ndarray]:
    """Frames 0–10 drawn (every one kept as a key frame), with pose samples on 0, 5 and 10."""
    drawn: dict[int, np.ndarray] = {}
    drawer = Drawer(None, lambda fr, _pose, _key, img: drawn.__setitem__(fr.index, img.copy()), blur=blur)
    for i in range(11):
        drawer.put(Frame(i, i / FPS, _texture(), (WIDTH, HEIGHT)), samples.get(i), Overlay(), (i, "none"))
    drawer.close()
    return drawn


def test_the_blur_follows_the_bystander_between_samples_and_leaves_the_rest() -> None:
    samples = {0: _sample(0, 400.0), 5: _sample(5, 450.0), 10: _sample(10, 500.0)}
    plain, blurred = _drawn(False, samples), _drawn(True, samples)
    assert sorted(plain) == sorted(blurred) == list(range(11))
    for i in range(11):
        before, after = samples[i - i % 5], samples.get(i - i % 5 + 5)
        box = faces_between(before, after, i / FPS)[1]
        x0, y0, x1, y1 = box.pixels(1.0, 1.0, WIDTH, HEIGHT) or (0, 0, 0, 0)
        changed = np.argwhere((plain[i] != blurred[i]).any(axis=2))
        assert (changed.min(axis=0) >= (y0, x0)).all(), i
        assert (changed.max(axis=0) < (y1, x1)).all(), f"frame {i}: only the interpolated box changes"
        assert len(changed) > 0.5 * (x1 - x0) * (y1 - y0), i
    first, last = face_box(samples[0].people[1].keypoints), face_box(samples[10].people[1].keypoints)
    assert first is not None
    assert last is not None
    assert first.x1 < last.x1, "the box moved with the bystander"


def test_without_blur_the_frames_are_the_overlay_alone() -> None:
    samples = {0: _sample(0, 400.0), 5: _sample(5, 450.0), 10: _sample(10, 500.0)}
    plain = _drawn(False, samples)
    box = face_box(samples[5].people[1].keypoints)
    assert box is not None
    x0, y0, x1, y1 = box.pixels(1.0, 1.0, WIDTH, HEIGHT) or (0, 0, 0, 0)
    region = (slice(y0, y1), slice(x0, x1))
    same = (plain[5][region] == _texture()[region]).all(axis=2).mean()
    assert same > 0.8, "the face is there, under a few skeleton lines"
