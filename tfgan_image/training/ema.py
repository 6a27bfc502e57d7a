"""Exponential moving average of a model's weights (the "EMA generator")."""

import keras
import tensorflow as tf


def clone_for_ema(model: keras.Model) -> keras.Model:
    """A copy of ``model`` with the same architecture and current weights."""
    ema = keras.models.clone_model(model)
    ema.set_weights(model.get_weights())
    return ema


def update_ema(ema_model: keras.Model, model: keras.Model, decay, step) -> None:
    """ema <- d * ema + (1 - d) * model for every weight, BN statistics included.

    ``d = min(decay, (1 + step) / (10 + step))`` so early EMA weights are not dominated by the
    random initialisation.
    """
    step = tf.cast(step, tf.float32)
    d = tf.minimum(tf.constant(decay, tf.float32), (1.0 + step) / (10.0 + step))
    for ema_weight, weight in zip(ema_model.weights, model.weights):
        value = tf.cast(weight.value, tf.float32)
        ema_weight.assign(d * tf.cast(ema_weight.value, tf.float32) + (1.0 - d) * value)
