"""SRGAN-lite super-resolution: an SRResNet-style generator and a VGG-style discriminator
(Ledig et al. 2017, with EDSR's simplifications: Lim et al. 2017).

Generator: a 3x3 conv, ``blocks`` residual blocks (conv-ReLU-conv, no batch norm, the residual
scaled by ``residual_scale``), a 3x3 conv and a skip over all blocks, then sub-pixel
upsampling to RGB in one step (ESPCN's tail: a conv to ``3 * scale^2`` channels and a pixel
shuffle, ``depth_to_space(scale)``), added to a bilinear upsampling of the input (the network
learns the missing detail, as VDSR's residual learning). Every conv runs at the low
resolution. With ``tail_width`` > 0 the sub-pixel conv makes ``tail_width`` channels per
output pixel instead of RGB, and one 3x3 conv at full resolution mixes neighbouring
sub-pixels into RGB (in the plain tail each of the ``scale^2`` sub-pixel phases has a filter
of its own).

Departure from SRResNet / EDSR: their tail (a conv to ``4 * width`` channels and a x2
shuffle, twice, then a conv at full resolution) runs convs at the high resolution, which on a
CPU costs about as much as the whole body; the one-step tail keeps every conv at the low
resolution.

``build_rfdn_generator``: the residual feature distillation network (RFDN, Liu et al., ECCV
2020 workshops; IMDN's successor, Hui et al. 2019), a lighter body for more quality per
CPU-hour: each block distils half-width features off a chain of shallow residual convs, fuses
them with a 1x1 conv and weighs them by enhanced spatial attention (ESA); the blocks' outputs
are fused again, then the same one-step sub-pixel tail and bilinear base as above.

Discriminator: pairs of 3x3 convs (stride 1, then stride 2) with LeakyReLU, widths doubling,
and a 3x3 conv to one logit per patch of the image (no dense head: any image size works).
"""

from typing import Sequence

import keras
from keras import layers

from tfgan_image.layers import PixelShuffle, ResizeLike, ResizeUpsampling

SCALES = (2, 3, 4)


def build_generator(scale: int = 4, width: int = 64, blocks: int = 8,
                    residual_scale: float = 1.0, channels: int = 3, tail_width: int = 0,
                    name: str = "srresnet") -> keras.Model:
    """SRResNet-lite: low-resolution [N, h, w, channels] in [-1, 1] -> [N, h * scale,
    w * scale, channels] (float32, unclipped; clip to [-1, 1] for display). Any h, w."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale}")
    inputs = keras.Input((None, None, channels), name="low_resolution")
    head = layers.Conv2D(width, 3, padding="same", name="head")(inputs)
    x = head
    for i in range(blocks):
        y = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{i}_conv0")(x)
        y = layers.Conv2D(width, 3, padding="same", name=f"block{i}_conv1")(y)
        y = layers.Rescaling(residual_scale, name=f"block{i}_scale")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    x = layers.Conv2D(width, 3, padding="same", name="body_end")(x)
    x = layers.Add(name="global_skip")([head, x])
    return keras.Model(inputs, _sub_pixel_output(inputs, x, scale, channels, tail_width),
                       name=f"{name}_x{scale}")


def _sub_pixel_output(inputs, features, scale: int, channels: int, tail_width: int = 0):
    """The tail both generators share: a sub-pixel conv and shuffle (optionally a conv at full
    resolution) added to a bilinear upsampling of the input; float32 outputs."""
    x = layers.Conv2D((tail_width or channels) * scale * scale, 3, padding="same",
                      name="subpixel_conv")(features)
    if tail_width:
        x = PixelShuffle(scale, name="pixel_shuffle")(x)
        detail = layers.Conv2D(channels, 3, padding="same", dtype="float32",
                               name="full_resolution_conv")(x)
    else:
        detail = PixelShuffle(scale, dtype="float32", name="pixel_shuffle")(x)
    base = ResizeUpsampling(scale, "bilinear", dtype="float32", name="bilinear_base")(inputs)
    return layers.Add(dtype="float32", name="output")([base, detail])


def _enhanced_spatial_attention(x, width: int, name: str):
    """RFDN's ESA: a mask in (0, 1) from a strided, max-pooled (7x7, stride 3) quarter-width
    branch, upsampled back; x times the mask. The pooling pads ("same") where the reference
    does not, so inputs of any size (a small tile) work."""
    reduced = layers.Conv2D(width // 4, 1, name=f"{name}_reduce")(x)
    y = layers.Conv2D(width // 4, 3, strides=2, padding="same", name=f"{name}_stride")(reduced)
    y = layers.MaxPooling2D(7, strides=3, padding="same", name=f"{name}_pool")(y)
    y = layers.Conv2D(width // 4, 3, padding="same", activation="relu",
                      name=f"{name}_range")(y)
    y = layers.Conv2D(width // 4, 3, padding="same", activation="relu", name=f"{name}_conv")(y)
    y = layers.Conv2D(width // 4, 3, padding="same", name=f"{name}_conv_b")(y)
    y = ResizeLike(name=f"{name}_upsample")([y, x])
    y = layers.Add(name=f"{name}_add")([y, layers.Conv2D(width // 4, 1, name=f"{name}_skip")(
        reduced)])
    mask = layers.Conv2D(width, 1, activation="sigmoid", name=f"{name}_mask")(y)
    return layers.Multiply(name=f"{name}_weigh")([x, mask])


def _distillation_block(x, width: int, name: str):
    """RFDB: three steps of (a 1x1 conv distilling width/2 channels, a shallow residual 3x3
    conv), a last 3x3 conv to width/2, the four parts concatenated, fused by a 1x1 conv, ESA.
    LeakyReLU(0.05) as the reference."""
    def act(tensor, label):
        return layers.LeakyReLU(0.05, name=f"{name}_{label}_act")(tensor)

    distilled = []
    for i in range(3):
        distilled.append(act(layers.Conv2D(width // 2, 1, name=f"{name}_distil{i}")(x),
                             f"distil{i}"))
        step = layers.Conv2D(width, 3, padding="same", name=f"{name}_refine{i}")(x)
        x = act(layers.Add(name=f"{name}_refine{i}_add")([step, x]), f"refine{i}")
    distilled.append(act(layers.Conv2D(width // 2, 3, padding="same", name=f"{name}_last")(x),
                         "last"))
    fused = layers.Conv2D(width, 1, name=f"{name}_fuse")(
        layers.Concatenate(name=f"{name}_concat")(distilled))
    return _enhanced_spatial_attention(fused, width, f"{name}_esa")


def build_rfdn_generator(scale: int = 4, width: int = 48, blocks: int = 4, channels: int = 3,
                         tail_width: int = 0, name: str = "rfdn") -> keras.Model:
    """RFDN: low-resolution [N, h, w, channels] in [-1, 1] -> [N, h * scale, w * scale,
    channels] (float32, unclipped). Any h, w. ``width`` must be a multiple of 4."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale}")
    check_width("rfdn", width)
    inputs = keras.Input((None, None, channels), name="low_resolution")
    head = layers.Conv2D(width, 3, padding="same", name="head")(inputs)
    x, outputs = head, []
    for i in range(blocks):
        x = _distillation_block(x, width, f"block{i}")
        outputs.append(x)
    x = layers.Concatenate(name="blocks_concat")(outputs) if blocks > 1 else x
    x = layers.LeakyReLU(0.05, name="blocks_fuse_act")(
        layers.Conv2D(width, 1, name="blocks_fuse")(x))
    x = layers.Conv2D(width, 3, padding="same", name="body_end")(x)
    x = layers.Add(name="global_skip")([head, x])
    return keras.Model(inputs, _sub_pixel_output(inputs, x, scale, channels, tail_width),
                       name=f"{name}_x{scale}")


GENERATORS = {"srresnet": build_generator, "rfdn": build_rfdn_generator}


def check_width(architecture: str, width: int) -> None:
    """ValueError unless ``width`` suits the generator ``architecture`` (RFDN's attention
    works at a quarter of it, so it must be a multiple of 4)."""
    if architecture == "rfdn" and width % 4:
        raise ValueError(f"--width must be a multiple of 4 for --architecture=rfdn, got "
                         f"{width}")


def build_discriminator(widths: Sequence[int] = (32, 64, 128, 256), channels: int = 3,
                        name: str = "vgg_discriminator") -> keras.Model:
    """High-resolution images [N, H, W, channels] in [-1, 1] -> logits
    [N, H / 2^len(widths), W / 2^len(widths), 1] (one per overlapping patch)."""
    images = keras.Input((None, None, channels), name="images")
    x = images
    for i, width in enumerate(widths):
        if i:  # SRGAN's first block has no stride-1 conv of its own width
            x = layers.Conv2D(width, 3, padding="same", name=f"conv{i}_a")(x)
            x = layers.LeakyReLU(0.2, name=f"lrelu{i}_a")(x)
        x = layers.Conv2D(width, 3, strides=2, padding="same", name=f"conv{i}_b")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}_b")(x)
    logits = layers.Conv2D(1, 3, padding="same", dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
