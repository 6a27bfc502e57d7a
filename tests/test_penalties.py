import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import penalties

WEIGHTS = tf.constant(np.full([1, 2, 2, 1], 1.0, np.float32))  # ||w||_2 = 2


def linear_critic(images):
    """D(x) = <w, x>: its input gradient is w everywhere, with norm 2."""
    return tf.reduce_sum(images * WEIGHTS, axis=[1, 2, 3])


def test_gradient_penalty_of_a_linear_critic():
    real = tf.random.normal([3, 2, 2, 1])
    fake = tf.random.normal([3, 2, 2, 1])
    # (||w|| - 1)^2 = (2 - 1)^2 = 1 for every interpolate.
    assert penalties.gradient_penalty(linear_critic, real, fake).numpy() == pytest.approx(1.0,
                                                                                         rel=1e-5)


def test_gradient_penalty_interpolates_with_the_given_alpha():
    def quadratic_critic(images):  # gradient = x_hat itself
        return 0.5 * tf.reduce_sum(tf.square(images), axis=[1, 2, 3])
    real = tf.fill([2, 2, 2, 1], 0.75)   # ||real|| = 0.75 * 2 = 1.5
    fake = tf.zeros([2, 2, 2, 1])
    alpha = tf.constant([0.0, 1.0])
    # x_hat = fake (norm 0) and real (norm 1.5): mean((0 - 1)^2, (1.5 - 1)^2) = (1 + 0.25) / 2
    value = penalties.gradient_penalty(quadratic_critic, real, fake, alpha=alpha)
    assert value.numpy() == pytest.approx(0.625, rel=1e-5)


def test_gradient_penalty_draws_alpha_uniformly(monkeypatch):
    calls = []
    original = tf.random.uniform

    def spy(shape, minval=0, maxval=None, **kwargs):
        calls.append((minval, maxval))
        return original(shape, minval, maxval, **kwargs)

    monkeypatch.setattr(tf.random, "uniform", spy)
    penalties.gradient_penalty(linear_critic, tf.zeros([2, 2, 2, 1]), tf.ones([2, 2, 2, 1]))
    assert calls == [(0.0, 1.0)]


def test_r1_penalty_of_a_linear_critic():
    # 0.5 * ||w||^2 = 0.5 * 4
    value = penalties.r1_penalty(linear_critic, tf.random.normal([4, 2, 2, 1]))
    assert value.numpy() == pytest.approx(2.0, rel=1e-5)
