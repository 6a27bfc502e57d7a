"""pix2pix-style conditional GAN for restoration: a residual U-Net generator and a PatchGAN
discriminator conditioned on the degraded input (Isola et al. 2017).

Both are fully convolutional: they take images of any height and width (the generator's must
be divisible by ``generator_stride(levels)``), [N, H, W, C] in [-1, 1].

Departures from the paper, for restoration on CPUs: the generator predicts a *residual* added
to its input (the clean image is mostly the degraded one), has no normalisation layers and no
dropout (restoration is deterministic; BatchNorm is slow on CPU and shifts colours at full
resolution), uses additive skip connections and 2x2 transposed convolutions (no checkerboard
artefacts when the kernel equals the stride).
"""

from typing import Sequence

import keras
from keras import layers

from tfgan_image.layers import LeadingChannels


def generator_stride(levels: int) -> int:
    """Input height and width must be multiples of this (one factor 2 per down-sampling)."""
    return 2 ** (levels - 1)


def _conv_block(x, width: int, convs: int, name: str):
    for i in range(convs):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"{name}_conv{i}")(x)
    return x


def build_generator(channels: int = 3, widths: Sequence[int] = (32, 64, 128, 256),
                    convs_per_level: int = 2, residual: bool = True, noise_map: bool = False,
                    name: str = "unet_generator") -> keras.Model:
    """U-Net: degraded [N, H, W, channels] in [-1, 1] -> restored image, same shape.

    ``widths`` gives the channels of each resolution level (full, 1/2, 1/4, ...); H and W must
    be multiples of ``generator_stride(len(widths))``. The output is float32 and unclipped
    (clip to [-1, 1] for display); with ``residual`` it is input + predicted correction.
    ``noise_map``: the input has one more channel, FFDNet's noise-level map (the noise std on
    the [-1, 1] scale, i.e. 2 * sigma / 255 for sigma in 8-bit units, at every pixel);
    the output still has ``channels``.
    """
    inputs = keras.Input((None, None, channels + int(noise_map)), name="degraded")
    # float32: the image the residual is added to is passed through unrounded
    image = (LeadingChannels(channels, dtype="float32", name="image")(inputs) if noise_map
             else inputs)
    x = _conv_block(inputs, widths[0], convs_per_level, "level0")
    skips = [x]
    for level, width in enumerate(widths[1:], start=1):
        x = layers.Conv2D(width, 2, strides=2, activation="relu", name=f"down{level}")(x)
        x = _conv_block(x, width, convs_per_level, f"level{level}")
        skips.append(x)
    for level in range(len(widths) - 2, -1, -1):
        x = layers.Conv2DTranspose(widths[level], 2, strides=2, name=f"up{level}")(x)
        x = layers.Add(name=f"skip{level}")([x, skips[level]])
        x = _conv_block(x, widths[level], convs_per_level, f"up_level{level}")
    correction = layers.Conv2D(channels, 3, padding="same", dtype="float32",
                               name="output_conv")(x)
    outputs = (layers.Add(dtype="float32", name="residual")([image, correction])
               if residual else correction)
    return keras.Model(inputs, outputs, name=name)


def build_discriminator(channels: int = 3, widths: Sequence[int] = (32, 64, 128),
                        name: str = "patchgan_discriminator") -> keras.Model:
    """PatchGAN conditioned on the degraded image: (degraded, image), each [N, H, W, channels]
    in [-1, 1] -> logits [N, H', W', 1], one per overlapping patch.

    ``widths``: a 4x4 stride-2 conv per entry but the last, which is stride 1, then a 4x4
    conv to one logit, as in pix2pix's 70x70 PatchGAN for (64, 128, 256, 512). No
    normalisation (the critic then scores every image on its own, so real and fake batches can
    share one call).
    """
    degraded = keras.Input((None, None, channels), name="degraded")
    image = keras.Input((None, None, channels), name="image")
    x = layers.Concatenate(name="condition")([degraded, image])
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, 4, strides=2 if i < len(widths) - 1 else 1, padding="same",
                          name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    logits = layers.Conv2D(1, 4, padding="same", dtype="float32", name="logits")(x)
    return keras.Model([degraded, image], logits, name=name)
