"""DiffAugment (Zhao et al. 2020): differentiable augmentation for data-efficient GANs.

The same random transformation family is applied to real and generated images before every
discriminator call, in both the D and the G step, so D cannot memorise a small data set and
G still gets useful gradients (every op here is differentiable w.r.t. the images).

Images: [N, H, W, C], values nominally in [-1, 1]; the output has the same shape and dtype.
"""

from typing import Callable, Sequence

import tensorflow as tf


def random_brightness(images):
    """Adds U[-0.5, 0.5) per sample."""
    shift = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], dtype=tf.float32) - 0.5
    return images + tf.cast(shift, images.dtype)


def random_saturation(images):
    """Scales the deviation from the per-pixel channel mean by U[0, 2) per sample."""
    mean = tf.reduce_mean(images, axis=3, keepdims=True)
    factor = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], dtype=tf.float32) * 2.0
    return (images - mean) * tf.cast(factor, images.dtype) + mean


def random_contrast(images):
    """Scales the deviation from the per-image mean by U[0.5, 1.5) per sample."""
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    factor = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], dtype=tf.float32) + 0.5
    return (images - mean) * tf.cast(factor, images.dtype) + mean


def random_translation(images, ratio: float = 0.125):
    """Shifts each image by up to ``ratio`` of its size (rounded down, as the reference
    implementation's ``size * 1 // 8``) in x and y, padding with zeros."""
    batch = tf.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    shift_y, shift_x = int(height * ratio), int(width * ratio)
    ty = tf.random.uniform([batch, 1], -shift_y, shift_y + 1, dtype=tf.int32)
    tx = tf.random.uniform([batch, 1], -shift_x, shift_x + 1, dtype=tf.int32)
    padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]])
    # Index 0 and size+1 are the zero border: out-of-range rows/columns read it.
    rows = tf.clip_by_value(tf.range(height)[None, :] + ty + 1, 0, height + 1)
    cols = tf.clip_by_value(tf.range(width)[None, :] + tx + 1, 0, width + 1)
    shifted = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(shifted, cols, axis=2, batch_dims=1)


def random_cutout(images, ratio: float = 0.5):
    """Zeroes one square of side ``ratio`` * size (rounded down, as the reference
    implementation's ``size * 1 // 2``) at a random place in each image."""
    batch = tf.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    size_y, size_x = int(height * ratio), int(width * ratio)
    cy = tf.random.uniform([batch, 1, 1], 0, height + (1 - size_y % 2), dtype=tf.int32)
    cx = tf.random.uniform([batch, 1, 1], 0, width + (1 - size_x % 2), dtype=tf.int32)
    rows = tf.range(height)[None, :, None]
    cols = tf.range(width)[None, None, :]
    inside = ((rows >= cy - size_y // 2) & (rows < cy - size_y // 2 + size_y)
              & (cols >= cx - size_x // 2) & (cols < cx - size_x // 2 + size_x))
    keep = tf.cast(tf.logical_not(inside), images.dtype)[..., None]
    return images * keep


AUGMENTATIONS = {
    "color": (random_brightness, random_saturation, random_contrast),
    "translation": (random_translation,),
    "cutout": (random_cutout,),
}


def diff_augment_fn(policy: str) -> Callable | None:
    """Returns images -> augmented images for a policy like "translation,cutout".

    An empty policy returns None (no augmentation). Unknown names raise ValueError.
    """
    names: Sequence[str] = [p.strip() for p in policy.split(",") if p.strip()]
    if not names:
        return None
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ValueError(f"Unknown DiffAugment policy {unknown}; choose from "
                         f"{sorted(AUGMENTATIONS)} (comma separated).")
    ops = [op for n in names for op in AUGMENTATIONS[n]]

    def augment(images):
        for op in ops:
            images = op(images)
        return images

    return augment
