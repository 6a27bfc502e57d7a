"""data/matlab_resize: MATLAB's imresize, the published benchmarks' downscaler."""

import numpy as np
import pytest

from tfgan_image.data import matlab_resize


def test_halving_weighs_neighbours_with_the_stretched_cubic_kernel():
    # Out pixel 1 of 4 -> 2 sits at input 1.5 (1-based); the kernel is 0.5 * cubic(0.5 * d):
    # d = 0.5 -> 0.43359375, 1.5 -> 0.11328125, 2.5 -> -0.03515625, 3.5 -> -0.01171875
    # (worked out by hand); inputs 0, -1, -2 and 5 mirror to 1, 2, 3 and 4 (MATLAB's
    # symmetric padding); the weights sum to 1.
    row = np.array([[1.0, 2.0, 3.0, 4.0]])
    near, mid, far, farther = 0.43359375, 0.11328125, -0.03515625, -0.01171875
    expected = (near * (1 + 2) + mid * (1 + 3) + far * (2 + 4) + farther * (3 + 4)) / (
        2 * (near + mid + far + farther))
    assert expected == pytest.approx(1.4609375)
    assert matlab_resize.imresize(row.T, 0.5)[0, 0] == pytest.approx(expected)
    assert matlab_resize.imresize(row.T, 0.5)[1, 0] == pytest.approx(5 - expected)


def test_resize_keeps_flat_images_flat_and_rounds_uint8():
    flat = np.full((12, 8, 3), 77, np.uint8)
    small = matlab_resize.downscale(flat, 4)
    assert small.shape == (3, 2, 3) and small.dtype == np.uint8 and (small == 77).all()
    big = matlab_resize.upscale(small, 4)
    assert big.shape == (12, 8, 3) and (big == 77).all()


def test_downscale_refuses_sides_that_are_not_multiples():
    with pytest.raises(ValueError, match="modcrop"):
        matlab_resize.downscale(np.zeros((10, 12, 3), np.uint8), 4)
