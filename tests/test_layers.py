import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_image.layers import FusedBatchNormalization


@pytest.mark.parametrize("shape", [(16, 6), (8, 5, 5, 3)])
def test_fused_batch_norm_matches_keras_batch_norm(shape):
    x = np.random.default_rng(0).normal(2.0, 3.0, size=shape).astype(np.float32)
    fused, reference = FusedBatchNormalization(), keras.layers.BatchNormalization()
    fused.build(shape)
    reference.build(shape)
    gamma = np.linspace(0.5, 2.0, shape[-1]).astype(np.float32)
    beta = np.linspace(-1.0, 1.0, shape[-1]).astype(np.float32)
    for layer in (fused, reference):
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    # Training mode: batch statistics (biased variance) in both.
    np.testing.assert_allclose(fused(x, training=True), reference(x, training=True),
                               atol=1e-4)
    # Moving mean follows the batch mean with momentum 0.99 in both.
    np.testing.assert_allclose(fused.moving_mean.numpy(), reference.moving_mean.numpy(),
                               atol=1e-5)
    # Inference mode with identical moving statistics gives identical outputs.
    fused.moving_variance.assign(reference.moving_variance.numpy())
    np.testing.assert_allclose(fused(x, training=False), reference(x, training=False),
                               atol=1e-4)


def test_fused_batch_norm_gradients_and_bfloat16():
    layer = FusedBatchNormalization(dtype="mixed_bfloat16")
    x = tf.random.normal([4, 3, 3, 8])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) ** 2)
    grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
    assert y.dtype == tf.bfloat16 and layer.gamma.dtype == "float32"
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)
    with pytest.raises(ValueError, match="rank 2 or 4"):
        FusedBatchNormalization()(tf.zeros([2, 3, 4]))


def test_a_generator_with_a_categorical_code_saves_and_loads(tmp_path):
    from tfgan_image import export
    from tfgan_image.models import dcgan

    generator = dcgan.build_generator(latent_dim=12, widths=(8, 4), categories=10)
    path = str(tmp_path / "g.keras")
    generator.save(path)
    loaded = export.load_model_file(path)   # safe mode: the layer is registered
    z = np.random.default_rng(0).standard_normal((3, 12)).astype(np.float32)
    np.testing.assert_allclose(loaded(z), generator(z), atol=1e-6)
