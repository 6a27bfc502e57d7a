import keras
import numpy as np
import pytest

from tfgan_image.models import dcgan, mlp
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
