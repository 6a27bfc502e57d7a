"""data/degrade: the degradations, their ranges, seeds and hand-checked values."""


import numpy as np
import pytest
import skimage.data
import tensorflow as tf
from conftest import (
    smooth_image,
    textures_64,
)

from tfgan_image import (
    metrics,
)
from tfgan_image.data import degrade


@pytest.mark.parametrize("task", degrade.TASKS)
@pytest.mark.parametrize("channels", [3, 1])
def test_degradation_range_shape_determinism(task, channels):
    image = smooth_image(channels=channels)
    degrader = degrade.make_degrader(task, textures=textures_64())
    first = degrader(image, [1, 2]).numpy()
    again = degrader(image, [1, 2]).numpy()
    other = degrader(image, [1, 3]).numpy()
    assert first.shape == image.shape and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, again)                    # same seed, same output
    np.testing.assert_array_equal(np.round(first * 255), first * 255)  # 8-bit levels
    assert not np.array_equal(first, other)                        # new seed, new draw
    assert np.abs(first - image).mean() > 1e-3                     # it did degrade


def test_degradation_inside_tf_function_matches_eager():
    degrader = degrade.make_degrader("mixed", textures=textures_64())
    image = smooth_image()
    compiled = tf.function(degrader)
    np.testing.assert_allclose(compiled(image, tf.constant([5, 6])), degrader(image, [5, 6]),
                               atol=1.5 / 255)


def test_gaussian_noise_has_the_requested_std():
    image = np.full((128, 128, 3), 0.5, np.float32)
    noisy = degrade.gaussian_noise(image, tf.constant([0, 1]), (25.0, 25.0)).numpy()
    assert abs(np.std(noisy - image) * 255 - 25.0) < 0.5


def test_blur_kernels_are_normalised():
    assert abs(float(tf.reduce_sum(degrade.gaussian_kernel_1d(1.3))) - 1) < 1e-6
    kernel = degrade.motion_kernel(tf.constant(7.0), tf.constant(0.0)).numpy()
    assert abs(kernel.sum() - 1) < 1e-6
    assert np.count_nonzero(kernel.sum(1)) == 1  # a horizontal motion is one row


def test_unknown_task_and_missing_textures_are_refused():
    with pytest.raises(ValueError, match="Unknown task"):
        degrade.make_degrader("sharpen")
    with pytest.raises(ValueError, match="texture"):
        degrade.make_degrader("detexture")


def test_the_degrader_appends_the_std_and_leaves_the_noise_unclipped():
    degrader = degrade.make_noise_level_degrader((25.0, 25.0))
    image = np.concatenate([np.zeros((64, 32, 3)), np.ones((64, 32, 3))], 1).astype(np.float32)
    out = degrader(image, [3, 4]).numpy()
    assert out.shape == (64, 64, 4)
    np.testing.assert_allclose(out[..., 3], 25.0 / 255, rtol=1e-6)   # constant map
    assert out[..., :3].min() < 0 and out[..., :3].max() > 1          # unclipped
    assert abs(np.std(out[..., :3] - image) * 255 - 25.0) < 0.8
    clipped = degrade.make_noise_level_degrader((25.0, 25.0), clip=True)(image, [3, 4]).numpy()
    np.testing.assert_array_equal(np.round(clipped[..., :3] * 255), clipped[..., :3] * 255)
    levels = {float(degrade.make_noise_level_degrader((0.0, 75.0))(image, [1, s])[0, 0, 3])
              for s in range(8)}
    assert len(levels) == 8 and all(0 <= v <= 75 / 255 for v in levels)


def test_a_share_of_noisy_images_takes_the_other_clipping():
    image = np.full((16, 16, 3), 0.02, np.float32)   # near black: clipping shows
    mixed = degrade.make_noise_level_degrader((25.0, 25.0), clip=False, other_share=0.3)
    unclipped = degrade.make_noise_level_degrader((25.0, 25.0), clip=False)
    clipped_count = 0
    for s in range(200):
        out, plain = mixed(image, [5, s]).numpy(), unclipped(image, [5, s]).numpy()
        if out[..., :3].min() >= 0:
            clipped_count += 1
            np.testing.assert_allclose(out[..., :3], np.round(np.clip(plain[..., :3], 0, 1)
                                                              * 255) / 255, atol=1e-6)
        else:
            np.testing.assert_array_equal(out, plain)   # the same draw, unclipped
    assert 40 <= clipped_count <= 80   # 30% of 200


def test_unclipped_denoising_is_only_for_denoise():
    noisy = degrade.make_degrader("denoise", degrade.DegradeSettings(
        sigma=(40.0, 40.0), poisson_fraction=0.0), clip=False)(
            np.ones((32, 32, 3), np.float32), [0, 1]).numpy()
    assert noisy.max() > 1.05
    with pytest.raises(ValueError, match="Only denoising"):
        degrade.make_degrader("desharpen", clip=False)


def test_antialiased_bicubic_downscale_matches_pil_and_differs_from_aliased():
    photo = metrics.modcrop(skimage.data.chelsea(), 4)
    ours = degrade.downscale_array(photo, 4)
    assert ours.shape == (photo.shape[0] // 4, photo.shape[1] // 4, 3) and ours.dtype == np.uint8
    pil = degrade.downscale_array(photo, 4, "pil_bicubic")
    aliased = degrade.downscale_array(photo, 4, "tf_bicubic")
    ours_vs_pil = np.abs(ours.astype(int) - pil).mean()
    assert ours_vs_pil < 1.0 < np.abs(ours.astype(int) - aliased).mean()
    # The TF op and the array helper agree, and the op rounds to 8 bits.
    small = degrade.bicubic_downscale(photo / 255.0, 4).numpy()
    np.testing.assert_allclose(small * 255.0, ours, atol=1e-3)
    with pytest.raises(ValueError, match="Unknown resizer"):
        degrade.downscale_array(photo, 4, "lanczos")


def test_halftone_strength_hardness_and_blur_ranges_are_honoured():
    grey = tf.fill((48, 48, 3), 0.5)
    seed = tf.constant([3, 1], tf.int64)

    def screened(**ranges):
        return degrade.halftone(grey, seed, degrade.DegradeSettings(**ranges)).numpy()

    assert np.array_equal(screened(halftone_strength=(0.0, 0.0)), grey.numpy())  # no screen
    soft = screened(halftone_strength=(1.0, 1.0))
    hard = screened(halftone_strength=(1.0, 1.0), halftone_hardness=(400.0, 400.0))
    # the same dots, with binary edges before the scan's blur: further from the grey
    assert np.abs(hard - 0.5).mean() > 1.2 * np.abs(soft - 0.5).mean()
    # binary dots scanned sharp stay ink or paper: nearly every value within 2% of 0 or 1
    # (the rest sit on the dots' edges)
    sharp = screened(halftone_strength=(1.0, 1.0), halftone_hardness=(400.0, 400.0),
                     halftone_blur=(0.0, 0.0))
    assert np.mean(np.minimum(sharp, 1 - sharp) < 0.02) > 0.9
    assert np.mean(np.minimum(hard, 1 - hard) < 0.02) < 0.5
    assert np.abs(sharp - 0.5).mean() > 1.2 * np.abs(hard - 0.5).mean()


def test_restoration_config_carries_the_halftone_ranges_and_refuses_reversed_ones():
    from tfgan_image import restoration

    config = restoration.RestorationConfig(workdir="-", task="detexture",
                                           halftone_pitch=(2.0, 12.0),
                                           halftone_hardness=(12.0, 200.0),
                                           halftone_blur=(0.0, 0.3))
    settings = restoration.degrade_settings(config)
    assert settings.halftone_pitch == (2.0, 12.0) and settings.halftone_hardness == (12.0, 200.0)
    assert settings.halftone_blur == (0.0, 0.3)
    assert settings.halftone_strength == degrade.DegradeSettings().halftone_strength
    with pytest.raises(ValueError, match="halftone_strength needs 0 <= LOW <= HIGH"):
        restoration.RestorationConfig(workdir="-", task="detexture",
                                      halftone_strength=(0.9, 0.5))
