"""tf.data input pipelines: uint8 arrays -> shuffled, batched float batches in [-1, 1]."""

from typing import Optional

import numpy as np
import tensorflow as tf

from tfgan_image.data.sources import DataError


def to_unit_range(images_uint8):
    """uint8 [..., H, W, C] in [0, 255] -> float32 in [-1, 1]."""
    return tf.cast(images_uint8, tf.float32) / 127.5 - 1.0


def from_unit_range(images):
    """float in [-1, 1] -> uint8 in [0, 255] (clipped, rounded)."""
    images = np.clip((np.asarray(images, np.float32) + 1.0) * 127.5, 0, 255)
    return np.round(images).astype(np.uint8)


def training_batches(images_uint8: np.ndarray, batch_size: int, seed: int,
                     repeat: bool = True) -> tf.data.Dataset:
    """An infinite (or one-epoch) stream of shuffled batches.

    Args:
      images_uint8: [N, H, W, C] uint8.
      batch_size: global batch size; the last partial batch is dropped so every step (and
        every replica under a distribution strategy) sees a full, static-shape batch.
      seed: shuffle seed; pass a different one on resume so order is not replayed.

    Returns: a Dataset of float32 [batch_size, H, W, C] in [-1, 1].
    """
    if len(images_uint8) < batch_size:
        raise DataError(f"--batch_size {batch_size} is larger than the data set "
                        f"({len(images_uint8)} training images); use a smaller --batch_size.")
    dataset = tf.data.Dataset.from_tensor_slices(images_uint8)
    dataset = dataset.map(to_unit_range, num_parallel_calls=tf.data.AUTOTUNE).cache()
    dataset = dataset.shuffle(len(images_uint8), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def patch_bank(photos, patch_size: int, stride: Optional[int] = None) -> np.ndarray:
    """Cuts photos (uint8 [H, W, C] of any sizes) into [patch_size, patch_size] patches: uint8
    [N, patch_size, patch_size, C]. Photos smaller than a patch are skipped.

    ``stride``: None, non-overlapping patches from the top-left corner (a remainder at the
    bottom and right is left out); else round(spare / stride) + 1 patches along each side,
    spare = side - patch_size, evenly spaced from edge to edge (about ``stride`` apart), so a
    photo is covered to within half a stride of its edges and patches never nearly repeat."""
    def starts(length):
        if stride is None:
            return range(0, length // patch_size * patch_size, patch_size)
        if length < patch_size:
            return []
        spare = length - patch_size
        return np.round(np.linspace(0, spare, round(spare / stride) + 1)).astype(int)

    patches = [photo[top:top + patch_size, left:left + patch_size] for photo in photos
               for top in starts(photo.shape[0]) for left in starts(photo.shape[1])]
    if not patches:
        raise ValueError(f"No photo is at least {patch_size}x{patch_size} pixels.")
    return np.stack(patches)


def random_crops(source: np.ndarray, size: int, count: int, seed: int) -> np.ndarray:
    """``count`` seeded [size, size] crops at random places of ``source`` [H, W, C] (H, W >=
    size): [count, size, size, C], same dtype."""
    rng = np.random.default_rng(seed)
    return np.stack([source[y:y + size, x:x + size] for y, x in zip(
        rng.integers(0, source.shape[0] - size + 1, count),
        rng.integers(0, source.shape[1] - size + 1, count))])


def centre_crop(image, size: int):
    """The central [min(H, size), min(W, size)] window of an image [H, W, ...]."""
    top, left = max(0, (image.shape[0] - size) // 2), max(0, (image.shape[1] - size) // 2)
    return image[top:top + size, left:left + size]


def random_flip_rotate(image, seed):
    """One of the 8 flips/rotations of a square image [S, S, C], chosen by a stateless seed."""
    k = tf.random.stateless_uniform((), seed, 0, 8, dtype=tf.int32)
    image = tf.image.rot90(image, k % 4)
    return tf.cond(k >= 4, lambda: tf.image.flip_left_right(image), lambda: image)


def restoration_batches(patches_uint8: np.ndarray, crop_size: int, batch_size: int,
                        degrade, seed: int, repeat: bool = True) -> tf.data.Dataset:
    """(degraded, clean) training pairs: random crops of the patches, flipped / rotated, then
    degraded on the fly with fresh random parameters per sample.

    Args:
      patches_uint8: [N, P, P, C] uint8 (``patch_bank``), P >= crop_size.
      degrade: fn(image [S, S, C] in [0, 1], seed [2]) -> degraded image
        (``degrade.make_degrader``), or [S, S, C + 1] with a noise-level map
        (``degrade.make_noise_level_degrader``).
      seed: base seed; sample i of the stream uses seeds derived from (seed, i), so the stream
        is reproducible and a resumed run passes seed + step for new samples.

    Returns: a Dataset of (degraded, clean), each float32 [batch_size, S, S, C] in [-1, 1];
    a noise-level map channel of ``degraded`` becomes the std on the [-1, 1] scale (x 2).
    """
    if patches_uint8.shape[1] < crop_size or patches_uint8.shape[2] < crop_size:
        raise ValueError(f"crop_size {crop_size} is larger than the patches "
                         f"{patches_uint8.shape[1:3]}.")
    channels = patches_uint8.shape[-1]

    def make_pair(index, patch):
        sample_seed = tf.stack([tf.cast(seed, tf.int64), index])
        crop_seed, flip_seed, degrade_seed = tf.unstack(
            tf.random.experimental.stateless_split(sample_seed, 3))
        clean = tf.image.stateless_random_crop(patch, [crop_size, crop_size, channels],
                                               crop_seed)
        clean = random_flip_rotate(tf.cast(clean, tf.float32) / 255.0, flip_seed)
        degraded = degrade(clean, degrade_seed)
        return (tf.concat([degraded[..., :channels] * 2.0 - 1.0, degraded[..., channels:] * 2.0],
                          axis=-1),
                clean * 2.0 - 1.0)

    dataset = tf.data.Dataset.from_tensor_slices(patches_uint8)
    dataset = dataset.shuffle(len(patches_uint8), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.enumerate().map(make_pair, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def crop_batches(patches_uint8: np.ndarray, crop_size: int, batch_size: int,
                 seed: int) -> tf.data.Dataset:
    """Random flipped / rotated ``crop_size`` crops of the patches, float32 [batch_size, S, S,
    C] in [-1, 1]: the clean half of ``restoration_batches`` (same crops for the same seed)."""
    @tf.autograph.experimental.do_not_convert
    def keep(image, seed_):
        del seed_
        return image

    return restoration_batches(patches_uint8, crop_size, batch_size, keep, seed).map(
        lambda degraded, clean: clean)


def pair_batches(pair_patches_uint8: np.ndarray, crop_size: int, batch_size: int,
                 seed: int) -> tf.data.Dataset:
    """(input, target) training batches of aligned pairs: random crops of the same place of
    both, with the same flip / rotation.

    pair_patches_uint8: [N, P, P, 2C] uint8, the input's C channels then the target's (a
    ``patch_bank`` of the pairs concatenated along channels). Returns a Dataset of (input,
    target), each float32 [batch_size, S, S, C] in [-1, 1].
    """
    channels = pair_patches_uint8.shape[-1] // 2
    return crop_batches(pair_patches_uint8, crop_size, batch_size, seed).map(
        lambda both: (both[..., :channels], both[..., channels:]))
