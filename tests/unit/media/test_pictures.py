"""4:2:0 planes turned upright plane by plane (the display rotation of phone videos)."""

from __future__ import annotations

import numpy as np
import pytest

from voice.media.pictures import i420_planes, turned


@pytest.mark.parametrize(("code", "turns"), [(0, -1), (1, 2), (2, 1)])
def test_planes_are_turned_plane_by_plane(code: int, turns: int) -> None:
    """cv2.rotate codes: 0 a quarter clockwise, 1 half, 2 a quarter counter-clockwise."""
    rng = np.random.default_rng(code)
    width, height = 10, 6
    y, u, v = (rng.integers(0, 256, shape, dtype=np.uint8) for shape in ((6, 10), (3, 5), (3, 5)))
    i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(-1, width)
    out = turned(i420, (width, height), code)
    new_w, new_h = (width, height) if turns == 2 else (height, width)
    assert out.shape == (new_h * 3 // 2, new_w)
    for got, plane in zip(i420_planes(out, new_w, new_h), (y, u, v), strict=True):
        np.testing.assert_array_equal(got, np.rot90(plane, turns))
