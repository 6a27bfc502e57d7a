"""layers: fused batch and instance normalisation, reflection padding, pixel shuffle, colour
transfer, the patch dictionary and seam windows, the categorical code."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import (
    layers,
)
from tfgan_image.layers import (
    FusedBatchNormalization,
    InstanceNormalization,
    PixelShuffle,
    ReflectionPadding2D,
    WeightNormConv2D,
)


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


def test_weight_norm_conv_keeps_the_scale_whatever_the_kernel(tmp_path):
    from tfgan_image import export

    keras.utils.set_random_seed(0)
    conv = WeightNormConv2D(64, 3, gain=2.0, use_bias=False)
    x = np.random.default_rng(0).standard_normal((2, 24, 24, 16)).astype(np.float32)
    y = np.asarray(conv(x))
    # Unit second moment in, gain^2 out (zero-mean iid input, 'valid' padding).
    assert y.shape == (2, 22, 22, 64)
    assert abs(np.mean(y ** 2) / 4.0 - 1.0) < 0.05
    # Rescaling a filter leaves the output as it was: the per-filter norm divides it out.
    conv.kernel.assign(conv.kernel * np.linspace(0.1, 10, 64, dtype=np.float32))
    np.testing.assert_allclose(conv(x), y, rtol=1e-4, atol=1e-4)
    # The learned scale sets each channel's size.
    conv.scale.assign(np.linspace(0.5, 1.5, 64, dtype=np.float32))
    np.testing.assert_allclose(conv(x), y * np.linspace(0.25, 0.75, 64), rtol=1e-4, atol=1e-4)
    model = keras.Sequential([keras.Input((None, None, 16)), conv])
    model.save(str(tmp_path / "m.keras"))
    loaded = export.load_model_file(str(tmp_path / "m.keras"))
    assert loaded.layers[-1].gain == 2.0
    np.testing.assert_allclose(loaded(x), conv(x), rtol=1e-4, atol=1e-4)


def test_instance_norm_normalises_each_image_and_channel_on_its_own():
    rng = np.random.default_rng(0)
    x = rng.normal([[[[3.0, -2.0]]]], [[[[5.0, 0.5]]]], (2, 8, 6, 2)).astype(np.float32)
    x[1] *= 10.0   # another image's scale must not leak into the first one's output
    layer = InstanceNormalization()
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-3)
    # Same as Keras' group normalisation with one group per channel, and the same in
    # training and inference (no moving statistics).
    reference = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
    np.testing.assert_allclose(y, reference(x), atol=1e-4)
    np.testing.assert_allclose(layer(x, training=True), y)
    layer.gamma.assign([2.0, 1.0])
    layer.beta.assign([0.0, 5.0])
    np.testing.assert_allclose(np.asarray(layer(x))[..., 1].mean(), 5.0, atol=1e-4)


def test_mean_only_instance_norm_centres_and_keeps_the_scale(tmp_path):
    from tfgan_image import export

    x = np.random.default_rng(0).normal(3.0, 5.0, (2, 8, 6, 2)).astype(np.float32)
    layer = InstanceNormalization(center_only=True)
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y, x - x.mean(axis=(1, 2), keepdims=True), atol=1e-5)
    layer.fixed_moments = (np.float32([1.0, 2.0]), np.float32([9.0, 9.0]))   # tiled apply
    np.testing.assert_allclose(layer(x), x - [1.0, 2.0], atol=1e-5)
    layer.fixed_moments = None
    model = keras.Sequential([keras.Input((None, None, 2)), layer])
    model.save(str(tmp_path / "m.keras"))
    loaded = export.load_model_file(str(tmp_path / "m.keras"))
    assert loaded.layers[-1].center_only
    np.testing.assert_allclose(loaded(x), y, atol=1e-5)


def test_instance_norm_fused_and_moments_paths_agree_in_value_and_gradient():
    # A batch size known when traced takes the fused per-image kernel; an unknown one the
    # moments path. Both must compute the same function.
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(2.0, 3.0, (3, 10, 7, 4)).astype(np.float32))
    weights = tf.constant(rng.normal(size=(3, 10, 7, 4)).astype(np.float32))
    layer = InstanceNormalization()
    layer.build(x.shape)
    layer.gamma.assign([0.5, 1.0, 2.0, -1.0])
    layer.beta.assign([0.0, 1.0, -1.0, 3.0])

    def value_and_gradients(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            loss = tf.reduce_sum(layer(images) * weights)
        return [loss] + tape.gradient(loss, [images, layer.gamma, layer.beta])

    fused = tf.function(value_and_gradients)(x)
    unknown_batch = tf.TensorSpec([None, None, None, 4], tf.float32)
    moments = tf.function(value_and_gradients, input_signature=[unknown_batch])(x)
    for a, b in zip(fused, moments):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_reflection_padding_mirrors_without_repeating_the_edge():
    x = np.arange(3, dtype=np.float32).reshape(1, 1, 3, 1) * np.ones((1, 3, 1, 1), np.float32)
    padded = np.asarray(ReflectionPadding2D(2)(x))
    assert padded.shape == (1, 7, 7, 1)
    np.testing.assert_array_equal(padded[0, 3, :, 0], [2, 1, 0, 1, 2, 1, 0])


def test_colour_transfer_gives_every_image_the_target_colour_statistics():
    rng = np.random.default_rng(0)
    mixing = np.array([[0.5, 0.2, 0.0], [0.0, 0.4, 0.1], [0.1, 0.0, 0.3]], np.float32)
    target = rng.uniform(-1, 1, (30, 40, 3)).astype(np.float32) @ mixing + [0.2, -0.1, 0.0]
    transfer = layers.ColourStatisticsTransfer()
    transfer.set_target(target)
    photos = rng.uniform(-1, 1, (2, 16, 24, 3)).astype(np.float32) * [1.0, 0.3, 0.6]
    target_mean, target_covariance = layers.colour_moments(target)
    for recoloured in np.asarray(transfer(photos)):
        mean, covariance = layers.colour_moments(recoloured)
        np.testing.assert_allclose(mean, target_mean, atol=1e-5)
        # atol 2e-4, not 1e-5: the floor's conditioning term (layers.floored) raises the
        # photo's smallest colour variance (0.03, three times the floor) by ~8e-5, which
        # moves the output's covariance by up to 1.3e-4
        np.testing.assert_allclose(covariance, target_covariance, atol=2e-4)
    # Each image on its own statistics; moments given from outside (apply's tiles) are used
    # as the image's own would be.
    own = np.asarray(transfer(photos[:1]))
    np.testing.assert_allclose(own[0], transfer(photos)[0], atol=1e-5)
    transfer.fixed_moments = layers.colour_moments(photos[0])
    np.testing.assert_allclose(transfer(photos[:1]), own, atol=1e-5)
    transfer.fixed_moments = layers.colour_moments(0.5 * photos[0])   # half the contrast
    assert np.abs(np.asarray(transfer(photos[:1])) - own).max() > 0.1
    transfer.fixed_moments = None
    # A greyscale photo has no colour variance across channels: the floor keeps it finite
    # and its brightness order (the mapping is linear and monotone along the grey axis).
    grey = np.repeat(np.linspace(-1, 1, 64, dtype=np.float32).reshape(1, 8, 8, 1), 3, -1)
    recoloured = np.asarray(transfer(grey))[0].reshape(-1, 3)
    assert np.isfinite(recoloured).all()
    luminance = recoloured @ [0.299, 0.587, 0.114]
    assert (np.diff(luminance) > 0).all()


def test_the_colour_floor_holds_for_an_eigenvalue_next_to_it():
    """A training crop whose colour covariance had an eigenvalue 2.4e-5 above the floor
    (1e-2) once made the floored matrix negative and the inverse root infinite (a NaN step
    at step 2,633). Random covariances with one eigenvalue 1e-9 ... 1e-1 from the floor:
    every floored eigenvalue is max(lambda, f) raised by at most 0.13 f, every root finite."""
    floor = 1e-2
    crop = np.array([[0.445287377, 0.376481116, 0.327004671],
                     [0.376481116, 0.376147568, 0.331640154],
                     [0.327004671, 0.331640154, 0.314512223]], np.float32)
    rng = np.random.default_rng(0)
    matrices = [crop]
    for _ in range(2000):
        rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        eigenvalues = np.abs([floor + rng.choice([-1, 1]) * 10 ** rng.uniform(-9, -1),
                              10 ** rng.uniform(-6, 0), 10 ** rng.uniform(-3, 0.3)])
        matrices.append((rotation * eigenvalues) @ rotation.T)
    matrices = np.array(matrices, np.float32)
    floored = np.asarray(layers.floored(tf.constant(matrices), floor))
    got = np.array([np.linalg.eigvalsh(m) for m in floored])
    wanted = np.maximum(np.array([np.linalg.eigvalsh(m) for m in matrices]), floor)
    assert (got >= wanted * (1 - 1e-4)).all()
    assert (got <= wanted + 0.13 * floor).all()
    _, inverse_root = layers.symmetric_sqrt(tf.constant(floored))
    assert np.isfinite(np.asarray(inverse_root)).all()


@pytest.mark.parametrize("stride,seam", [(16, 6), (8, 8), (6, 1)])
def test_seam_windows_placed_stride_apart_sum_to_one(stride, seam):
    window = layers.seam_window(stride, seam)
    assert window.shape == (2 * stride, 2 * stride)
    # Four overlapping windows (2x2 grid, stride apart) cover a stride x stride cell.
    cell = sum(window[dy:dy + stride, dx:dx + stride] for dy in (0, stride)
               for dx in (0, stride))
    np.testing.assert_allclose(cell, 1.0, atol=1e-6)
    # 1 on the flat part (none when the seam is the whole stride), ~0 at the corners.
    flat = slice((stride + seam) // 2, (3 * stride - seam) // 2 + seam % 2)
    np.testing.assert_allclose(window[flat, flat], 1.0)
    assert window[0, 0] < 1e-3
    with pytest.raises(ValueError, match="seam"):
        layers.seam_window(stride, stride + 1)


def test_patch_dictionary_places_the_chosen_atom_on_its_cell():
    stride, seam, atoms = 8, 2, 3
    layer = layers.PatchDictionary(atoms, stride, seam, temperature=0.0)
    codes = np.arange(atoms * (2 * stride) ** 2 * 3, dtype=np.float32).reshape(
        atoms, 2 * stride, 2 * stride, 3)
    layer.build([(None, None, None, atoms)] * 2)
    layer.atoms.assign(codes)
    choice = np.array([[0, 2, 1], [1, 1, 0]])                     # atom per position, 2x3
    logits = 100.0 * np.eye(atoms, dtype=np.float32)[choice][None]   # one-hot softmax
    out = np.asarray(layer([logits, np.zeros_like(logits)]))
    assert out.shape == (1, 2 * stride, 3 * stride, 3)
    # Away from the seams, cell (i, j) is the middle of its atom: atom pixel a lands on
    # output pixel i * stride - stride / 2 + a.
    inner = seam // 2
    for i in range(2):
        for j in range(3):
            cell = out[0, i * stride + inner:(i + 1) * stride - inner,
                       j * stride + inner:(j + 1) * stride - inner]
            core = slice(stride // 2 + inner, stride // 2 + stride - inner)
            np.testing.assert_allclose(cell, codes[choice[i, j], core, core], rtol=1e-6)
    # With zero logits, the selection noise alone decides (temperature > 0).
    random_layer = layers.PatchDictionary(atoms, stride, seam, temperature=50.0)
    random_layer.build([(None, None, None, atoms)] * 2)
    random_layer.atoms.assign(codes)
    noise = np.zeros((1, 1, 1, atoms), np.float32)
    noise[..., 2] = 1.0
    picked = np.asarray(random_layer([np.zeros_like(noise), noise]))[0, inner:-inner,
                                                                      inner:-inner]
    np.testing.assert_allclose(picked, codes[2, stride // 2 + inner:stride // 2 + stride - inner,
                                             stride // 2 + inner:stride // 2 + stride - inner],
                               rtol=1e-4)


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_pixel_shuffle_moves_channels_to_space(factor):
    channels = 3 * factor * factor
    x = np.arange(2 * 4 * 5 * channels, dtype=np.float32).reshape(2, 4, 5, channels)
    y = np.asarray(PixelShuffle(factor)(x))
    assert y.shape == (2, 4 * factor, 5 * factor, 3)
    # Output pixel (i * r + a, j * r + b), channel c comes from input (i, j), channel
    # (a * r + b) * C + c (depth_to_space's DCR order).
    i, j, a, b, c = 3, 2, factor - 1, 1, 2
    assert y[1, i * factor + a, j * factor + b, c] == x[1, i, j, (a * factor + b) * 3 + c]
    assert PixelShuffle(factor).compute_output_shape((None, None, 5, channels)) == (
        None, None, 5 * factor, 3)
