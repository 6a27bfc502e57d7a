"""inference: tiled application (seamless, equal to one whole pass, for restoration, super-
resolution and style networks), precision, the noise level, and the apply-time controls (a
style strength, keeping the photo's colours), checked on hand-computed values."""


import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import (
    TINY_UNET,
    level_sensitive_model,
)

from tfgan_image import export, inference
from tfgan_image.apply import apply_files
from tfgan_image.inference import (
    ApplyError,
    estimate_noise_level,
    mix_with_input,
    restore_array,
    tiled_apply,
)
from tfgan_image.models import restoration as restoration_models
from tfgan_image.models import style_transfer as style_models
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


def zero_output_conv(generator):
    """Makes the residual U-Net the identity."""
    for weight in generator.get_layer("output_conv").weights:
        weight.assign(tf.zeros_like(weight))


def test_tiled_inference_equals_whole_image_and_is_seamless():
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    image = np.random.default_rng(0).uniform(-1, 1, (50, 70, 3)).astype(np.float32)

    def fn(x):
        return np.asarray(generator(x[None], training=False))[0]

    whole = tiled_apply(fn, image, tile=256, margin=16, multiple=2)   # one window
    tiled = tiled_apply(fn, image, tile=16, margin=16, multiple=2)    # 4 x 5 tiles
    assert whole.shape == tiled.shape == image.shape
    np.testing.assert_allclose(tiled, whole, atol=1e-5)
    # Too little context: the tiles differ from the whole image, so the check above is real.
    assert np.abs(tiled_apply(fn, image, tile=16, margin=0, multiple=2) - whole).max() > 1e-3


@pytest.mark.parametrize("mirror", [True, False])
def test_tiles_land_where_they_belong_for_any_margin(mirror):
    # A position-coded image through a per-pixel function: any misplaced core shows. The
    # margin (6) is not a multiple of the stride (4) and the size not a multiple of either.
    image = np.arange(21 * 30 * 2, dtype=np.float32).reshape(21, 30, 2)
    out = tiled_apply(lambda window: 2 * window, image, tile=8, margin=6, multiple=4,
                      mirror=mirror)
    np.testing.assert_array_equal(out, 2 * image)
    upscaled = tiled_apply(lambda window: np.repeat(np.repeat(window, 3, 0), 3, 1), image,
                           tile=8, margin=6, multiple=4, scale=3, mirror=mirror)
    np.testing.assert_array_equal(upscaled[::3, ::3], image)


def test_default_margin_covers_the_default_unet():
    # The default U-Net's receptive field fits in apply's default 64 px margin: tiling is exact.
    generator = restoration_models.build_generator()
    image = np.random.default_rng(0).uniform(-1, 1, (100, 150, 3)).astype(np.float32)

    def fn(x):
        return np.asarray(generator(x[None], training=False))[0]

    np.testing.assert_allclose(tiled_apply(fn, image, tile=48, margin=64, multiple=8),
                               tiled_apply(fn, image, tile=512, margin=64, multiple=8),
                               atol=1e-4)


@pytest.mark.parametrize("shape", [(20, 30), (20, 30, 1), (20, 30, 3), (20, 30, 4)])
def test_restore_array_keeps_the_format(shape):
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    zero_output_conv(generator)
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    restored = restore_array(generator, image, tile=16, margin=8)
    assert restored.shape == image.shape and restored.dtype == np.uint8
    np.testing.assert_array_equal(restored, image)  # identity network: nothing changes


def test_bfloat16_inference_passes_the_image_through_exactly_with_current_weights():
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    image = np.random.default_rng(2).integers(0, 256, (24, 40, 3), dtype=np.uint8)
    changed = restore_array(generator, image, tile=16, margin=8, precision="mixed_bfloat16")
    assert np.abs(changed.astype(int) - image).max() > 0   # random weights change the image
    zero_output_conv(generator)   # the compiled bfloat16 copy must see the new weights
    same = restore_array(generator, image, tile=16, margin=8, precision="mixed_bfloat16")
    np.testing.assert_array_equal(same, image)   # the residual path stays float32: exact


def test_auto_precision_is_bfloat16_only_for_float32_models_on_bfloat16_cpus(monkeypatch):
    from tfgan_image import inference, precision

    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    for native, expected in [(True, "mixed_bfloat16"), (False, "float32")]:
        monkeypatch.setattr(precision, "cpu_computes_bfloat16_natively", lambda: native)
        assert inference.inference_precision(generator) == expected
        assert inference.inference_precision(generator, "float32") == "float32"
        assert inference.inference_precision(generator, "own") == "float32"
    with precision.precision_policy("mixed_bfloat16"):
        trained_in_bfloat16 = restoration_models.build_generator(widths=(4, 8),
                                                                 convs_per_level=1)
    assert inference.inference_precision(trained_in_bfloat16) == "mixed_bfloat16"
    with pytest.raises(inference.ApplyError, match="Unknown precision"):
        inference.inference_precision(generator, "float64")


def test_restore_array_feeds_the_given_or_estimated_level():
    model = level_sensitive_model()
    noisy = np.random.default_rng(4).normal(128, 20, (24, 24, 3)).clip(0, 255).astype(np.uint8)
    light = restore_array(model, noisy, noise_level=5)
    heavy = restore_array(model, noisy, noise_level=50)
    estimated = restore_array(model, noisy)
    given_estimate = restore_array(model, noisy, noise_level=estimate_noise_level(noisy))
    assert not np.array_equal(light, heavy)
    np.testing.assert_array_equal(estimated, given_estimate)
    with pytest.raises(ApplyError, match="takes no noise level"):
        restore_array(restoration_models.build_generator(**TINY_UNET), noisy, noise_level=10)
    with pytest.raises(ApplyError, match="between 0 and 255"):
        restore_array(model, noisy, noise_level=300)


def test_the_estimate_finds_the_noise_std():
    rng = np.random.default_rng(0)
    clean = np.tile(np.linspace(40, 200, 256), (256, 1))[..., None].repeat(3, -1)
    for sigma in (10, 30):
        noisy = np.clip(np.round(clean + rng.normal(0, sigma, clean.shape)), 0, 255)
        assert abs(estimate_noise_level(noisy.astype(np.uint8)) - sigma) < 0.1 * sigma
        as_16_bit = (noisy * 257).astype(np.uint16)
        assert abs(estimate_noise_level(as_16_bit, 65535) - sigma) < 0.1 * sigma


@pytest.mark.parametrize("normalization", ["instance", "weight"])
def test_a_style_network_in_tiles_gives_what_one_whole_image_pass_gives(normalization):
    # Instance norm and the colour transfer make every output pixel depend on whole-image
    # statistics: tiles normalised on their own leave seams, so tiles must use the whole
    # image's statistics.
    keras.utils.set_random_seed(0)
    network = style_models.build_transformer(
        width=4, residual_blocks=1, normalization=normalization,
        colour_target=np.random.default_rng(1).uniform(-1, 0.5, (24, 24, 3)))
    out_conv = network.get_layer("out_conv")
    out_conv.kernel.assign(tf.random.normal(out_conv.kernel.shape, stddev=0.3))
    image = np.random.default_rng(0).integers(0, 256, (90, 250, 3), dtype=np.uint8)
    whole = np.asarray(network(image[None, :88, :248].astype(np.float32) / 127.5 - 1.0))[0]
    whole = np.round(np.clip((whole + 1.0) * 127.5, 0, 255)).astype(np.uint8)
    assert inference.uses_image_statistics(network)
    assert np.abs(inference.restore_array(network, image[:88, :248]).astype(int)
                  - whole).max() <= 1   # fits one 512 px tile: one pass
    tiled = inference.restore_array(network, image[:88, :248], tile=64)   # 2 x 4 tiles
    assert np.abs(tiled.astype(int) - whole).max() <= 1
    # Tiles normalised with their own statistics differ; the layers are reset afterwards.
    own = inference.tiled_apply(lambda w: network(w[None] / 127.5 - 1.0)[0].numpy(),
                            image[:88, :248].astype(np.float32), 64,
                            inference.receptive_radius(network), 4, mirror=False)
    assert np.abs(np.round(np.clip((own + 1.0) * 127.5, 0, 255)) - whole).max() > 10
    assert all(layer.fixed_moments is None for layer in inference.image_statistics_layers(network))
    # Sizes that are not multiples of the network's stride, and greyscale.
    odd = inference.restore_array(network, image, tile=64)
    assert odd.shape == image.shape
    assert inference.restore_array(network, image[..., 0], tile=64).shape == image.shape[:2]


def test_receptive_radius_of_the_style_transformer():
    # 9x9 in (4) + two stride-2 3x3 (1 + 2) + 2 convs per block at 1/4 (4 each)
    # + two resize-convs (rounding 4 + 2 at 1/2, 2 + 1 at full) + 9x9 out (4).
    network = style_models.build_transformer(width=4, residual_blocks=2)
    assert inference.receptive_radius(network) == 4 + 3 + 2 * 2 * 4 + 6 + 3 + 4


def test_tiled_super_resolution_equals_whole_image(sr_run_dir):
    model = export.load_generator(sr_run_dir)
    image = np.random.default_rng(2).integers(0, 256, (30, 41, 3), dtype=np.uint8)
    whole = inference.restore_array(model, image, tile=1024, margin=8)  # one window
    tiled = inference.restore_array(model, image, tile=24, margin=8)    # 8-px input tiles: 4 x 6
    assert whole.shape == tiled.shape == (90, 123, 3)
    # Equal up to rounding to 8 bits: the 8-pixel margin covers the receptive field.
    assert np.abs(whole.astype(int) - tiled).max() <= 1
