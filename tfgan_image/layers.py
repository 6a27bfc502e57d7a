"""Layers Keras lacks, or lacks in a fast enough form."""

import keras
import numpy as np
import tensorflow as tf


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
        # The fused op wants float32 scale/offset/statistics whatever the compute dtype, and
        # the moving statistics must not be rounded to bfloat16: no autocast on reading.
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma",
                                     autocast=False)
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta",
                                    autocast=False)
        self.moving_mean = self.add_weight(shape=(channels,), initializer="zeros",
                                           name="moving_mean", trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=(channels,), initializer="ones",
                                               name="moving_variance", trainable=False,
                                               autocast=False)

    def call(self, inputs, training=False):
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
class WeightNormConv2D(keras.layers.Conv2D):
    """A Conv2D with weight normalisation (Salimans & Kingma 2016): each output channel's
    kernel is scaled to unit L2 norm over (kh, kw, in), then by a learned per-channel
    ``scale`` (starting at ``gain``). Karras et al.'s weight demodulation (StyleGAN2) with a
    learned gain in place of the style: an input of unit second moment gives outputs of
    second moment ``scale``^2 (before the bias), whatever the kernel, so layers stay in scale
    without statistics of the input. Unlike instance normalisation nothing depends on the
    rest of the image, so a network cannot steer its normalisation with a local spike (the
    "droplet" blob artifact). ``gain`` sqrt(2) before a ReLU keeps the second moment through
    it. The kernel starts at unit-variance normal values (StyleGAN's equalised learning
    rate): the output does not depend on its scale, so Adam's steps of about the learning
    rate per weight turn it by the learning rate, not by 20-50x that as Glorot's small
    weights would. Same shapes as ``keras.layers.Conv2D``; the norm is computed in float32."""

    def __init__(self, *args, gain: float = 1.0, **kwargs):
        kwargs.setdefault("kernel_initializer", keras.initializers.RandomNormal(stddev=1.0))
        super().__init__(*args, **kwargs)
        self.gain = float(gain)

    def build(self, input_shape):
        super().build(input_shape)
        self.scale = self.add_weight(shape=(self.filters,), name="scale",
                                     initializer=keras.initializers.Constant(self.gain))

    def convolution_op(self, inputs, kernel):
        kernel = tf.cast(kernel, tf.float32)
        kernel = kernel * (tf.cast(self.scale, tf.float32) * tf.math.rsqrt(
            tf.reduce_sum(tf.square(kernel), axis=[0, 1, 2], keepdims=True) + 1e-8))
        return super().convolution_op(inputs, tf.cast(kernel, inputs.dtype))

    def _own_variables(self):
        return [self._kernel] + ([self.bias] if self.use_bias else []) + [self.scale]

    # Conv2D saves and loads only its kernel and bias.
    def save_own_variables(self, store):
        if self.built:
            for i, variable in enumerate(self._own_variables()):
                store[str(i)] = variable

    def load_own_variables(self, store):
        variables = self._own_variables()
        if len(store.keys()) != len(variables):
            raise ValueError(f"Layer {self.name!r} expects {len(variables)} saved variables, "
                             f"the file has {len(store.keys())}.")
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


@keras.saving.register_keras_serializable(package="tfgan_image")
class CategoricalCode(keras.layers.Layer):
    """InfoGAN's categorical code drawn from the Gaussian latent itself: z [N, D] -> the same
    with its first ``categories`` entries replaced by one-hot(argmax of those entries). The
    argmax of iid Gaussians is uniform over the categories, so a generator sampled with
    ``z ~ N(0, I)`` sees each code equally often, and every sampler of the library works
    unchanged. ``code(z)`` gives the codes [N] (int32) for the mutual-information loss."""

    def __init__(self, categories: int, **kwargs):
        super().__init__(**kwargs)
        self.categories = int(categories)

    @staticmethod
    def code(z, categories: int):
        return tf.argmax(z[:, :categories], axis=-1, output_type=tf.int32)

    def call(self, z):
        one_hot = tf.one_hot(self.code(z, self.categories), self.categories, dtype=z.dtype)
        return tf.concat([one_hot, z[:, self.categories:]], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "categories": self.categories}


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
class LeadingChannels(keras.layers.Layer):
    """The first ``count`` channels: [N, H, W, C] -> [N, H, W, count] (the image part of an
    input that carries extra maps, e.g. a noise level)."""

    def __init__(self, count: int, **kwargs):
        super().__init__(**kwargs)
        self.count = int(count)

    def call(self, inputs):
        return inputs[..., :self.count]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.count,)

    def get_config(self):
        return {**super().get_config(), "count": self.count}


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
            # gradient compiles with XLA on CPU (ResizeNearestNeighborGrad does not). Rows,
            # then columns: TFLite's strided slices take at most 5 dimensions.
            n, h, w, c = tf.unstack(tf.shape(inputs))
            c = inputs.shape[-1] or c   # static channels keep the next conv's shape known
            f = self.factor
            rows = tf.reshape(tf.broadcast_to(inputs[:, :, None], [n, h, f, w, c]),
                              [n, h * f, w, c])
            repeated = tf.reshape(tf.broadcast_to(rows[:, :, :, None], [n, h * f, w, f, c]),
                                  [n, h * f, w * f, c])
            return tf.cast(repeated, self.compute_dtype)
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


@keras.saving.register_keras_serializable(package="tfgan_image")
class ResizeLike(keras.layers.Layer):
    """Bilinear resize of the first input to the second's height and width (half-pixel
    centres): [[N, h, w, C], [N, H, W, *]] -> [N, H, W, C], for any sizes, so models using
    it export for any size."""

    def call(self, inputs):
        images, reference = inputs
        return tf.cast(tf.image.resize(images, tf.shape(reference)[1:3], method="bilinear"),
                       self.compute_dtype)

    def compute_output_shape(self, input_shape):
        images, reference = input_shape
        return (images[0], reference[1], reference[2], images[3])


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

    ``center_only``: subtract the mean but do not divide by the standard deviation (the
    per-image form of Salimans & Kingma's mean-only normalisation, for weight-normalised
    convs that keep the scale themselves).
    """

    def __init__(self, epsilon: float = 1e-5, center_only: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.center_only = bool(center_only)
        self.fixed_moments = None

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, inputs):
        gamma, beta = tf.cast(self.gamma, tf.float32), tf.cast(self.beta, tf.float32)
        batch = inputs.shape[0]
        if (self.fixed_moments is None and batch is not None and not self.center_only
                and batch <= FUSED_INSTANCE_NORM_MAX_BATCH):
            return tf.concat([self._fused(image, gamma, beta)
                              for image in tf.split(inputs, batch)], 0)
        x = tf.cast(inputs, tf.float32)
        if self.fixed_moments is not None:
            mean, variance = self.fixed_moments
        elif self.center_only:
            mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        else:
            mean, variance = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        if self.center_only:
            return tf.cast(gamma * (x - mean) + beta, self.compute_dtype)
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
        return {**super().get_config(), "epsilon": self.epsilon,
                "center_only": self.center_only}


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


def colour_moments(pixels):
    """Mean [3] and covariance [3, 3] (float32) of the colours of pixels [..., 3]."""
    colours = tf.reshape(tf.cast(pixels, tf.float32), [-1, 3])
    mean = tf.reduce_mean(colours, 0)
    centred = colours - mean
    count = tf.cast(tf.shape(colours)[0], tf.float32)
    return mean, tf.matmul(centred, centred, transpose_a=True) / count


def _image_colour_moments(images):
    """Each image's colour mean [N, 3] and covariance [N, 3, 3] of images [N, H, W, 3]."""
    mean = tf.reduce_mean(images, [1, 2])
    centred = images - mean[:, None, None, :]
    count = tf.cast(tf.shape(images)[1] * tf.shape(images)[2], tf.float32)
    return mean, tf.einsum("nhwc,nhwd->ncd", centred, centred) / count


SQRT_ITERATIONS = 24


def symmetric_sqrt(matrix, iterations: int = SQRT_ITERATIONS):
    """Square root and inverse square root of symmetric positive definite matrices
    [..., 3, 3] by the coupled Newton-Schulz iteration (Higham, Functions of Matrices, 2008),
    scaled by the Frobenius norm so it converges: batched matrix products only, which TFLite
    runs (it has no eigendecomposition). A zero eigenvalue gets a root near 0."""
    norm = tf.sqrt(tf.reduce_sum(tf.square(matrix), [-2, -1], keepdims=True)) + 1e-12
    identity = tf.eye(3, batch_shape=tf.shape(matrix)[:-2])
    root, inverse_root = matrix / norm, identity
    for _ in range(iterations):
        step = 0.5 * (3.0 * identity - tf.matmul(inverse_root, root))
        root, inverse_root = tf.matmul(root, step), tf.matmul(step, inverse_root)
    return root * tf.sqrt(norm), inverse_root / tf.sqrt(norm)


def floored(matrix, floor: float):
    """A symmetric matrix [..., 3, 3] with its eigenvalues below ``floor`` raised to it:
    (A + fI + |A - fI|) / 2, |B| the square root of B^2 + (f/4)^2 I. The (f/4)^2 keeps
    B^2 conditioned for the Newton-Schulz root: without it an eigenvalue within ~1e-4 f of
    the floor made the float32 iteration diverge (a negative result, then an infinite
    inverse root, a NaN training step). It raises an eigenvalue at the floor to 1.125 f
    and moves one at least f from it by less than f / 64."""
    shifted = matrix - floor * tf.eye(3)
    absolute, _ = symmetric_sqrt(tf.matmul(shifted, shifted) + (floor / 4) ** 2 * tf.eye(3))
    return 0.5 * (matrix + floor * tf.eye(3) + absolute)


@keras.saving.register_keras_serializable(package="tfgan_image")
class ColourStatisticsTransfer(keras.layers.Layer):
    """Moves every image's colours to a target colour mean and covariance (the linear colour
    transfer Gatys et al. 2017 use to control colour in style transfer):

        y = (x - mean_x) C_x^(-1/2) C_t^(1/2) + mean_t     (x, y: a pixel's RGB, a row)

    with symmetric matrix square roots, so the photo's colour axes turn as little as they can
    (under a Cholesky factor a red photo's reds could come out blue). The image's own mean
    and covariance C_x are taken over all its pixels; eigenvalues of C_x below ``floor``
    count as ``floor``, so the near-constant colour directions of a (nearly) greyscale photo
    are stretched at most to sqrt(target / floor) times, not blown up from noise.

    ``set_target(pixels)`` takes the target statistics from pixels [..., 3] (e.g. the style
    image in [-1, 1]); they are non-trainable weights, saved with the model. Input [N, H, W, 3]
    float, output the same shape, float32, in the target's range (about [-1, 1], overshoots
    possible). ``fixed_moments``: None, or (mean [3], covariance [3, 3]) float32 to use
    instead of each image's own, as for ``InstanceNormalization``: how ``apply`` runs a
    network on a large image in tiles with the whole image's statistics.
    """

    def __init__(self, floor: float = 1e-2, **kwargs):
        super().__init__(**kwargs)
        self.floor = floor
        self.fixed_moments = None

    def build(self, input_shape):
        self.target_mean = self.add_weight(shape=(3,), initializer="zeros", trainable=False,
                                           name="target_mean")
        self.target_covariance = self.add_weight(shape=(3, 3), initializer="identity",
                                                 trainable=False, name="target_covariance")

    def set_target(self, pixels) -> None:
        """Targets the colour mean and covariance of ``pixels`` [..., 3] (float)."""
        if not self.built:
            self.build(None)
        mean, covariance = colour_moments(pixels)
        self.target_mean.assign(mean)
        self.target_covariance.assign(covariance)

    def call(self, inputs):
        images = tf.cast(inputs, tf.float32)
        if self.fixed_moments is not None:
            mean, covariance = (m[None] for m in self.fixed_moments)
        else:
            mean, covariance = _image_colour_moments(images)
        target_covariance = tf.cast(self.target_covariance, tf.float32)
        target_root, _ = symmetric_sqrt(target_covariance + 1e-8 * tf.eye(3))
        _, inverse_root = symmetric_sqrt(floored(covariance, self.floor))
        matrix = tf.matmul(inverse_root, target_root)               # [N, 3, 3]
        return (tf.einsum("nhwc,ncd->nhwd", images - mean[:, None, None, :], matrix)
                + tf.cast(self.target_mean, tf.float32))

    def get_config(self):
        return {**super().get_config(), "floor": self.floor}


def seam_window(stride: int, seam: int) -> np.ndarray:
    """The fixed weight map [2 * stride, 2 * stride] of a patch of ``PatchDictionary``:
    separable, 1 in the middle, falling to 0 over a ``seam``-pixel smoothstep band centred
    ``stride / 2`` from each edge. Patches placed every ``stride`` pixels sum to exactly 1
    at every pixel (a partition of unity), so neighbours cross-fade only in the seam bands."""
    if not 0 < seam <= stride:
        raise ValueError(f"seam must be in 1..stride ({stride}), got {seam}")
    t = np.clip((np.arange(stride) + 0.5 - (stride - seam) / 2) / seam, 0.0, 1.0)
    rise = t * t * (3 - 2 * t)
    profile = np.concatenate([rise, 1 - rise])
    return np.outer(profile, profile).astype(np.float32)


@keras.saving.register_keras_serializable(package="tfgan_image")
class PatchDictionary(keras.layers.Layer):
    """A texture as an overlap-add of learned patches, chosen per position by soft selection.

    Inputs: selection logits and selection noise, both [N, h, w, patches]. At every position
    the weights softmax(logits + temperature * noise) blend the ``patches`` atoms
    ([patches, 2 * stride, 2 * stride, 3], each times ``seam_window``); the blends are placed
    ``stride`` pixels apart and summed. Output [N, h * stride, w * stride, 3], float32, in
    the atoms' range ([-1, 1] when they are crops of the source:
    ``models.texture_synthesis.init_patch_dictionary`` sets the non-trainable ``atoms``;
    training moves only ``edits``, atom = atoms + edit_scale * edits, ``edit_scale`` 0: no
    edits).
    With zero logits the choice is random (the noise alone, nearly one atom per position at
    temperature 16): a cross-faded random quilt of the atoms; training learns logits that make
    neighbouring choices fit, and refines the atoms.
    """

    def __init__(self, patches: int, stride: int, seam: int, temperature: float,
                 edit_scale: float = 0.3, **kwargs):
        super().__init__(**kwargs)
        self.patches, self.stride, self.seam, self.temperature = patches, stride, seam, temperature
        self.edit_scale = edit_scale
        self.window = tf.constant(seam_window(stride, seam))

    def build(self, input_shape):
        shape = (self.patches, 2 * self.stride, 2 * self.stride, 3)
        self.atoms = self.add_weight(shape=shape, initializer="zeros", trainable=False,
                                     name="atoms")
        # Trained: atom = atoms + edit_scale * edits. Adam moves every parameter by about its
        # learning rate per step whatever the gradient's size, so on the atoms themselves
        # (2e-4 per step) they drifted into blur within 2,000 steps (Gram distance 0.051 at
        # 1,000 steps, 0.064 at 2,000, 0.074 at 3,000); the scale slows their edits
        # (0.3: 0.053 at 1,000 steps and 0.055 at 1,500 with 3 px seams).
        self.edits = (self.add_weight(shape=shape, initializer="zeros", name="edits")
                      if self.edit_scale else None)

    def dictionary(self) -> tf.Tensor:
        """The atoms in use, [patches, 2 * stride, 2 * stride, 3] float32."""
        atoms = tf.cast(self.atoms, tf.float32)
        if self.edits is not None:
            atoms += self.edit_scale * tf.cast(self.edits, tf.float32)
        return atoms

    def call(self, inputs):
        logits, noise = (tf.cast(t, tf.float32) for t in inputs)
        # The temperature scales the noise only. Scaling the logits with it (so that the
        # selection learns 16x faster) let the selection drift from the random quilt into
        # worse arrangements: grass 0.053 -> 0.087 Gram distance over 1,500 steps with the
        # atoms frozen, brick 0.50 -> 1.35.
        weights = tf.nn.softmax(logits + self.temperature * noise, axis=-1)
        s = self.stride
        shape = tf.shape(weights)
        n, h, w = shape[0], shape[1], shape[2]
        atoms = tf.reshape(self.dictionary() * self.window[None, :, :, None],
                           [self.patches, -1])
        # Each position's blend [2s, 2s, 3] is one matmul (a transposed conv with 2s x 2s
        # kernels took 1.8x as long forward and backward on the CPU), then overlap-add: the
        # canvas's s x s block (I, J) sums four quadrants -- top-left of blend (I, J),
        # top-right of (I, J - 1), bottom-left of (I - 1, J), bottom-right of (I - 1, J - 1).
        blends = tf.reshape(tf.matmul(tf.reshape(weights, [-1, self.patches]), atoms),
                            [n, h, w, 2, s, 2, s, 3])
        canvas = (tf.pad(blends[:, :, :, 0, :, 0], [[0, 0], [0, 1], [0, 1]] + [[0, 0]] * 3)
                  + tf.pad(blends[:, :, :, 0, :, 1], [[0, 0], [0, 1], [1, 0]] + [[0, 0]] * 3)
                  + tf.pad(blends[:, :, :, 1, :, 0], [[0, 0], [1, 0], [0, 1]] + [[0, 0]] * 3)
                  + tf.pad(blends[:, :, :, 1, :, 1], [[0, 0], [1, 0], [1, 0]] + [[0, 0]] * 3))
        canvas = tf.reshape(tf.transpose(canvas, [0, 1, 3, 2, 4, 5]),
                            [n, (h + 1) * s, (w + 1) * s, 3])
        # Position (i, j)'s patch is centred on output pixels i*s .. i*s + s - 1: crop the
        # half-patch overhang beyond the first and last centres.
        return canvas[:, s // 2:s // 2 + h * s, s // 2:s // 2 + w * s]

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape[0]
        return (n,) + tuple(None if size is None else size * self.stride for size in (h, w)) + (3,)

    def get_config(self):
        return {**super().get_config(), "patches": self.patches, "stride": self.stride,
                "seam": self.seam, "temperature": self.temperature,
                "edit_scale": self.edit_scale}
