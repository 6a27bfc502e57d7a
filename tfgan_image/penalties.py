"""Gradient penalties on the discriminator, as pure functions.

``discriminator`` is any callable mapping an image batch [N, H, W, C] to logits of any rank
(it may close over extra inputs such as a conditioning image). Penalties return float32 scalars
*before* their weight; the trainer multiplies by the weight it was given.
"""

import tensorflow as tf


def _squared_gradient_norm(discriminator, images):
    """Per-sample ||d sum(D(x)) / dx||^2, shape [N]."""
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = tf.cast(discriminator(images), tf.float32)
        total = tf.reduce_sum(logits)
    grads = tf.cast(tape.gradient(total, images), tf.float32)
    return tf.reduce_sum(tf.square(grads), axis=list(range(1, grads.shape.rank)))


def gradient_penalty(discriminator, real_images, fake_images, alpha=None):
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad D(x_hat)||_2 - 1)^2].

    x_hat = alpha * real + (1 - alpha) * fake with alpha ~ U[0, 1] per sample (a uniform draw,
    as in the paper; some popular examples drew it from a normal). ``alpha`` may be passed
    explicitly, shape [N] or [N, 1, 1, 1], for deterministic tests.
    """
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    batch = tf.shape(real_images)[0]
    if alpha is None:
        alpha = tf.random.uniform([batch], 0.0, 1.0)
    alpha = tf.reshape(tf.cast(alpha, tf.float32), [-1] + [1] * (real_images.shape.rank - 1))
    interpolated = alpha * real_images + (1.0 - alpha) * fake_images
    norms = tf.sqrt(_squared_gradient_norm(discriminator, interpolated) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def r1_penalty(discriminator, real_images):
    """R1 (Mescheder et al. 2018): 0.5 * E[||grad D(x_real)||_2^2] (the gamma/2 factor's 1/2).

    The trainer multiplies by gamma (``r1_weight``).
    """
    real_images = tf.cast(real_images, tf.float32)
    return 0.5 * tf.reduce_mean(_squared_gradient_norm(discriminator, real_images))
