"""Adversarial and reconstruction losses as pure functions.

Every adversarial loss takes discriminator *logits* of any rank (a scalar per image for
DCGAN-style critics, a map of logits for PatchGAN critics) and returns a float32 scalar:
the mean over every element. Nothing here logs; the trainer logs what its steps return.

Naming follows TF-GAN: ``<name>_generator_loss(fake_logits)`` and
``<name>_discriminator_loss(real_logits, fake_logits)``.
"""

from typing import Callable, NamedTuple, Sequence, Tuple

import tensorflow as tf


def _f32(x):
    return tf.cast(x, tf.float32)


# --- minimax: the objectives of Goodfellow et al. (2014), exactly -------------------------
def minimax_discriminator_loss(real_logits, fake_logits):
    """-E[log D(x)] - E[log(1 - D(G(z)))], with D = sigmoid(logits)."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
        tf.nn.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """E[log(1 - D(G(z)))], minimised by G (saturates when D is confident)."""
    return -tf.reduce_mean(tf.nn.softplus(_f32(fake_logits)))


# --- non-saturating ("modified minimax", same paper, section 3) -----------------------------
non_saturating_discriminator_loss = minimax_discriminator_loss


def non_saturating_generator_loss(fake_logits):
    """-E[log D(G(z))]."""
    return tf.reduce_mean(tf.nn.softplus(-_f32(fake_logits)))


# --- least squares (Mao et al. 2017, a-b-c = 0-1-1) -----------------------------------------
def least_squares_discriminator_loss(real_logits, fake_logits):
    """0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2]."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return 0.5 * tf.reduce_mean(tf.square(real_logits - 1.0)) + 0.5 * tf.reduce_mean(
        tf.square(fake_logits))


def least_squares_generator_loss(fake_logits):
    """0.5 E[(D(G(z)) - 1)^2]."""
    return 0.5 * tf.reduce_mean(tf.square(_f32(fake_logits) - 1.0))


# --- Wasserstein (Arjovsky et al. 2017; use with penalties.gradient_penalty) ----------------
def wasserstein_discriminator_loss(real_logits, fake_logits):
    """E[D(G(z))] - E[D(x)]."""
    return tf.reduce_mean(_f32(fake_logits)) - tf.reduce_mean(_f32(real_logits))


def wasserstein_generator_loss(fake_logits):
    """-E[D(G(z))]."""
    return -tf.reduce_mean(_f32(fake_logits))


# --- hinge (Lim & Ye 2017; Miyato et al. 2018) -----------------------------------------------
def hinge_discriminator_loss(real_logits, fake_logits):
    """E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return tf.reduce_mean(tf.nn.relu(1.0 - real_logits)) + tf.reduce_mean(
        tf.nn.relu(1.0 + fake_logits))


hinge_generator_loss = wasserstein_generator_loss


class AdversarialLoss(NamedTuple):
    """A matched pair of generator and discriminator losses."""
    generator: Callable
    discriminator: Callable


ADVERSARIAL_LOSSES = {
    "minimax": AdversarialLoss(minimax_generator_loss, minimax_discriminator_loss),
    "non_saturating": AdversarialLoss(non_saturating_generator_loss,
                                      non_saturating_discriminator_loss),
    "least_squares": AdversarialLoss(least_squares_generator_loss,
                                     least_squares_discriminator_loss),
    "wasserstein": AdversarialLoss(wasserstein_generator_loss, wasserstein_discriminator_loss),
    "hinge": AdversarialLoss(hinge_generator_loss, hinge_discriminator_loss),
}


def adversarial_loss(name: str) -> AdversarialLoss:
    """Looks up a loss pair by name; raises ValueError naming the valid choices."""
    try:
        return ADVERSARIAL_LOSSES[name]
    except KeyError:
        raise ValueError(f"Unknown adversarial loss {name!r}; choose one of "
                         f"{sorted(ADVERSARIAL_LOSSES)}.") from None


# --- reconstruction losses (used by conditional families) ------------------------------------
def l1_loss(target, prediction):
    """Mean absolute error over all elements, float32."""
    return tf.reduce_mean(tf.abs(_f32(target) - _f32(prediction)))


def l2_loss(target, prediction):
    """Mean squared error over all elements, float32."""
    return tf.reduce_mean(tf.square(_f32(target) - _f32(prediction)))


def feature_maps(feature_extractor, images) -> list:
    """``feature_extractor(images)`` as a list (Keras returns a single output unwrapped)."""
    maps = feature_extractor(images)
    return list(maps) if isinstance(maps, (list, tuple)) else [maps]


def perceptual_loss(feature_extractor, target, prediction):
    """Mean over feature maps of the mean absolute difference of ``feature_extractor``'s
    features (e.g. ``features.vgg_features()``) of target and prediction images."""
    target_features = feature_maps(feature_extractor, target)
    prediction_features = feature_maps(feature_extractor, prediction)
    return tf.add_n([l1_loss(t, p) for t, p in zip(target_features, prediction_features)]) / len(
        target_features)


def crop_at_random_offset(images: Sequence[tf.Tensor], offset_range: int
                          ) -> Tuple[tf.Tensor, ...]:
    """The same window of each of ``images`` (each [N, H, W, C]): [N, H - r, W - r, C] from a
    random offset in [0, r) along each axis, r = ``offset_range`` (0: the images unchanged).

    Why: a generator's output grid (the style network's stride 4, a super-resolution
    network's sub-pixel phases) and VGG's pooling grid (strides 2, 4, 8) both start at a
    training crop's corner, so the generator can learn patterns locked to VGG's pooling phase
    that buy feature loss cheaply; the style network did -- a lattice of dark dots and 4-pixel
    grid lines on every photo. Scored at a random offset, such patterns stop paying.
    """
    if not offset_range:
        return tuple(images)
    offset = tf.random.uniform([2], 0, offset_range, dtype=tf.int32)
    height = tf.shape(images[0])[1] - offset_range
    width = tf.shape(images[0])[2] - offset_range
    return tuple(image[:, offset[0]:offset[0] + height, offset[1]:offset[1] + width]
                 for image in images)


def check_offset_range(name: str, offset_range: int, crop: int) -> None:
    """ValueError (its message starting with the setting's ``name``) unless ``offset_range``
    is in [0, crop / 2): ``crop_at_random_offset`` then keeps more than half of a ``crop``
    pixel training crop."""
    if not 0 <= offset_range < crop // 2:
        raise ValueError(f"{name} must be in [0, {crop // 2}), below half the {crop} px "
                         f"training crop the losses see, got {offset_range}")


# --- style and texture losses (style transfer, texture synthesis) ----------------------------
def gram_matrix(features):
    """Channel co-occurrence of feature maps: [N, H, W, C] -> [N, C, C], float32,
    G[n, i, j] = sum over positions of F[n, ., ., i] * F[n, ., ., j], divided by H * W
    (a mean over positions, so images of different sizes compare)."""
    features = _f32(features)
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], tf.float32)
    return tf.einsum("nhwi,nhwj->nij", features, features) / positions


def style_loss(target_grams, feature_maps):
    """Mean over layers of the mean squared difference between the Gram matrices of
    ``feature_maps`` (a list of [N, H, W, C]) and ``target_grams`` (a list of [C, C] or
    [N, C, C], e.g. of the style image)."""
    losses = [tf.reduce_mean(tf.square(gram_matrix(f) - _f32(g)))
              for f, g in zip(feature_maps, target_grams)]
    return tf.add_n(losses) / len(losses)


def gram_distance(grams, target_gram):
    """A style distance between Gram matrices that stays well-conditioned far from the target:
    ``grams`` [N, C, C] against ``target_gram`` [C, C] -> [N] float32,

        shape + scale = mean((G / |G| - T / |T|)^2) + (log |G| - log |T|)^2,

    |X| = root mean square of the entries. Near the target it equals the relative squared
    error mean((G - T)^2) / mean(T^2) to second order; far from it, the relative error grows
    with the fourth power of feature contrast (a crop twice as contrasty as the style scores
    ~9, five times ~580) while ``scale`` grows with the square of the log contrast, so no single
    high-contrast image dominates a batch's gradient.
    """
    grams, target_gram = _f32(grams), _f32(target_gram)
    grams_rms = tf.sqrt(tf.reduce_mean(tf.square(grams), axis=[1, 2]) + 1e-12)
    target_rms = tf.sqrt(tf.reduce_mean(tf.square(target_gram)) + 1e-12)
    shape = tf.reduce_mean(tf.square(grams / grams_rms[:, None, None]
                                     - target_gram / target_rms), axis=[1, 2])
    return shape + tf.square(tf.math.log(grams_rms) - tf.math.log(target_rms))


def total_variation_loss(images):
    """Mean absolute difference between vertically and horizontally adjacent pixels of
    images [N, H, W, C], float32 (a smoothness prior against high-frequency artefacts)."""
    images = _f32(images)
    return (tf.reduce_mean(tf.abs(images[:, 1:] - images[:, :-1]))
            + tf.reduce_mean(tf.abs(images[:, :, 1:] - images[:, :, :-1])))
