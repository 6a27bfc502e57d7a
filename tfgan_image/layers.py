"""Layers Keras lacks, or lacks in a fast enough form."""

import keras
import tensorflow as tf
from keras.src.backend import AutocastScope  # not exported publicly in Keras 3.15


@keras.saving.register_keras_serializable(package="tfgan_image")
class FusedBatchNormalization(keras.layers.Layer):
    """Batch normalisation over the last axis through TensorFlow's fused kernel.

    The same parameters and the same normalisation as ``keras.layers.BatchNormalization``
    (gamma, beta, moving mean/variance; batch statistics in training, moving ones in
    inference; ``momentum`` 0.99, ``epsilon`` 1e-3 by default), computed by one
    ``FusedBatchNormV3`` op (oneDNN on CPU) instead of Keras 3's chain of reductions and
    element-wise ops, which is several times slower on CPU, above all in bfloat16. One
    difference: like TF's fused op (and tf.keras 2), the moving variance is updated with the
    unbiased batch variance.

    Input: [N, C] or [N, H, W, C] (channels last); output: the same shape and dtype.
    """

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")
        self.moving_mean = self.add_weight(shape=(channels,), initializer="zeros",
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape=(channels,), initializer="ones",
                                               name="moving_variance", trainable=False)

    def call(self, inputs, training=False):
        # The fused op wants float32 scale/offset/statistics whatever the compute dtype, and
        # the moving statistics must not be rounded to bfloat16: read variables uncast.
        # (Layer(autocast=False) is not enough: Keras 3.15 ignores it outside a model.)
        with AutocastScope(None):
            return self._normalize(tf.cast(inputs, self.compute_dtype), training)

    def _normalize(self, inputs, training):
        shape = tf.shape(inputs)
        rank = len(inputs.shape)
        if rank == 2:  # [N, C] -> [N, 1, 1, C]: per-feature statistics over the batch
            inputs = inputs[:, None, None, :]
        elif rank != 4:
            raise ValueError(f"FusedBatchNormalization needs rank 2 or 4 input, got {rank}")
        scale, offset = self.gamma.value, self.beta.value
        if training:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                inputs, scale, offset, epsilon=self.epsilon, is_training=True)
            for moving, batch_value in ((self.moving_mean, mean),
                                        (self.moving_variance, variance)):
                moving.assign(moving * self.momentum + batch_value * (1.0 - self.momentum))
        else:
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs, scale, offset, mean=self.moving_mean.value,
                variance=self.moving_variance.value, epsilon=self.epsilon,
                is_training=False)
        return tf.reshape(outputs, shape) if rank == 2 else outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="tfgan_image")
class PixelShuffle(keras.layers.Layer):
    """Sub-pixel rearrangement (``tf.nn.depth_to_space``): [N, H, W, C * r^2] ->
    [N, H * r, W * r, C]."""

    def __init__(self, factor: int, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.factor)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        f = self.factor
        return (n, None if h is None else h * f, None if w is None else w * f, c // (f * f))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="tfgan_image")
class ResizeUpsampling(keras.layers.Layer):
    """Upsampling by an integer factor with ``tf.image.resize`` ("bilinear": half-pixel
    centres; "nearest": every pixel repeated): [N, H, W, C] -> [N, H * factor, W * factor, C].
    Unlike ``keras.layers.UpSampling2D``, it traces with unknown H and W, so models using it
    export to SavedModel and TFLite for any size."""

    def __init__(self, factor: int, interpolation: str = "bilinear", **kwargs):
        super().__init__(**kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got "
                             f"{interpolation!r}")
        self.factor = int(factor)
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            # Broadcast + reshape rather than tf.image.resize: the same values, and its
            # gradient compiles with XLA on CPU (ResizeNearestNeighborGrad does not).
            n, h, w, c = tf.unstack(tf.shape(inputs))
            f = self.factor
            repeated = tf.broadcast_to(inputs[:, :, None, :, None, :], [n, h, f, w, f, c])
            return tf.cast(tf.reshape(repeated, [n, h * f, w * f, c]), self.compute_dtype)
        size = tf.shape(inputs)[1:3] * self.factor
        return tf.cast(tf.image.resize(inputs, size, method=self.interpolation),
                       self.compute_dtype)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        f = self.factor
        return (n, None if h is None else h * f, None if w is None else w * f, c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "interpolation": self.interpolation}


# Batches of up to this many images (known when traced) are normalised one fused kernel call per
# image; larger or unknown batches by one moments pass over all.
FUSED_INSTANCE_NORM_MAX_BATCH = 16


@keras.saving.register_keras_serializable(package="tfgan_image")
class InstanceNormalization(keras.layers.Layer):
    """Instance normalisation (Ulyanov et al. 2016): every channel of every image normalised
    over its own H x W positions, then scaled by gamma and shifted by beta (per channel).

    Statistics in float32 whatever the compute dtype (bfloat16 means over large images lose
    precision). No moving statistics: training and inference compute the same.
    Input: [N, H, W, C]; output: the same shape and dtype.

    ``fixed_moments``: None (the default), or (mean, variance), float32 [C], to normalise with
    instead of the input's own -- how ``apply`` runs a network on a large image in tiles
    with the whole image's statistics. Read when the layer runs, so it holds for eager calls
    (a ``tf.function`` keeps what it saw when traced). Not saved with the model.
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.fixed_moments = None

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, inputs):
        gamma, beta = tf.cast(self.gamma, tf.float32), tf.cast(self.beta, tf.float32)
        batch = inputs.shape[0]
        if (self.fixed_moments is None and batch is not None
                and batch <= FUSED_INSTANCE_NORM_MAX_BATCH):
            return tf.concat([self._fused(image, gamma, beta)
                              for image in tf.split(inputs, batch)], 0)
        x = tf.cast(inputs, tf.float32)
        if self.fixed_moments is not None:
            mean, variance = self.fixed_moments
        else:
            mean, variance = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        # gamma * (x - mean) / std + beta folded into one scale and shift per image and
        # channel: two passes over the feature map instead of four.
        scale = gamma * tf.math.rsqrt(variance + self.epsilon)
        shift = beta - mean * scale
        return tf.cast(x * scale + shift, self.compute_dtype)

    def _fused(self, image, gamma, beta):
        """One image [1, H, W, C]: batch normalisation in training mode over a batch of one
        is instance normalisation, and its fused kernel (statistics in float32 whatever the
        input dtype) is 2-4x faster than the moments above on large maps (1 x 512 x 512 x 16
        bfloat16: 6 vs 21 ms forward, 15 vs 45 ms forward and backward)."""
        normalised, _, _ = tf.compat.v1.nn.fused_batch_norm(
            image, gamma, beta, epsilon=self.epsilon, is_training=True)
        return tf.cast(normalised, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="tfgan_image")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads H and W by ``padding`` pixels on each side, mirroring the image without repeating
    the edge pixel (``tf.pad(mode="REFLECT")``): no dark frame for the following conv to see."""

    def __init__(self, padding: int, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return tf.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        p = 2 * self.padding
        return (n, None if h is None else h + p, None if w is None else w + p, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
