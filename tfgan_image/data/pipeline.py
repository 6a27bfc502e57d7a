"""tf.data input pipelines: uint8 arrays -> shuffled, batched float batches in [-1, 1]."""

import numpy as np
import tensorflow as tf


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
        raise ValueError(f"batch_size {batch_size} is larger than the data set "
                         f"({len(images_uint8)} images).")
    dataset = tf.data.Dataset.from_tensor_slices(images_uint8)
    dataset = dataset.map(to_unit_range, num_parallel_calls=tf.data.AUTOTUNE).cache()
    dataset = dataset.shuffle(len(images_uint8), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
