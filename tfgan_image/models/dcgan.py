"""DCGAN for 28x28 greyscale digits, as in the TensorFlow DCGAN tutorial, with width knobs.

Reference architecture (the defaults):
  Generator: z [N, latent_dim] -> Dense(7*7*256, no bias) -> BN -> LeakyReLU -> [N, 7, 7, 256]
    -> Conv2DTranspose(128, 5, stride 1) -> BN -> LeakyReLU -> [N, 7, 7, 128]
    -> Conv2DTranspose(64, 5, stride 2) -> BN -> LeakyReLU -> [N, 14, 14, 64]
    -> Conv2DTranspose(1, 5, stride 2, no bias, tanh) -> images [N, 28, 28, 1] in [-1, 1].
  Discriminator: images [N, 28, 28, 1] -> Conv2D(64, 5, stride 2) -> LeakyReLU -> Dropout(0.3)
    -> Conv2D(128, 5, stride 2) -> LeakyReLU -> Dropout(0.3) -> Flatten -> Dense(1)
    -> logits [N, 1].
``generator_widths`` / ``discriminator_widths`` / ``kernel_size`` make narrower or deeper
variants one argument away. Outputs are float32 under any mixed-precision policy. Batch norm
runs through TF's fused kernel (``layers.FusedBatchNormalization``: same parameters and math
as Keras's layer, ~10% faster DCGAN steps here).
"""

import keras
from keras import layers

from tfgan_image.layers import FusedBatchNormalization
from tfgan_image.models.infogan import code_input, logit_and_code


def build_generator(latent_dim: int = 100, widths=(256, 128, 64), kernel_size: int = 5,
                    output_channels: int = 1, negative_slope: float = 0.3,
                    categories: int = 0) -> keras.Model:
    """z [N, latent_dim] -> images [N, 28, 28, output_channels] in [-1, 1].

    ``widths[0]`` is the channel count of the 7x7 map; each further width adds a
    Conv2DTranspose block; the last two blocks upsample (7 -> 14 -> 28). ``categories``:
    InfoGAN's categorical code, taken from z's first entries (``models.infogan``).
    """
    if len(widths) < 2:
        raise ValueError(f"generator widths need at least 2 entries, got {widths}")
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(7 * 7 * widths[0], use_bias=False, name="project")(
        code_input(z, categories))
    x = FusedBatchNormalization()(x)
    x = layers.LeakyReLU(negative_slope)(x)
    x = layers.Reshape((7, 7, widths[0]))(x)
    n_blocks = len(widths) - 1
    for i, width in enumerate(widths[1:]):
        # Only the final upsampling happens in the output layer, so one block before it does.
        stride = 2 if i == n_blocks - 1 else 1
        x = layers.Conv2DTranspose(width, kernel_size, strides=stride, padding="same",
                                   use_bias=False, name=f"deconv{i + 1}")(x)
        x = FusedBatchNormalization()(x)
        x = layers.LeakyReLU(negative_slope)(x)
    x = layers.Conv2DTranspose(output_channels, kernel_size, strides=2, padding="same",
                               use_bias=False, name="to_image")(x)
    images = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(z, images, name="dcgan_generator")


def build_discriminator(widths=(64, 128), kernel_size: int = 5, dropout: float = 0.3,
                        image_shape=(28, 28, 1), negative_slope: float = 0.3,
                        categories: int = 0, continuous: int = 0) -> keras.Model:
    """images [N, 28, 28, C] -> logits [N, 1] (float32); one stride-2 conv per width.
    ``categories`` / ``continuous``: also InfoGAN's Q head from D's features, the categorical
    code's logits and the continuous codes' estimates: outputs [N, 1 + categories +
    continuous] (the realness logit first)."""
    images = keras.Input(image_shape, name="images")
    x = images
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, kernel_size, strides=2, padding="same", name=f"conv{i + 1}")(x)
        x = layers.LeakyReLU(negative_slope)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    logits = logit_and_code(layers.Flatten()(x), categories, continuous)
    return keras.Model(images, logits, name="dcgan_discriminator")
