"""losses: the GAN losses, Gram matrices, total variation and the random-offset window."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import (
    losses,
)

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


def test_gram_matrix_matches_a_hand_computation():
    # One image, 2x1 positions, 2 channels: F = [[1, 2], [3, 4]] (rows: positions).
    features = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]], np.float32)   # [1, 2, 1, 2]
    # F^T F = [[1*1 + 3*3, 1*2 + 3*4], [.., 2*2 + 4*4]] = [[10, 14], [14, 20]]; / 2 positions.
    np.testing.assert_allclose(losses.gram_matrix(features), [[[5.0, 7.0], [7.0, 10.0]]])
    # The style loss of a map against its own Gram matrix is 0, and against zeros the mean
    # of the squared entries: (25 + 49 + 49 + 100) / 4.
    assert float(losses.style_loss([losses.gram_matrix(features)], [features])) == 0.0
    assert float(losses.style_loss([np.zeros((2, 2), np.float32)], [features])) == pytest.approx(
        223 / 4)


def test_gram_distance_separates_pattern_from_contrast():
    target = np.array([[4.0, 2.0], [2.0, 2.0]], np.float32)   # root mean square: sqrt(7)
    grams = np.stack([target, 4 * target, np.array([[2.0, 4.0], [4.0, 2.0]], np.float32)])
    distance = np.asarray(losses.gram_distance(grams, target))
    # The same pattern at four times the Gram scale (twice the feature contrast): only the
    # scale term, (log 4)^2 = 1.92, where the relative squared error would be (4 - 1)^2 = 9.
    np.testing.assert_allclose(distance[:2], [0.0, np.log(4.0) ** 2], atol=1e-6)
    # Same root mean square (sqrt(10) vs sqrt(7) -> also a scale term), different pattern:
    # shape = mean((G / sqrt(10) - T / sqrt(7))^2) over the four entries.
    expected_shape = np.mean((grams[2] / np.sqrt(10) - target / np.sqrt(7)) ** 2)
    expected_scale = np.log(np.sqrt(10) / np.sqrt(7)) ** 2
    assert distance[2] == pytest.approx(expected_shape + expected_scale, rel=1e-5)
    # Near the target it is the relative squared error to second order.
    near = target * 1.01 + np.array([[0.0, 0.01], [0.01, 0.0]], np.float32)
    relative = np.mean((near - target) ** 2) / np.mean(target ** 2)
    assert float(losses.gram_distance(near[None], target)[0]) == pytest.approx(relative,
                                                                                 rel=0.05)


def test_total_variation_of_a_ramp():
    ramp = np.tile(np.arange(4, dtype=np.float32)[None, :, None], (3, 1, 1))[None]  # [1,3,4,1]
    # Horizontal neighbours differ by 1, vertical ones by 0.
    assert float(losses.total_variation_loss(ramp)) == pytest.approx(1.0)


def test_losses_see_one_window_of_content_and_output_at_a_random_offset():
    height = width = 12
    content = tf.reshape(tf.range(height * width, dtype=tf.float32), [1, height, width, 1])
    output = content + 1000.0
    tf.random.set_seed(0)
    offsets = set()
    for _ in range(200):
        a, b = losses.crop_at_random_offset((content, output), 4)
        assert a.shape == b.shape == (1, 8, 8, 1)
        np.testing.assert_array_equal(b - a, 1000.0)   # the same window of both
        offsets.add(divmod(int(a[0, 0, 0, 0]), width))
    assert offsets == {(y, x) for y in range(4) for x in range(4)}
    same = losses.crop_at_random_offset((content, output), 0)
    assert same[0] is content and same[1] is output
