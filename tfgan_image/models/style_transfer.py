"""Feed-forward style transfer: Johnson et al.'s (2016) image transformation network, with
Ulyanov et al.'s instance normalisation and Odena et al.'s resize-convolution upsampling, and a
patch discriminator for the optional adversarial term.

Transformer: reflection padding, a 9x9 conv, two stride-2 3x3 convs, ``residual_blocks``
residual blocks, two (nearest x2 upsampling + 3x3 conv) steps, and a 9x9 conv to RGB. Every
conv but the last is followed by instance normalisation and ReLU. Fully convolutional: any
H, W that are multiples of 4; content photo [N, H, W, 3] in [-1, 1] -> stylised image
[N, H, W, 3], float32, in [-1, 1] up to small overshoots (clip when converting to pixels).

By default (``photo_shortcut``), a departure from Johnson et al. (who end in a tanh that makes
the image): the last conv's output is *added to the content photo* and starts at zero, so the
untrained network is the identity and the content stays recognisable from the first step. Before
the residual is added the photo passes through a learned per-pixel colour map (a 3x3 matrix and
an offset, identity at start), which moves colours towards the style's palette: the instance-
normalised trunk cannot, as it never sees absolute colours. Without the shortcut (Johnson et
al.'s network, and the shipped Starry Night model's) the network makes every pixel itself: it
learns content more slowly but restyles more strongly. With ``colour_target`` (the style run's
default) each photo first gets the style image's colour mean and covariance
(``layers.ColourStatisticsTransfer``, computed per photo): the palette is matched per photo,
analytically, and the trunk spends its capacity on texture. With the shortcut the untrained
network is then the colour transfer.
"""

from typing import Sequence

import keras
import numpy as np
from keras import layers

from tfgan_image.layers import (
    ColourStatisticsTransfer,
    InstanceNormalization,
    ReflectionPadding2D,
    ResizeUpsampling,
    WeightNormConv2D,
)
from tfgan_image.models import patch

STRIDE = 4  # input H and W must be multiples of this
NORMALIZATIONS = ("instance", "weight")


def _conv(x, width: int, kernel: int, name: str, normalization: str, strides: int = 1,
          relu: bool = True):
    """Reflection padding, a conv and (with ``relu``) a ReLU: a Conv2D followed by instance
    normalisation, or for ``normalization`` "weight" a ``WeightNormConv2D`` followed by
    mean-only instance normalisation."""
    x = ReflectionPadding2D(kernel // 2, name=f"{name}_pad")(x)
    if normalization == "weight":
        x = WeightNormConv2D(width, kernel, strides=strides, gain=np.sqrt(2) if relu else 1.0,
                             name=f"{name}_conv")(x)
        x = InstanceNormalization(center_only=True, name=f"{name}_norm")(x)
    else:
        x = layers.Conv2D(width, kernel, strides=strides, name=f"{name}_conv")(x)
        x = InstanceNormalization(name=f"{name}_norm")(x)
    if relu:
        x = layers.ReLU(name=f"{name}_relu")(x)
    return x


def colour_transfer(colour_target) -> ColourStatisticsTransfer:
    """The transformer's first layer: moves a photo's colours to the colour mean and
    covariance of ``colour_target`` (pixels [..., 3] in [-1, 1], e.g. the style image)."""
    transfer = ColourStatisticsTransfer(dtype="float32", name="colour_transfer")
    transfer.set_target(colour_target)
    return transfer


def build_transformer(width: int = 32, residual_blocks: int = 5, colour_target=None,
                      photo_shortcut: bool = True, normalization: str = "instance",
                      name: str = "style_transformer") -> keras.Model:
    """The image transformation network; ``width`` channels at full resolution (Johnson: 32),
    2x and 4x that at 1/2 and 1/4 resolution. ``colour_target``: None, or pixels [..., 3] in
    [-1, 1] (the style image): the photo's colours are first moved to their colour mean and
    covariance (``colour_transfer``), and the network restyles that. ``photo_shortcut``:
    the last conv's output is added to the (colour-mapped) photo, as the module docstring
    says; false: Johnson et al.'s ending, the last conv through tanh is the image.
    ``normalization`` (one of ``NORMALIZATIONS``): "instance" (Johnson et al.: instance
    normalisation after every conv but the last) or "weight" (Salimans & Kingma's weight
    normalisation with mean-only normalisation per image: every conv but the last is a
    ``WeightNormConv2D`` whose output is centred, not divided by its standard deviation, which
    a local spike could steer; each residual block's sum is scaled by 1/sqrt(2) to keep the
    trunk in scale)."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, "
                         f"not {normalization!r}.")
    photo = keras.Input((None, None, 3), name="content")
    inputs = photo if colour_target is None else colour_transfer(colour_target)(photo)
    x = _conv(inputs, width, 9, "in", normalization)
    x = _conv(x, 2 * width, 3, "down1", normalization, strides=2)
    x = _conv(x, 4 * width, 3, "down2", normalization, strides=2)
    for i in range(residual_blocks):
        y = _conv(x, 4 * width, 3, f"res{i}a", normalization)
        y = _conv(y, 4 * width, 3, f"res{i}b", normalization, relu=False)
        x = layers.Add(name=f"res{i}_add")([x, y])
        if normalization == "weight":
            x = layers.Rescaling(np.sqrt(0.5), name=f"res{i}_scale")(x)
    for i, channels in enumerate((2 * width, width)):
        x = ResizeUpsampling(2, "nearest", name=f"up{i}_resize")(x)
        x = _conv(x, channels, 3, f"up{i}", normalization)
    x = ReflectionPadding2D(4, name="out_pad")(x)
    if not photo_shortcut:
        x = layers.Conv2D(3, 9, name="out_conv")(x)
        return keras.Model(photo, layers.Activation("tanh", dtype="float32", name="restyled")(x),
                           name=name)
    # In the compute dtype: the 9x9 conv to 3 channels at full resolution is the network's
    # most expensive layer, and bfloat16's rounding of the residual is below one 8-bit step.
    residual = layers.Conv2D(3, 9, kernel_initializer="zeros", name="out_conv")(x)
    # A learned global colour map of the content (3x3 matrix + offset, identity at start):
    # the instance-normalised trunk cannot see a photo's absolute colours, so on its own it
    # cannot move them towards the style's palette.
    recoloured = layers.Dense(3, kernel_initializer="identity", bias_initializer="zeros",
                              dtype="float32", name="colour_map")(inputs)
    outputs = layers.Add(dtype="float32", name="restyled")([recoloured, residual])
    return keras.Model(photo, outputs, name=name)


def build_patch_discriminator(widths: Sequence[int] = (32, 64, 128),
                              name: str = "patch_discriminator") -> keras.Model:
    """Images [N, H, W, 3] in [-1, 1] -> logits [N, H / 2^len(widths), W / 2^len(widths), 1]:
    4x4 stride-2 convs (``patch.build_patch_discriminator``)."""
    return patch.build_patch_discriminator(widths, 4, name)
