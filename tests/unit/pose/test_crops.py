"""A turned square of the frame as a model's input (MediaPipe's corner-to-corner mapping)."""

from __future__ import annotations

import math

import numpy as np

from voice.pose.crops import (
    BORDER_REPLICATE,
    BORDER_ZERO,
    crop,
    crop_into,
    letterbox,
    letterbox_into,
    to_frame_matrix,
)
from voice.pose.regions import Roi


def _gradient(width: int = 64, height: int = 48) -> np.ndarray:
    """B rises with x, G with y, R constant: every pixel tells where it came from."""
    x = np.tile(np.arange(width, dtype=np.uint8) * 3, (height, 1))
    y = np.tile((np.arange(height, dtype=np.uint8) * 4)[:, None], (1, width))
    return np.dstack([x, y, np.full_like(x, 200)])


def test_the_matrix_maps_input_corners_onto_the_region_corners() -> None:
    roi = Roi(100.0, 80.0, 40.0, math.pi / 2)
    m = to_frame_matrix(roi, 32)
    corners = np.array([[0, 0], [32, 0], [32, 32], [0, 32]], dtype=np.float64)
    mapped = corners @ m[:, :2].T + m[:, 2]
    # Turned a quarter clockwise: the input's top edge runs down the region's right side.
    assert np.allclose(mapped, [[120, 60], [120, 100], [80, 100], [80, 60]])


def test_an_upright_region_samples_the_frame_it_covers_as_rgb_in_range() -> None:
    bgr = _gradient()
    tensor, _ = crop(bgr, Roi(32.0, 24.0, 16.0, 0.0), 16)
    assert tensor.shape == (1, 16, 16, 3)
    assert tensor.dtype == np.float32
    # Input pixel (0, 0) is frame pixel (24, 16): RGB order, scaled to [0, 1].
    assert np.allclose(tensor[0, 0, 0], np.array([200, 16 * 4, 24 * 3]) / 255, atol=1e-6)
    assert np.allclose(tensor[0, 0, 5, 2] - tensor[0, 0, 4, 2], 3 / 255, atol=1e-6)


def test_outside_the_frame_is_zero_or_the_edge_repeated() -> None:
    bgr = _gradient()
    zero, _ = crop(bgr, Roi(0.0, 0.0, 16.0, 0.0), 16, border=BORDER_ZERO)
    edge, _ = crop(bgr, Roi(0.0, 0.0, 16.0, 0.0), 16, border=BORDER_REPLICATE)
    assert np.all(zero[0, 0, 0] == 0)
    assert np.allclose(edge[0, 0, 0], np.array([200, 0, 0]) / 255)


def test_the_letterbox_fits_the_long_side_and_reports_the_bars() -> None:
    bgr = _gradient(64, 48)
    tensor, (pad_x, pad_y) = letterbox(bgr, 32, scale=2 / 255, offset=-1.0)
    assert (pad_x, pad_y) == (0.0, 0.125)  # 8 of 64 rows above and below
    assert np.all(tensor[0, :3] == -1.0)  # the bars are black, scaled to -1
    assert tensor.min() >= -1.0
    assert tensor.max() <= 1.0


def test_the_tensor_is_exactly_rgb_converted_then_scaled_and_offset() -> None:
    """Every byte value through both normalisations: the numbers MediaPipe's converter gives
    (float32 of the byte, × scale, + offset), bit for bit."""
    bgr = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    roi = Roi(32.0, 32.0, 64.0, 0.0)  # the whole image, pixel for pixel
    for scale, offset in ((1 / 255, 0.0), (2 / 255, -1.0)):
        tensor, _ = crop(bgr, roi, 64, scale=scale, offset=offset)
        want = bgr[:, :, ::-1].astype(np.float32) * np.float32(scale) + np.float32(offset)
        assert tensor.flags.c_contiguous
        assert np.array_equal(tensor[0], want)


def test_writing_into_a_buffer_gives_the_tensor_a_fresh_one_holds() -> None:
    bgr = np.random.default_rng(1).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    roi = Roi(30.0, 20.0, 50.0, 0.4)  # turned, partly outside the frame
    for border in (BORDER_ZERO, BORDER_REPLICATE):
        tensor, to_frame = crop(bgr, roi, 24, scale=2 / 255, offset=-1.0, border=border)
        target = np.full((1, 24, 24, 3), np.nan, dtype=np.float32)
        made = crop_into(target, bgr, roi, scale=2 / 255, offset=-1.0, border=border)
        assert np.array_equal(made, to_frame)
        assert np.array_equal(target, tensor)
    boxed, pad = letterbox(bgr, 32, scale=1 / 255, offset=0.0)
    target = np.full((1, 32, 32, 3), np.nan, dtype=np.float32)
    assert letterbox_into(target, bgr, scale=1 / 255, offset=0.0) == pad
    assert np.array_equal(target, boxed)
