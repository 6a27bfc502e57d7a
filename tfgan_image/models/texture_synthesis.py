"""Spatial GAN for texture synthesis (Jetchev et al. 2016, "Texture Synthesis with Spatial
Generative Adversarial Networks"): a fully convolutional generator maps a *spatial* noise
tensor to an image, so one trained generator makes textures of any size; the discriminator
scores random patches of the real texture and of generated images.

Generator: noise [N, h, w, input_channels(...)] -> image [N, h * s, w * s, 3] in [-1, 1]
(s = ``output_scale(widths)``): x2 upsamplings -- nearest-neighbour resize + 3x3 conv by
default, 4x4 stride-2 transposed convs or sub-pixel convs -- with batch norm and ReLU, one
more to RGB, tanh. (The SGAN paper's 5x5 transposed convs overlap unevenly: checkerboards. On grass,
3,000 steps: resize 0.12 Gram distance and short blade-like strokes, 4x4 transposed 0.18
and finer noise.) The last x2 step, to RGB, is a sub-pixel conv by default: every output
pixel of a 2x2 block gets its own 3x3 filter (after a nearest resize they share one). On
grass it brought leaf-shaped patches with bright outlines; in Gram distance it is level with
resize (0.118 at 3,000 steps, what resize reached at 4,000; 0.13 at 4,000 in the recorded
run, within the snapshot-to-snapshot noise).
Departure from the SGAN paper: the noise also enters at every upsampled scale (one noise
map per layer, scaled per channel by a zero-initialised 1x1 conv -- StyleGAN's noise
inputs). With noise only at the coarsest scale the generator learned to ignore it and
tiled one motif into a regular lattice; per-scale noise gives every fine detail its own
randomness (grass, 3,000 steps, 4x4 transposed convs: Gram distance 0.87 -> 0.18). All the
noise maps come from the one input tensor (channels beyond the first ``noise_channels``,
rearranged by depth-to-space), so a texture is still a deterministic function of one
spatial noise tensor of any size.
Every region of a large output is produced the same way, so it has no seams; only the edges
of the whole output see the convs' zero padding (``texture_synthesis.generate`` crops them).
Discriminator: stride-2 5x5 convs with LeakyReLU to one logit per patch.

Patch generator (``build_patch_generator``, the texture run's default): the same spatial-noise
interface, but the image is *placed* rather than drawn. A small selection network on the
noise gives, per noise position, logits over a dictionary of atoms (``layers.PatchDictionary``);
the atoms start as random crops of the source texture and are refined slowly in training;
each position shows a soft choice of atoms (softmax of the logits plus scaled selection
noise) in a ``stride`` x ``stride`` cell, cross-faded with its neighbours over narrow seam
bands. Untrained (zero logits) it is a random quilt of source crops; training edits the atoms
and biases the choices. On grass the pixel generator above never drew blades in its budget
(fine grain, Gram distance 0.12 after 4,000 steps); the patch generator shows the source's
blades and leaves from the start (0.060 untrained, about 0.055 after 1,500 steps, against
0.050 for crops of the source: tools/RESULTS.md). Most of that is the quilt itself;
the GAN's share is the last tenth.
"""

from typing import Sequence

import keras
import numpy as np
from keras import layers

from tfgan_image.data import pipeline
from tfgan_image.layers import (
    FusedBatchNormalization,
    PatchDictionary,
    PixelShuffle,
    ResizeUpsampling,
)
from tfgan_image.models import patch


def output_scale(widths: Sequence[int]) -> int:
    """Output pixels per noise position along each axis: one x2 upsampling per hidden width,
    and one more to RGB."""
    return 2 ** (len(widths) + 1)


def input_channels(noise_channels: int, widths: Sequence[int]) -> int:
    """Channels of the generator's noise input: ``noise_channels`` at the coarsest scale plus
    one noise map for each hidden layer (4^k channels for the layer at 2^k times the input
    resolution)."""
    return noise_channels + sum(4 ** k for k in range(1, len(widths) + 1))


UPSAMPLING = ("transposed", "resize", "subpixel")


def _upsample(x, width: int, upsampling: str, name: str, dtype=None):
    """x2: a 4x4 stride-2 transposed conv; nearest-neighbour resize then a 3x3 conv; or a 3x3
    conv to 4 x ``width`` channels then depth-to-space (sub-pixel conv, Shi et al. 2016)."""
    if upsampling == "transposed":
        return layers.Conv2DTranspose(width, 4, strides=2, padding="same", dtype=dtype,
                                      name=name)(x)
    if upsampling == "subpixel":
        x = layers.Conv2D(4 * width, 3, padding="same", dtype=dtype, name=name)(x)
        return PixelShuffle(2, dtype=dtype, name=f"{name}_shuffle")(x)
    x = ResizeUpsampling(2, "nearest", name=f"{name}_resize")(x)
    return layers.Conv2D(width, 3, padding="same", dtype=dtype, name=name)(x)


def build_generator(noise_channels: int = 32, widths: Sequence[int] = (256, 128, 64),
                    upsampling: str = "resize", output_upsampling: str = "subpixel",
                    name: str = "spatial_gan_generator") -> keras.Model:
    """Spatial noise [N, h, w, input_channels(noise_channels, widths)] -> texture
    [N, h * s, w * s, 3] in [-1, 1] (float32), s = ``output_scale(widths)``; ``widths``:
    channels of the hidden layers; ``upsampling`` (hidden layers) and ``output_upsampling``
    (the last x2 step, to RGB): each one of UPSAMPLING."""
    for argument, value in (("upsampling", upsampling), ("output_upsampling",
                                                          output_upsampling)):
        if value not in UPSAMPLING:
            raise ValueError(f"{argument} must be one of {UPSAMPLING}, got {value!r}")
    noise = keras.Input((None, None, input_channels(noise_channels, widths)), name="noise")
    x = noise[..., :noise_channels]
    start = noise_channels
    for i, width in enumerate(widths):
        x = _upsample(x, width, upsampling, f"up{i}")
        block = 2 ** (i + 1)
        noise_map = PixelShuffle(block, name=f"noise{i}_map")(
            noise[..., start:start + block * block])
        start += block * block
        x = layers.Add(name=f"noise{i}_add")([x, layers.Conv2D(
            width, 1, use_bias=False, kernel_initializer="zeros", name=f"noise{i}_scale")(
            noise_map)])
        x = FusedBatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = _upsample(x, 3, output_upsampling, "to_rgb", dtype="float32")
    outputs = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(noise, outputs, name=name)


def patch_input_channels(noise_channels: int, patches: int) -> int:
    """Channels of ``build_patch_generator``'s noise: ``noise_channels`` for the selection
    network plus one selection-noise channel per patch."""
    return noise_channels + patches


def build_patch_generator(noise_channels: int = 32, widths: Sequence[int] = (256, 128, 64),
                          patches: int = 256, stride: int = 16, seam: int = 3,
                          temperature: float = 16.0, edit_scale: float = 0.3,
                          name: str = "patch_dictionary_generator") -> keras.Model:
    """Spatial noise [N, h, w, patch_input_channels(noise_channels, patches)] -> texture
    [N, h * stride, w * stride, 3] (float32, about [-1, 1]).

    A selection network at the noise's resolution (one 3x3 conv + batch norm + ReLU per
    ``widths`` entry on the first ``noise_channels`` channels, then a zero-initialised 1x1 conv
    to one logit per patch) feeds a ``PatchDictionary`` whose selection noise is the remaining
    ``patches`` channels. Fill the atoms with ``init_patch_dictionary`` before training. With
    three 3x3 convs a choice sees the noise of 7x7 positions, so neighbouring choices can agree.
    """
    noise = keras.Input((None, None, patch_input_channels(noise_channels, patches)),
                        name="noise")
    x = noise[..., :noise_channels]
    for i, width in enumerate(widths):
        x = layers.Conv2D(width, 3, padding="same", name=f"select{i}")(x)
        x = FusedBatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    logits = layers.Conv2D(patches, 1, kernel_initializer="zeros", dtype="float32",
                           name="logits")(x)
    # float32: in bfloat16 the blends were off by up to 0.09 (11 8-bit levels), for a 1.5x
    # faster layer.
    outputs = PatchDictionary(patches, stride, seam, temperature, edit_scale, dtype="float32",
                              name="patch_dictionary")([logits, noise[..., noise_channels:]])
    return keras.Model(noise, outputs, name=name)


def init_patch_dictionary(generator: keras.Model, source: np.ndarray, seed: int) -> None:
    """Sets the atoms of ``generator``'s PatchDictionary to random crops of ``source``
    (uint8 [H, W, 3], at least one patch in size), scaled to [-1, 1]."""
    layer = generator.get_layer("patch_dictionary")
    count, size = layer.patches, 2 * layer.stride
    if min(source.shape[:2]) < size:
        raise ValueError(f"The source ({source.shape[1]}x{source.shape[0]}) is smaller than "
                         f"one patch ({size}x{size}).")
    crops = pipeline.random_crops(source, size, count, seed)
    layer.atoms.assign(crops.astype(np.float32) / 127.5 - 1.0)


def build_discriminator(widths: Sequence[int] = (32, 64, 128, 256),
                        name: str = "spatial_gan_discriminator") -> keras.Model:
    """Texture patches [N, H, W, 3] in [-1, 1] -> logits [N, H / 2^len(widths),
    W / 2^len(widths), 1]: 5x5 stride-2 convs (``patch.build_patch_discriminator``)."""
    return patch.build_patch_discriminator(widths, 5, name)
