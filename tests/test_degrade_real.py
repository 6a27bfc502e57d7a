"""data/degrade_real: Real-ESRGAN's second-order degradation, its kernels, resizing and noise,
checked on hand-computed values."""

import dataclasses
import math

import numpy as np
import pytest
import tensorflow as tf
from conftest import smooth_image

from tfgan_image.data import degrade, degrade_real
from tfgan_image.data.degrade_real import (
    KERNEL_SIZE,
    DegradationStage,
    RealDegradeSettings,
    filter_image,
    gaussian_or_poisson_noise,
    random_resize,
    shaped_kernel,
    sinc_kernel,
)

SEED = tf.constant([3, 4], tf.int64)
CENTRE = KERNEL_SIZE // 2


def test_an_isotropic_gaussian_kernel_is_the_outer_product_of_the_1d_one():
    kernel = shaped_kernel("gaussian", 1.5, 1.5, 0.0, 1.0, KERNEL_SIZE).numpy()
    one_d = degrade.gaussian_kernel_1d(1.5, CENTRE).numpy()
    np.testing.assert_allclose(kernel, np.outer(one_d, one_d), atol=1e-7)


def test_anisotropic_kernels_rotate_and_shapes_follow_their_formulas():
    wide = shaped_kernel("gaussian", 3.0, 1.0, 0.0, 1.0, KERNEL_SIZE).numpy()
    turned = shaped_kernel("gaussian", 3.0, 1.0, math.pi / 2, 1.0, KERNEL_SIZE).numpy()
    np.testing.assert_allclose(turned, wide.T, atol=1e-7)
    assert wide[CENTRE, CENTRE + 3] > wide[CENTRE + 3, CENTRE]   # wider along x
    # beta 1 makes the generalised Gaussian a Gaussian.
    np.testing.assert_allclose(
        shaped_kernel("generalized", 2.0, 1.0, 0.3, 1.0, KERNEL_SIZE).numpy(),
        shaped_kernel("gaussian", 2.0, 1.0, 0.3, 1.0, KERNEL_SIZE).numpy(), atol=1e-7)
    # Plateau, sigma 1, beta 1: 1 / (1 + d), so one pixel off the centre weighs half of it.
    plateau = shaped_kernel("plateau", 1.0, 1.0, 0.0, 1.0, KERNEL_SIZE).numpy()
    assert plateau[CENTRE, CENTRE + 1] / plateau[CENTRE, CENTRE] == pytest.approx(0.5)
    assert plateau[CENTRE + 2, CENTRE + 1] / plateau[CENTRE, CENTRE] == pytest.approx(1 / 6)


def test_a_kernel_is_zero_outside_its_support_and_sums_to_one():
    kernel = shaped_kernel("gaussian", 5.0, 5.0, 0.0, 1.0, 7).numpy()
    assert kernel.sum() == pytest.approx(1.0)
    inside = np.zeros_like(kernel, bool)
    inside[CENTRE - 3:CENTRE + 4, CENTRE - 3:CENTRE + 4] = True
    assert (kernel[~inside] == 0).all() and (kernel[inside] > 0).all()


def test_the_sinc_kernel_is_a_circular_low_pass_by_hand():
    kernel = sinc_kernel(math.pi, KERNEL_SIZE).numpy()
    assert kernel.sum() == pytest.approx(1.0)
    # cutoff J1(cutoff r) / (2 pi r) against cutoff^2 / (4 pi) at the centre: 2 J1(pi) / pi.
    assert kernel[CENTRE, CENTRE + 1] / kernel[CENTRE, CENTRE] == pytest.approx(0.181192, 1e-4)
    np.testing.assert_allclose(kernel, kernel.T, atol=1e-8)
    # A lower cutoff passes less of a fine pattern: its response to a 3-pixel stripe falls.
    freq = np.abs(np.fft.fft2(np.pad(sinc_kernel(math.pi / 3, KERNEL_SIZE).numpy(),
                                     [(0, 42)] * 2)))
    assert freq[0, 0] == pytest.approx(1.0, abs=1e-5) and freq[0, 21] < 0.2


@pytest.mark.parametrize("size", [(3, 2), (40, 33)])
def test_filtering_keeps_a_flat_image_flat_at_any_size(size):
    flat = tf.fill([*size, 3], 0.4)
    kernel = shaped_kernel("gaussian", 3.0, 1.0, 0.5, 1.0, KERNEL_SIZE)
    np.testing.assert_allclose(filter_image(flat, kernel).numpy(), 0.4, atol=1e-5)
    image = smooth_image(*size)
    np.testing.assert_allclose(filter_image(image, degrade_real.pulse_kernel()).numpy(), image,
                               atol=1e-5)
    # The same as a direct (zero-padded, normalised) convolution.
    padded = np.pad(image, [(10, 10), (10, 10), (0, 0)])
    mass = np.pad(np.ones(size), 10)
    k = kernel.numpy()
    direct = np.stack([np.stack([
        (padded[y:y + 21, x:x + 21] * k[..., None]).sum((0, 1)) / (mass[y:y + 21, x:x + 21]
                                                                 * k).sum()
        for x in range(size[1])]) for y in range(size[0])])
    np.testing.assert_allclose(filter_image(image, kernel).numpy(), direct, atol=1e-5)


def test_resizing_keeps_shrinks_or_enlarges_within_the_drawn_range():
    image = tf.zeros([40, 60, 3])
    size = tf.constant([40, 60])
    keep = DegradationStage(resize_probs=(0.0, 0.0, 1.0))
    down = DegradationStage(resize_probs=(0.0, 1.0, 0.0), resize_range=(0.5, 2.0))
    up = DegradationStage(resize_probs=(1.0, 0.0, 0.0), resize_range=(0.5, 2.0))
    assert random_resize(image, SEED, keep, size).shape == (40, 60, 3)
    for s in range(5):
        seed = tf.constant([s, 1], tf.int64)
        small = random_resize(image, seed, down, size).shape
        large = random_resize(image, seed, up, size).shape
        assert 20 <= small[0] <= 40 and 30 <= small[1] <= 60   # a scale in [0.5, 1]
        assert 40 <= large[0] <= 80 and 60 <= large[1] <= 120  # a scale in [1, 2]
        assert small[1] / 60 == pytest.approx(small[0] / 40, abs=0.05)   # one scale, both sides


def test_gaussian_noise_has_its_std_and_grey_noise_is_the_same_in_every_channel():
    image = tf.fill([128, 128, 3], 0.5)
    stage = DegradationStage(gaussian_noise_prob=1.0, noise_range=(10.0, 10.0),
                             gray_noise_prob=1.0)
    noise = gaussian_or_poisson_noise(image, SEED, stage).numpy() - 0.5
    assert noise.std() == pytest.approx(10 / 255, rel=0.05)
    np.testing.assert_array_equal(noise[..., 0], noise[..., 2])
    colour = dataclasses.replace(stage, gray_noise_prob=0.0)
    noise = gaussian_or_poisson_noise(image, SEED, colour).numpy() - 0.5
    assert np.abs(noise[..., 0] - noise[..., 2]).mean() > 0.01


def test_poisson_noise_has_the_shot_noise_std_of_256_levels():
    image = tf.fill([128, 128, 3], 0.5)
    stage = DegradationStage(gaussian_noise_prob=0.0, poisson_scale_range=(1.0, 1.0),
                             gray_noise_prob=0.0)
    noise = gaussian_or_poisson_noise(image, SEED, stage).numpy() - 0.5
    # Counts of mean 0.5 * 256 = 128 have std sqrt(128); over 256 levels: sqrt(0.5 / 256).
    assert noise.std() == pytest.approx(math.sqrt(0.5 / 256), rel=0.05)
    assert abs(noise.mean()) < 0.002


def _quiet_settings():
    """A chain whose every step is (nearly) the identity: a tiny isotropic Gaussian blur, no
    resize, no noise, JPEG at quality 100, no final sinc."""
    stage = DegradationStage(kernel_probs=(1, 0, 0, 0, 0, 0), sinc_prob=0.0,
                             blur_sigma=(0.2, 0.2), resize_probs=(0, 0, 1),
                             gaussian_noise_prob=1.0, noise_range=(0.0, 0.0),
                             jpeg_range=(100, 100))
    return RealDegradeSettings(first=stage, second=stage, final_sinc_prob=0.0)


def test_a_quiet_chain_is_its_two_jpeg_passes_alone():
    image = degrade.quantize(smooth_image(48, 64)).numpy()
    out = degrade_real.make_real_degrader(1, _quiet_settings())(image, SEED).numpy()
    twice = degrade.quantize(tf.image.adjust_jpeg_quality(
        tf.image.adjust_jpeg_quality(image, 100), 100)).numpy()
    assert out.shape == image.shape
    assert np.abs(out - twice).mean() < 0.05 / 255 and np.abs(out - twice).max() <= 1.01 / 255


@pytest.mark.parametrize("channels", [3, 1])
def test_the_chain_gives_an_8_bit_image_of_the_low_resolution_size_per_seed(channels):
    image = smooth_image(64, 48, channels)
    degrader = degrade_real.make_real_degrader(4)
    first = degrader(image, SEED).numpy()
    assert first.shape == (16, 12, channels)
    assert first.min() >= 0 and first.max() <= 1
    np.testing.assert_allclose(first * 255, np.round(first * 255), atol=1e-4)
    np.testing.assert_array_equal(degrader(image, SEED).numpy(), first)
    np.testing.assert_allclose(tf.function(degrader)(image, SEED).numpy(), first, atol=1e-6)
    others = [degrader(image, tf.constant([3, s], tf.int64)).numpy() for s in range(5, 9)]
    assert all(np.abs(other - first).mean() > 1e-3 for other in others)


def test_the_chain_runs_in_tf_data_with_static_shapes_and_degrades_same_size_photos():
    images = np.stack([smooth_image(32, 32, seed=i) for i in range(4)])
    dataset = tf.data.Dataset.from_tensor_slices(images).enumerate().map(
        lambda i, x: degrade_real.make_real_degrader(2)(x, tf.stack([tf.constant(0, tf.int64),
                                                                     i])))
    assert dataset.element_spec.shape == (16, 16, 3)
    assert next(iter(dataset.batch(4))).shape == (4, 16, 16, 3)
    restore = degrade_real.make_real_degrader(1, degrade_real.RESTORE_SETTINGS)
    outs = np.stack([restore(images[0], tf.constant([1, s], tf.int64)).numpy()
                     for s in range(6)])
    assert outs.shape == (6, 32, 32, 3)
    assert np.abs(outs - images[0]).mean() > 2 / 255   # it does degrade


def test_bad_scale_is_refused():
    with pytest.raises(ValueError, match="scale"):
        degrade_real.make_real_degrader(0)


def test_a_small_noisy_jpeg_is_smaller_blurred_noisy_and_compressed():
    photo = (smooth_image(64, 96, channels=1) * 255).astype(np.uint8)   # no chroma to subsample
    small = degrade_real.small_noisy_jpeg(photo, scale=4, seed=1)
    assert small.shape == (16, 24, 1) and small.dtype == np.uint8
    clean = degrade_real.small_noisy_jpeg(photo, scale=4, blur_sigma=0, noise_sigma=0,
                                          quality=100)
    reference = np.round(degrade.bicubic_downscale(photo / 255.0, 4).numpy() * 255)
    assert np.abs(clean - reference).mean() < 3   # no blur, no noise: a bicubic downscale
    assert 2 < np.abs(small.astype(float) - clean).mean() < 12   # noise and JPEG at 60
    np.testing.assert_array_equal(degrade_real.small_noisy_jpeg(photo, scale=4, seed=1), small)
