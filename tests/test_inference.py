"""inference: apply-time controls of models whose output is the input's size (a style
strength and keeping the photo's colours), checked on hand-computed values."""

import keras
import numpy as np
import pytest

from tfgan_image.apply import apply_files
from tfgan_image.inference import ApplyError, mix_with_input, restore_array
from tfgan_image.models import superres


def negating_model() -> keras.Model:
    """[-1, 1] images -> their negative: an output far from its input in every pixel."""
    images = keras.Input((None, None, 3))
    return keras.Model(images, keras.layers.Rescaling(-1.0)(images), name="negate")


def test_strength_blends_from_the_photo_to_the_output():
    photo = np.array([[[0.5, -0.2, 1.0]]], np.float32)
    output = np.array([[[-0.5, 0.4, 0.0]]], np.float32)
    np.testing.assert_allclose(mix_with_input(output, photo, 0.0), photo)
    np.testing.assert_allclose(mix_with_input(output, photo, 1.0), output)
    np.testing.assert_allclose(mix_with_input(output, photo, 0.25), [[[0.25, -0.05, 0.75]]],
                               atol=1e-6)


def test_keep_colours_takes_the_outputs_luminance_and_the_photos_colours():
    # Pure red (Y = 0.299 in [0, 1] units) given a mid-grey output's luminance (Y = 0.5):
    # YIQ's inverse adds a luminance change to R, G and B alike, so the result is red + 0.201
    # in [0, 1] units, + 0.402 in [-1, 1].
    red = np.array([[[1.0, -1.0, -1.0]]], np.float32)
    grey = np.zeros((1, 1, 3), np.float32)
    np.testing.assert_allclose(mix_with_input(grey, red, keep_colours=True),
                               [[[1.402, -0.598, -0.598]]], atol=2e-3)
    # A grey photo keeps no colour: the output's luminance alone, grey.
    mixed = mix_with_input(red, grey, keep_colours=True)
    np.testing.assert_allclose(mixed, np.full((1, 1, 3), 2 * 0.299 - 1), atol=2e-3)


def test_restore_array_mixes_in_every_tile():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 56, 3)).astype(np.uint8)
    x = image.astype(np.float32) / 127.5 - 1.0
    for strength in (0.0, 0.3, 1.0):
        out = restore_array(negating_model(), image, tile=16, strength=strength)
        expected = np.round((strength * -x + (1 - strength) * x + 1.0) * 127.5)
        assert np.abs(out.astype(int) - expected).max() <= 1


def test_mixing_is_refused_for_upscaling_models_and_strengths_outside_0_to_1(tmp_path):
    image = np.zeros((16, 16, 3), np.uint8)
    upscaler = superres.build_generator(scale=2, width=4, blocks=0)
    with pytest.raises(ApplyError, match="upscales x2"):
        restore_array(upscaler, image, strength=0.5)
    with pytest.raises(ApplyError, match="upscales x2"):
        restore_array(upscaler, image, keep_colours=True)
    with pytest.raises(ApplyError, match="strength must be between 0 and 1"):
        restore_array(negating_model(), image, strength=1.5)
    source = tmp_path / "in.png"
    keras.utils.save_img(source, image)
    with pytest.raises(ApplyError, match="upscales x2"):   # before any file is read
        apply_files(None, str(source), str(tmp_path / "out.png"), model=upscaler,
                    keep_colours=True)
