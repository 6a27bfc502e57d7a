"""metrics: Frechet and kernel distances, classifier score, PSNR / SSIM on Y with the
papers' crops, feature distance."""

import numpy as np
import pytest
import skimage.data
from PIL import Image

from tfgan_image import (
    features,
    metrics,
)


def test_frechet_distance_by_hand_1d():
    # a: mean 0, sample variance 2; b: mean 3, variance 8.
    # (0 - 3)^2 + 2 + 8 - 2 sqrt(2 * 8) = 9 + 10 - 8 = 11
    a = np.array([[-1.0], [1.0]])
    b = np.array([[1.0], [5.0]])
    assert metrics.frechet_distance(a, b) == pytest.approx(11.0)

def test_frechet_distance_by_hand_diagonal_2d():
    # Per dimension, as in the 1-D case: dim 0 gives 11, dim 1 (identical sets) gives 0.
    a = np.array([[-1.0, 0.0], [1.0, 0.0], [-1.0, 2.0], [1.0, 2.0]])
    b = np.array([[1.0, 0.0], [5.0, 0.0], [1.0, 2.0], [5.0, 2.0]])
    # variances: a dim0 = 4/3, b dim0 = 16/3; mean gap 3
    #   -> 9 + 4/3 + 16/3 - 2*sqrt(64/9) = 9+20/3-16/3
    assert metrics.frechet_distance(a, b) == pytest.approx(9 + 4 / 3)

def test_frechet_distance_same_set_is_zero_and_shift_is_squared():
    x = np.random.default_rng(0).normal(size=(500, 8))
    assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    assert metrics.frechet_distance(x, x + 2.0) == pytest.approx(8 * 4.0, rel=1e-6)

def test_kernel_distance_by_hand():
    # k(a, b) = (a b / 1 + 1)^3. x = {0, 1}, y = {0, 2}:
    # within x: k(0,1) = 1 -> 1; within y: k(0,2) = 1 -> 1;
    # across: k(0,0)=1, k(0,2)=1, k(1,0)=1, k(1,2)=27 -> mean 7.5; MMD^2 = 1 + 1 - 15.
    x, y = np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]])
    assert metrics.kernel_distance(x, y, num_subsets=1) == pytest.approx(-13.0)

def test_kernel_distance_is_near_zero_for_one_distribution_and_large_across():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(400, 16)), rng.normal(size=(400, 16))
    assert abs(metrics.kernel_distance(a, b, subset_size=200)) < 0.05
    assert metrics.kernel_distance(a, b + 1.0, subset_size=200) > 1.0

def test_classifier_score_bounds():
    confident = np.eye(10)[np.arange(1000) % 10] * 50.0
    assert metrics.classifier_score(confident) == pytest.approx(10.0, rel=1e-6)
    collapsed = np.tile(np.eye(10)[3] * 50.0, (100, 1))
    assert metrics.classifier_score(collapsed) == pytest.approx(1.0, rel=1e-6)
    uncertain = np.zeros((100, 10))
    assert metrics.classifier_score(uncertain) == pytest.approx(1.0)

def test_class_histogram_and_psnr():
    logits = np.eye(10)[[0, 0, 1, 9]]
    assert metrics.class_histogram(logits).tolist() == [0.5, 0.25] + [0.0] * 7 + [0.25]
    # MSE 0.04 on a range of 2: 10 log10(4 / 0.04) = 20 dB
    assert metrics.psnr(np.zeros(10), np.full(10, 0.2)) == pytest.approx(20.0)

def test_bad_feature_shape():
    with pytest.raises(ValueError, match=r"\[N, D\]"):
        metrics.frechet_distance(np.zeros(3), np.zeros(3))


def test_image_metrics():
    white, black = np.full((8, 8, 3), 255, np.uint8), np.zeros((8, 8, 3), np.uint8)
    np.testing.assert_allclose(metrics.rgb_to_y(white), 235.0, atol=1e-3)
    np.testing.assert_allclose(metrics.rgb_to_y(black), 16.0)
    grey = np.full((16, 16, 3), 100, np.uint8)
    assert abs(metrics.image_psnr(grey, grey + 10) - 10 * np.log10(255 ** 2 / 100)) < 1e-9
    assert metrics.image_ssim(grey, grey) == pytest.approx(1.0)
    noisy = np.clip(grey + np.random.default_rng(0).normal(0, 20, grey.shape), 0, 255)
    assert metrics.image_ssim(grey, noisy.astype(np.uint8)) < 0.9


def test_super_resolution_psnr_matches_a_hand_computation():
    # 7x7 HR, x2: modcrop to 6x6, then 2 border pixels shaved -> the central 2x2 window.
    high = np.zeros((7, 7, 3), np.uint8)
    prediction = np.zeros((6, 6, 3), np.uint8)
    prediction[2, 2] = (255, 0, 0)     # inside the window: Y differs by 65.481
    prediction[0, 5] = (255, 255, 255)  # in the shaved border: ignored
    expected = 10 * np.log10(255.0 ** 2 / (65.481 ** 2 / 4))   # = 17.83 dB
    assert metrics.super_resolution_psnr(high, prediction, 2) == pytest.approx(expected)
    assert expected == pytest.approx(17.8291, abs=1e-4)
    # Y of white is 235 and of black 16 (MATLAB rgb2ycbcr), whatever the crop.
    np.testing.assert_allclose(metrics.rgb_to_y(np.array([[255, 255, 255], [0, 0, 0]])),
                               [235.0, 16.0], atol=1e-9)
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.super_resolution_psnr(high, np.zeros((7, 7, 3), np.uint8), 2)


def test_super_resolution_ssim_uses_the_same_crop():
    rng = np.random.default_rng(0)
    high = rng.integers(0, 256, (41, 43, 3), dtype=np.uint8)
    cropped = metrics.modcrop(high, 4)
    assert cropped.shape == (40, 40, 3)
    assert metrics.super_resolution_ssim(high, cropped, 4) == pytest.approx(1.0)
    noisy = np.clip(cropped + rng.normal(0, 20, cropped.shape), 0, 255).astype(np.uint8)
    assert metrics.super_resolution_ssim(high, noisy, 4) == pytest.approx(
        metrics.image_ssim(cropped, noisy, y_channel=True, border=4))


def test_feature_distance_is_zero_for_identical_images_and_grows_with_blur():
    extractor = features.vgg_features(("block1", "block2"), backbone="hed_vgg16")
    image = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((64, 64)))
    blurred = np.asarray(Image.fromarray(image).resize((16, 16)).resize((64, 64)))
    assert metrics.feature_distance(extractor, image, image) == pytest.approx(0.0, abs=1e-9)
    slightly = np.asarray(Image.fromarray(image).resize((32, 32)).resize((64, 64)))
    far, near = (metrics.feature_distance(extractor, image, other) for other in (blurred, slightly))
    assert far > near > 0
    assert metrics.feature_distance(extractor, blurred, image) == pytest.approx(far, rel=1e-5)
