import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import losses

LOG2 = math.log(2.0)


def test_minimax_is_the_original_objective():
    zeros = tf.zeros([3, 1])
    # D(x) = sigmoid(0) = 1/2: -log(1/2) - log(1 - 1/2) = 2 log 2.
    assert losses.minimax_discriminator_loss(zeros, zeros).numpy() == pytest.approx(2 * LOG2)
    # G minimises log(1 - D(G(z))) = log(1/2).
    assert losses.minimax_generator_loss(zeros).numpy() == pytest.approx(-LOG2)
    # D(G(z)) = sigmoid(ln 3) = 3/4: log(1 - 3/4) = -log 4.
    assert losses.minimax_generator_loss(tf.constant([math.log(3.0)])).numpy() == \
        pytest.approx(-math.log(4.0), rel=1e-6)


def test_non_saturating_generator_loss_by_hand():
    logits = tf.constant([0.0, math.log(3.0)])
    # -log(1/2) and -log(3/4)
    expected = (LOG2 - math.log(0.75)) / 2
    assert losses.non_saturating_generator_loss(logits).numpy() == pytest.approx(expected)


def test_least_squares_by_hand():
    real, fake = tf.constant([1.0, 3.0]), tf.constant([0.0, 2.0])
    # 0.5 * mean(0, 4) + 0.5 * mean(0, 4) = 2
    assert losses.least_squares_discriminator_loss(real, fake).numpy() == pytest.approx(2.0)
    # 0.5 * mean(1, 1) = 0.5
    assert losses.least_squares_generator_loss(fake).numpy() == pytest.approx(0.5)


def test_wasserstein_by_hand():
    real, fake = tf.constant([1.0, 3.0]), tf.constant([0.0, 2.0])
    assert losses.wasserstein_discriminator_loss(real, fake).numpy() == pytest.approx(-1.0)
    assert losses.wasserstein_generator_loss(fake).numpy() == pytest.approx(-1.0)


def test_hinge_by_hand():
    real, fake = tf.constant([0.5, 2.0]), tf.constant([-2.0, 0.5])
    # mean(relu(0.5), relu(-1)) + mean(relu(-1), relu(1.5)) = 0.25 + 0.75
    assert losses.hinge_discriminator_loss(real, fake).numpy() == pytest.approx(1.0)
    assert losses.hinge_generator_loss(fake).numpy() == pytest.approx(0.75)


@pytest.mark.parametrize("name", sorted(losses.ADVERSARIAL_LOSSES))
def test_any_logits_rank_and_dtype(name):
    """PatchGAN maps [N, H, W, 1] give the same value as the flattened logits; bf16 -> f32."""
    pair = losses.adversarial_loss(name)
    rng = np.random.default_rng(0)
    real = rng.normal(size=[2, 4, 4, 1]).astype(np.float32)
    fake = rng.normal(size=[2, 4, 4, 1]).astype(np.float32)
    patch = pair.discriminator(tf.constant(real), tf.constant(fake))
    flat = pair.discriminator(tf.constant(real.reshape(-1)), tf.constant(fake.reshape(-1)))
    assert patch.numpy() == pytest.approx(flat.numpy(), rel=1e-6)
    g16 = pair.generator(tf.cast(fake, tf.bfloat16))
    assert g16.dtype == tf.float32
    assert g16.numpy() == pytest.approx(pair.generator(tf.constant(fake)).numpy(), abs=0.05)


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="non_saturating"):
        losses.adversarial_loss("nonsense")


def test_reconstruction_losses():
    a, b = tf.constant([[1.0, -1.0]]), tf.constant([[0.0, 1.0]])
    assert losses.l1_loss(a, b).numpy() == pytest.approx(1.5)
    assert losses.l2_loss(a, b).numpy() == pytest.approx(2.5)
