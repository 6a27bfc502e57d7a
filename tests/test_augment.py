import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import augment


def one_bright_pixel(batch=64, size=16):
    images = np.zeros([batch, size, size, 1], np.float32)
    images[:, 8, 8, 0] = 1.0
    return tf.constant(images)


def test_translation_moves_content_by_at_most_the_ratio():
    tf.random.set_seed(0)
    shifted = augment.random_translation(one_bright_pixel(), ratio=0.125).numpy()
    assert shifted.shape == (64, 16, 16, 1)
    positions = np.argwhere(shifted[..., 0] == 1.0)
    assert len(positions) == 64                     # the pixel never leaves a 16px image
    assert np.abs(positions[:, 1:] - 8).max() <= 2  # 0.125 * 16 = 2 pixels
    assert len({tuple(p[1:]) for p in positions}) > 5  # and it really moves


def test_translation_fills_with_zeros():
    shifted = augment.random_translation(tf.ones([32, 8, 8, 1]), ratio=0.25).numpy()
    assert set(np.unique(shifted)) <= {0.0, 1.0}
    assert (shifted == 0).any()


def test_cutout_zeroes_one_square_of_half_the_size():
    tf.random.set_seed(1)
    out = augment.random_cutout(tf.ones([32, 16, 16, 3]), ratio=0.5).numpy()
    zeros_per_image = (out[..., 0] == 0).sum(axis=(1, 2))
    assert zeros_per_image.max() == 64              # an 8x8 square when fully inside
    assert zeros_per_image.min() > 0
    assert (out[..., 0] == out[..., 2]).all()       # the same square in every channel


def test_color_keeps_shape_and_dtype():
    images = tf.random.uniform([4, 8, 8, 3], -1, 1, dtype=tf.bfloat16)
    for op in augment.AUGMENTATIONS["color"]:
        out = op(images)
        assert out.shape == images.shape and out.dtype == tf.bfloat16


def test_policy_is_differentiable_and_validated():
    fn = augment.diff_augment_fn("color,translation,cutout")
    images = tf.random.normal([4, 8, 8, 3])
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(fn(images))
    grads = tape.gradient(total, images)
    assert grads is not None and np.isfinite(grads.numpy()).all()
    assert augment.diff_augment_fn("") is None
    with pytest.raises(ValueError, match="flip"):
        augment.diff_augment_fn("translation,flip")


def test_sizes_round_down_as_the_reference_implementation():
    # data-efficient-gans: shift = size * 1 // 8, cutout side = size * 1 // 2; on 28 px
    # digits that is +-3 pixels and a 14-pixel square, on 27 px a 13-pixel square.
    tf.random.set_seed(2)
    digits = np.zeros([256, 28, 28, 1], np.float32)
    digits[:, 14, 14, 0] = 1.0
    positions = np.argwhere(augment.random_translation(tf.constant(digits)).numpy()[..., 0])
    assert np.abs(positions[:, 1:] - 14).max() == 3
    out = augment.random_cutout(tf.ones([64, 27, 27, 1])).numpy()
    assert (out[..., 0] == 0).sum(axis=(1, 2)).max() == 13 * 13
