"""The fully convolutional patch discriminator of style transfer and texture synthesis."""

from typing import Sequence

import keras
from keras import layers


def build_patch_discriminator(widths: Sequence[int], kernel_size: int,
                              name: str = "patch_discriminator") -> keras.Model:
    """Images [N, H, W, 3] in [-1, 1] -> logits [N, H / 2^len(widths), W / 2^len(widths), 1]
    (float32): ``kernel_size`` stride-2 convs with LeakyReLU 0.2, then a 3x3 conv to one
    logit per patch. Any input size."""
    images = keras.Input((None, None, 3), name="images")
    x = images
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, kernel_size, strides=2, padding="same", name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    logits = layers.Conv2D(1, 3, padding="same", dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
