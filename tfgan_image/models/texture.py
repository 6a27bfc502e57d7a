"""Spatial GAN for texture synthesis (Jetchev et al. 2016, "Texture Synthesis with Spatial
Generative Adversarial Networks"): a fully convolutional generator maps a *spatial* noise
tensor to an image, so one trained generator makes textures of any size; the discriminator
scores random patches of the real texture and of generated images.

Generator: noise [N, h, w, noise_channels] -> image [N, h * s, w * s, 3] in [-1, 1]
(s = ``output_scale(widths)``): stride-2 5x5 transposed convs with batch norm and ReLU, one
more to RGB, tanh.
Without padding effects at tile borders apart from the usual "same" padding, the output
is stationary: every region of a large output is produced the same way, so it has no seams.
Discriminator: stride-2 5x5 convs with LeakyReLU to one logit per patch.
"""

from typing import Sequence

import keras
from keras import layers

from tfgan_image.layers import FusedBatchNormalization


def output_scale(widths: Sequence[int]) -> int:
    """Output pixels per noise position along each axis: one x2 upsampling per hidden width,
    and one more to RGB."""
    return 2 ** (len(widths) + 1)


def build_generator(noise_channels: int = 32, widths: Sequence[int] = (256, 128, 64),
                    name: str = "spatial_gan_generator") -> keras.Model:
    """Spatial noise [N, h, w, noise_channels] -> texture [N, h * s, w * s, 3] in [-1, 1]
    (float32), s = ``output_scale(widths)``; ``widths``: channels of the hidden layers."""
    noise = keras.Input((None, None, noise_channels), name="noise")
    x = noise
    for i, width in enumerate(widths):
        x = layers.Conv2DTranspose(width, 5, strides=2, padding="same", name=f"up{i}")(x)
        x = FusedBatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.Conv2DTranspose(3, 5, strides=2, padding="same", dtype="float32",
                               name="to_rgb")(x)
    outputs = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(noise, outputs, name=name)


def build_discriminator(widths: Sequence[int] = (32, 64, 128, 256),
                        name: str = "spatial_gan_discriminator") -> keras.Model:
    """Texture patches [N, H, W, 3] in [-1, 1] -> logits [N, H / 2^len(widths),
    W / 2^len(widths), 1]."""
    images = keras.Input((None, None, 3), name="images")
    x = images
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, 5, strides=2, padding="same", name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    logits = layers.Conv2D(1, 3, padding="same", dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
