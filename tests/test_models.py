"""The models package: DCGAN, MLP, U-Net and PatchGAN, the super-resolution, style and image
GAN networks; shapes, precision and the properties each promises."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import (
    TINY_UNET,
)

from tfgan_image import (
    inference,
)
from tfgan_image.inference import (
    takes_noise_level,
)
from tfgan_image.layers import InstanceNormalization, WeightNormConv2D
from tfgan_image.models import dcgan, mlp
from tfgan_image.models import image_gan as image_gan_models
from tfgan_image.models import restoration as restoration_models
from tfgan_image.models import style_transfer as style_models
from tfgan_image.models import superres as superres_models
from tfgan_image.precision import precision_policy


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_dcgan_shapes_and_float32_outputs(precision):
    with precision_policy(precision):
        generator = dcgan.build_generator(latent_dim=16, widths=(16, 8, 4))
        discriminator = dcgan.build_discriminator(widths=(4, 8))
    images = generator(np.zeros([3, 16], np.float32))
    assert images.shape == (3, 28, 28, 1) and images.dtype == "float32"
    assert np.abs(np.asarray(images)).max() <= 1.0
    logits = discriminator(images)
    assert logits.shape == (3, 1) and logits.dtype == "float32"
    if precision == "mixed_bfloat16":
        assert generator.get_layer("deconv1").compute_dtype == "bfloat16"
        assert generator.get_layer("deconv1").kernel.dtype == "float32"

def test_dcgan_reference_architecture_matches_the_tutorial():
    generator = dcgan.build_generator()
    assert generator.get_layer("project").output.shape == (None, 7 * 7 * 256)
    assert [generator.get_layer(n).output.shape for n in ("deconv1", "deconv2", "to_image")] == [
        (None, 7, 7, 128), (None, 14, 14, 64), (None, 28, 28, 1)]
    assert generator.count_params() == 2_330_944   # the tutorial's model.summary() total
    discriminator = dcgan.build_discriminator()
    assert discriminator.count_params() == 212_865

def test_dcgan_two_width_variant_and_bad_widths():
    generator = dcgan.build_generator(latent_dim=8, widths=(8, 4), kernel_size=3)
    assert generator(np.zeros([2, 8], np.float32)).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="at least 2"):
        dcgan.build_generator(widths=(8,))

def test_mlp_gan_shapes():
    generator = mlp.build_generator(latent_dim=10, units=32)
    discriminator = mlp.build_discriminator(units=32)
    images = generator(np.zeros([2, 10], np.float32))
    assert images.shape == (2, 28, 28, 1)
    assert discriminator(images).shape == (2, 1)
    # the paper-sized default: two 1024-unit layers, 784 outputs
    full = mlp.build_generator()
    assert [full.get_layer(n).units for n in ("dense1", "dense2", "to_pixels")] == [
        1024, 1024, 784]
    assert keras.config.dtype_policy().name == "float32"   # the policy scope restored it


@pytest.mark.parametrize("size, layout", [(28, (7, 2)), (32, (4, 3)), (48, (6, 3)),
                                          (64, (4, 4)), (128, (4, 5))])
def test_depth_follows_the_image_size(size, layout):
    assert image_gan_models.layout(size) == layout


@pytest.mark.parametrize("size", [7, 9, 100, 200])
def test_sizes_without_a_layout_are_refused(size):
    with pytest.raises(ValueError, match="power of two"):
        image_gan_models.layout(size)


def test_unconditional_networks_shapes():
    generator = image_gan_models.build_generator(64, 3, latent_dim=8, width=4)
    discriminator = image_gan_models.build_discriminator(64, 3, width=4)
    images = generator(np.zeros((2, 8), np.float32))
    assert images.shape == (2, 64, 64, 3) and images.dtype == tf.float32
    assert np.abs(np.asarray(images)).max() <= 1.0
    assert discriminator(images).shape == (2, 1)


def test_conditional_networks_use_the_label():
    generator = image_gan_models.build_generator(28, 1, latent_dim=8, width=4, num_classes=10)
    discriminator = image_gan_models.build_discriminator(28, 1, width=4, num_classes=10)
    z = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    images = np.asarray(generator((z, np.array([3, 3], np.int32))))
    assert images.shape == (2, 28, 28, 1)
    other = generator((z, np.array([4, 4], np.int32)))
    assert not np.allclose(images, other)
    logits = discriminator((images, np.array([3, 4], np.int32)))
    same_images = discriminator((images, np.array([3, 3], np.int32)))
    assert logits.shape == (2, 1) and np.isclose(logits[0], same_images[0])
    assert not np.isclose(logits[1], same_images[1])   # the projection term


def test_resnet_networks_are_spectrally_normalised_and_class_conditional(tmp_path):
    with precision_policy("mixed_bfloat16"):
        generator = image_gan_models.build_resnet_generator(32, 3, latent_dim=8, width=4,
                                                            num_classes=10)
        discriminator = image_gan_models.build_resnet_discriminator(32, 3, width=4,
                                                                    num_classes=10)
    convs = [layer for layer in discriminator.layers
             if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    wrapped = [layer for layer in discriminator.layers
               if isinstance(layer, keras.layers.SpectralNormalization)]
    assert not convs and len(wrapped) == 3 * 3 + 1   # 3 convs per block, 3 blocks, the logit
    # Class-conditional batch norm starts as plain batch norm: give each class its own.
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Embedding):
            layer.embeddings.assign(np.random.default_rng(1).normal(
                1.0, 0.5, layer.embeddings.shape))
    z = tf.constant(np.random.default_rng(0).standard_normal((2, 8)), tf.float32)
    images = generator((z, tf.constant([3, 3])))
    assert images.shape == (2, 32, 32, 3) and images.dtype == "float32"
    assert not np.allclose(images, generator((z, tf.constant([4, 4]))))
    logits = discriminator((images, tf.constant([3, 4])))
    assert logits.shape == (2, 1) and logits.dtype == "float32"
    path = str(tmp_path / "g.keras")
    generator.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path)((z, tf.constant([3, 3]))),
                                  images)


def test_unet_is_fully_convolutional_and_residual():
    generator = restoration_models.build_generator(widths=(4, 8, 16), convs_per_level=1)
    assert restoration_models.generator_stride(3) == 4
    for shape in [(1, 16, 16, 3), (2, 24, 40, 3)]:
        x = tf.random.uniform(shape, -1, 1)
        assert generator(x).shape == shape
    # A zero correction makes it the identity: the residual connection is there.
    generator.get_layer("output_conv").kernel.assign(
        tf.zeros_like(generator.get_layer("output_conv").kernel))
    x = tf.random.uniform((1, 16, 16, 3), -1, 1)
    np.testing.assert_allclose(generator(x), x, atol=1e-6)


def test_patchgan_scores_patches():
    discriminator = restoration_models.build_discriminator(widths=(4, 8, 8))
    x = tf.zeros((2, 32, 32, 3))
    assert discriminator([x, x]).shape == (2, 8, 8, 1)


def test_the_unet_reads_the_map_and_outputs_the_image_channels():
    generator = restoration_models.build_generator(noise_map=True, **TINY_UNET)
    assert takes_noise_level(generator)
    assert not takes_noise_level(restoration_models.build_generator(**TINY_UNET))
    x = np.random.default_rng(0).uniform(-1, 1, (1, 8, 8, 4)).astype(np.float32)
    assert generator(x).shape == (1, 8, 8, 3)


def test_untrained_transformer_is_the_identity_at_any_multiple_of_4_size():
    network = style_models.build_transformer(width=4, residual_blocks=1)
    content = np.random.default_rng(0).uniform(-1, 1, (2, 20, 36, 3)).astype(np.float32)
    output = network(content)
    assert output.shape == (2, 20, 36, 3) and output.dtype == tf.float32
    # The restyling is a residual on the content photo that starts at zero.
    np.testing.assert_array_equal(output, content)


def test_transformer_without_the_photo_shortcut_makes_the_image_itself():
    keras.utils.set_random_seed(0)
    network = style_models.build_transformer(width=4, residual_blocks=1, photo_shortcut=False)
    content = np.random.default_rng(0).uniform(-1, 1, (2, 20, 36, 3)).astype(np.float32)
    output = np.asarray(network(content))
    assert output.shape == (2, 20, 36, 3) and output.dtype == np.float32
    # Johnson et al.'s tanh ending: inside (-1, 1), and nothing of the photo passed through.
    assert np.abs(output).max() < 1.0
    assert np.abs(output - content).mean() > 0.1
    assert "colour_map" not in [layer.name for layer in network.layers]
    assert inference.receptive_radius(network) == inference.receptive_radius(
        style_models.build_transformer(width=4, residual_blocks=1))


@pytest.mark.parametrize("photo_shortcut", [True, False])
def test_transformer_normalizations(photo_shortcut):
    def build(normalization):
        network = style_models.build_transformer(width=4, residual_blocks=2,
                                                 photo_shortcut=photo_shortcut,
                                                 normalization=normalization)
        content = np.random.default_rng(0).uniform(-1, 1, (1, 20, 36, 3)).astype(np.float32)
        assert network(content).shape == (1, 20, 36, 3)
        return network

    def normalised(network):
        return {layer.name: layer.center_only for layer in network.layers
                if isinstance(layer, InstanceNormalization)}

    johnson, weight = build("instance"), build("weight")
    assert {"in_norm", "down2_norm", "res1a_norm", "res1b_norm", "up1_norm"} <= set(
        normalised(johnson))
    assert not any(normalised(johnson).values())
    # Weight normalisation: every conv but the last weight-normalised, its output centred,
    # not scaled; the same receptive field.
    assert normalised(weight) == {name: True for name in normalised(johnson)}
    assert [layer.name for layer in weight.layers if isinstance(layer, keras.layers.Conv2D)
            and not isinstance(layer, WeightNormConv2D)] == ["out_conv"]
    assert inference.receptive_radius(weight) == inference.receptive_radius(johnson)
    with pytest.raises(ValueError, match="normalization must be one of"):
        style_models.build_transformer(width=4, normalization="batch")


def test_untrained_transformer_with_colour_transfer_restyles_only_the_colours():
    rng = np.random.default_rng(1)
    style_pixels = rng.uniform(-1, 0.5, (24, 24, 3)).astype(np.float32)
    network = style_models.build_transformer(width=4, residual_blocks=1, colour_target=style_pixels)
    content = rng.uniform(-1, 1, (1, 20, 28, 3)).astype(np.float32)
    np.testing.assert_allclose(network(content),
                               network.get_layer("colour_transfer")(content), atol=1e-6)


@pytest.mark.parametrize("architecture", sorted(superres_models.GENERATORS))
@pytest.mark.parametrize("scale", superres_models.SCALES)
@pytest.mark.parametrize("tail_width", [0, 4])
def test_generator_upscales_any_size_by_its_scale(architecture, scale, tail_width):
    generator = superres_models.GENERATORS[architecture](scale, width=8, blocks=2,
                                                         tail_width=tail_width)
    for height, width in ((7, 9), (1, 2)):   # RFDN's attention pools: tiny inputs too
        output = generator(np.zeros((2, height, width, 3), np.float32))
        assert output.shape == (2, height * scale, width * scale, 3)
        assert output.dtype == tf.float32
    # A flat input is upscaled by the bilinear base to the same flat image plus the learned
    # detail: with the detail's last conv zeroed, the output is exactly the flat input.
    last = generator.get_layer("full_resolution_conv" if tail_width else "subpixel_conv")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    np.testing.assert_allclose(generator(np.full((1, 5, 6, 3), 0.3, np.float32)), 0.3,
                               atol=1e-6)


@pytest.mark.parametrize("tail_width", [0, 4])
def test_full_resolution_tail_mixes_neighbouring_sub_pixels(tail_width):
    """A change in one low-resolution pixel's sub-pixel channels for one phase reaches only
    that phase's output pixels in the plain tail, and the neighbouring phases too with the
    full-resolution conv."""
    scale = 2
    generator = superres_models.build_generator(scale, width=8, blocks=0,
                                                tail_width=tail_width)
    shuffle_input = generator.get_layer("subpixel_conv").output
    tail = keras.Model(shuffle_input, generator.get_layer("output").input[1])
    channels = shuffle_input.shape[-1]
    poked = np.zeros((1, 4, 4, channels), np.float32)
    poked[0, 1, 1, :channels // scale ** 2] = 1.0     # phase (0, 0) of pixel (1, 1)
    change = np.abs(np.asarray(tail(poked)) - np.asarray(tail(np.zeros_like(poked))))
    reached = np.argwhere(change.max(axis=-1)[0] > 1e-6)
    phases = {(int(i) % scale, int(j) % scale) for i, j in reached}
    assert phases == ({(0, 0)} if not tail_width else
                      {(a, b) for a in range(scale) for b in range(scale)})


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="scale must be one of"):
        superres_models.build_generator(5)
    with pytest.raises(ValueError, match="multiple of 4"):
        superres_models.build_rfdn_generator(4, width=10)


def test_rfdn_attention_weighs_each_position_by_a_mask_in_0_1():
    """ESA's output is its input times a sigmoid mask: never larger in magnitude, and it
    depends on the neighbourhood (the strided, pooled branch), not on the pixel alone."""
    generator = superres_models.build_rfdn_generator(2, width=8, blocks=1)
    fused = generator.get_layer("block0_fuse").output
    esa = keras.Model(fused, generator.get_layer("block0_esa_weigh").output)
    x = np.random.default_rng(0).normal(size=(1, 16, 16, 8)).astype(np.float32)
    weighed = np.asarray(esa(x))
    assert np.all(np.abs(weighed) <= np.abs(x) + 1e-6)
    poked = x.copy()
    poked[0, :8, :8] *= 4.0   # one quadrant changes; the mask changes in the opposite one too
    assert np.abs(np.asarray(esa(poked))[0, 8:, 8:] - weighed[0, 8:, 8:]).max() > 1e-6


def test_discriminator_gives_patch_logits():
    discriminator = superres_models.build_discriminator((4, 8))
    assert discriminator(np.zeros((2, 32, 48, 3), np.float32)).shape == (2, 8, 12, 1)
