"""Real-world degradation: Real-ESRGAN's second-order pipeline as TensorFlow ops, seeded.

Photos people want restored or upscaled were not made by one clean bicubic downscale: they were
blurred by a lens, resized by some program, noised by a sensor and compressed as JPEG, often
twice over (a shared copy of a shared copy). Wang et al. (Real-ESRGAN, ICCVW 2021) model that
as the chain below, run twice with different ranges; a network trained on its outputs restores
real small, noisy JPEGs where one trained on bicubic downscales sharpens the artefacts.

  stage 1   blur  (isotropic / anisotropic / generalised / plateau Gaussian, or a sinc filter
                   that rings like an oversharpened lens; kernels 7-21 px)
            resize (up, down or keep, by a random scale and method: area, bilinear, bicubic)
            noise  (Gaussian or Poisson, colour or grey)
            [sharpening halos, off in Real-ESRGAN's settings, on in ``RESTORE_SETTINGS``]
            JPEG   (a random quality)
  stage 2   the same with milder ranges (its blur with probability 0.8), resized relative to
            the final size
  final     resize to H / scale x W / scale and a sinc filter (probability 0.8), before or
            after the last JPEG (half each), clipped and rounded to 8 bits

The published ranges (``train_realesrgan_x4plus.yml``) are the defaults of
:class:`RealDegradeSettings`. With ``scale=1`` and ``RESTORE_SETTINGS`` the chain makes a
same-size low-quality photo, the input of the ``real`` restoration task. Every op takes an
image float32 [H, W, C] in [0, 1] (C = 1 or 3) and a stateless seed (int [2]); the same
(image, seed) gives the same output eagerly, in a ``tf.function`` or in ``tf.data``.
"""

import dataclasses
import math
from typing import Callable, Optional, Tuple

import tensorflow as tf

from tfgan_image.data import degrade
from tfgan_image.data.degrade import quantize

REAL_TASK = "real"
TASKS = degrade.TASKS + (REAL_TASK,)   # every restoration task: the synthetic ones and this
KERNEL_SIZE = 21             # every blur kernel is padded to this size, as Real-ESRGAN pads
KERNEL_SIZES = tuple(range(7, KERNEL_SIZE + 1, 2))   # the drawn support, odd
KERNEL_TYPES = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso",
                "plateau_aniso")
RESIZE_METHODS = ("area", "bilinear", "bicubic")
POISSON_LEVELS = 256.0       # photon-count scale of 8-bit images (Real-ESRGAN: 2^ceil(log2 of
                             # the number of distinct values), 256 for photos)


@dataclasses.dataclass(frozen=True)
class DegradationStage:
    """The ranges of one pass of the chain, each (low, high) drawn uniformly per image."""
    kernel_probs: Tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)  # KERNEL_TYPES
    sinc_prob: float = 0.1
    blur_sigma: Tuple[float, float] = (0.2, 3.0)   # pixels
    betag: Tuple[float, float] = (0.5, 4.0)        # generalised Gaussian shape
    betap: Tuple[float, float] = (1.0, 2.0)        # plateau shape
    resize_probs: Tuple[float, float, float] = (0.2, 0.7, 0.1)   # up, down, keep
    resize_range: Tuple[float, float] = (0.15, 1.5)
    gaussian_noise_prob: float = 0.5                # else Poisson
    noise_range: Tuple[float, float] = (1.0, 30.0)  # Gaussian std, 8-bit units
    poisson_scale_range: Tuple[float, float] = (0.05, 3.0)
    gray_noise_prob: float = 0.4
    jpeg_range: Tuple[int, int] = (30, 95)
    sharpen_prob: float = 0.0     # a camera's unsharp mask after the noise (not in Real-ESRGAN)
    sharpen_amount: Tuple[float, float] = (0.3, 1.5)
    sharpen_sigma: Tuple[float, float] = (0.8, 2.5)   # pixels


@dataclasses.dataclass(frozen=True)
class RealDegradeSettings:
    """Real-ESRGAN's published settings: two stages, the second's blur with probability
    ``second_blur_prob``, and a final sinc filter with probability ``final_sinc_prob``."""
    first: DegradationStage = DegradationStage()
    second: DegradationStage = DegradationStage(
        blur_sigma=(0.2, 1.5), resize_probs=(0.3, 0.4, 0.3), resize_range=(0.3, 1.2),
        noise_range=(1.0, 25.0), poisson_scale_range=(0.05, 2.5))
    second_blur_prob: float = 0.8
    final_sinc_prob: float = 0.8


# Same-size restoration (``restore_real``): Real-ESRGAN's chain with milder blur and resizing
# (its ranges are for x4, where the blur shrinks with the image; a downscale to 15% and back
# leaves nothing to restore at the same size) and, in the first stage, a camera's sharpening
# halos one time in three.
RESTORE_SETTINGS = RealDegradeSettings(
    first=DegradationStage(blur_sigma=(0.2, 1.5), resize_range=(0.5, 1.5), sharpen_prob=1 / 3),
    second=dataclasses.replace(RealDegradeSettings().second, blur_sigma=(0.2, 1.0),
                               resize_range=(0.6, 1.2)))


# ----------------------------------------------------------------------------- helpers
def _uniform(seed, low, high):
    return tf.random.stateless_uniform((), seed, float(low), float(high))


def _split(seed, count):
    return tf.unstack(tf.random.experimental.stateless_split(seed, count))


def _category(seed, probs):
    """An index drawn with the given probabilities (int32 scalar)."""
    logits = tf.math.log(tf.constant([probs], tf.float32))
    return tf.cast(tf.random.stateless_categorical(logits, 1, seed)[0, 0], tf.int32)


def _grid():
    radius = KERNEL_SIZE // 2
    coords = tf.range(-radius, radius + 1, dtype=tf.float32)
    return tf.meshgrid(coords, coords, indexing="ij")   # y, x


def _support(size):
    """1 inside the centred [size, size] window of the [KERNEL_SIZE, KERNEL_SIZE] grid, else 0."""
    y, x = _grid()
    half = (tf.cast(size, tf.float32) - 1.0) / 2.0
    return tf.cast((tf.abs(y) <= half) & (tf.abs(x) <= half), tf.float32)


def _normalised(kernel):
    return kernel / tf.reduce_sum(kernel)


# ----------------------------------------------------------------------------- kernels
def mahalanobis(sigma_x, sigma_y, angle):
    """x^T Sigma^-1 x on the [KERNEL_SIZE, KERNEL_SIZE] grid, Sigma = R diag(sigma_x^2,
    sigma_y^2) R^T with R the rotation by ``angle`` (radians)."""
    y, x = _grid()
    along = tf.cos(angle) * x + tf.sin(angle) * y
    across = -tf.sin(angle) * x + tf.cos(angle) * y
    return tf.square(along / sigma_x) + tf.square(across / sigma_y)


def shaped_kernel(kind: str, sigma_x, sigma_y, angle, beta, size):
    """A normalised [KERNEL_SIZE, KERNEL_SIZE] blur kernel, zero outside its [size, size]
    support. kind: "gaussian" exp(-d/2), "generalized" exp(-d^beta / 2) or "plateau"
    1 / (1 + d^beta), d the Mahalanobis distance squared (``mahalanobis``)."""
    d = mahalanobis(sigma_x, sigma_y, angle)
    shapes = {"gaussian": lambda: tf.exp(-0.5 * d),
              "generalized": lambda: tf.exp(-0.5 * tf.pow(d, beta)),
              "plateau": lambda: 1.0 / (tf.pow(d, beta) + 1.0)}
    return _normalised(shapes[kind]() * _support(size))


def sinc_kernel(cutoff, size):
    """The ideal circular low-pass filter cut off at ``cutoff`` (radians per pixel, up to pi):
    cutoff J1(cutoff r) / (2 pi r), normalised, zero outside its [size, size] support. A
    cutoff below pi rings at edges like an oversharpened lens or JPEG."""
    y, x = _grid()
    r = tf.sqrt(tf.square(x) + tf.square(y))
    safe_r = tf.where(r > 0, r, tf.ones_like(r))
    kernel = tf.where(r > 0, cutoff * tf.math.special.bessel_j1(cutoff * safe_r)
                      / (2.0 * math.pi * safe_r),
                      tf.square(cutoff) / (4.0 * math.pi) * tf.ones_like(r))
    return _normalised(kernel * _support(size))


def pulse_kernel():
    """The identity filter [KERNEL_SIZE, KERNEL_SIZE]."""
    return tf.pad(tf.ones([1, 1]), [[KERNEL_SIZE // 2] * 2] * 2)


def _beta(seed, beta_range):
    """Real-ESRGAN's draw of a shape: half the time below 1, half above."""
    side, value = _split(seed, 2)
    low, high = beta_range
    return tf.cond(tf.random.stateless_uniform((), side) < 0.5,
                   lambda: _uniform(value, low, 1.0), lambda: _uniform(value, 1.0, high))


def random_blur_kernel(seed, stage: DegradationStage):
    """One of the stage's kernels (a sinc with probability ``sinc_prob``, else one of
    KERNEL_TYPES by ``kernel_probs``), of a size drawn from KERNEL_SIZES."""
    seeds = _split(seed, 8)
    size = tf.gather(KERNEL_SIZES, tf.random.stateless_uniform(
        (), seeds[0], 0, len(KERNEL_SIZES), dtype=tf.int32))
    sigma_x = _uniform(seeds[1], *stage.blur_sigma)
    sigma_y = _uniform(seeds[2], *stage.blur_sigma)
    angle = _uniform(seeds[3], -math.pi, math.pi)

    def typed(kind, isotropic, beta_range=None):
        beta = _beta(seeds[4], beta_range) if beta_range else 1.0
        if isotropic:
            return lambda: shaped_kernel(kind, sigma_x, sigma_x, 0.0, beta, size)
        return lambda: shaped_kernel(kind, sigma_x, sigma_y, angle, beta, size)

    def sinc():
        low = tf.where(size < 13, math.pi / 3, math.pi / 5)
        return sinc_kernel(low + (math.pi - low) * tf.random.stateless_uniform((), seeds[5]),
                           size)

    def shaped():
        return tf.switch_case(_category(seeds[6], stage.kernel_probs), [
            typed("gaussian", True), typed("gaussian", False),
            typed("generalized", True, stage.betag), typed("generalized", False, stage.betag),
            typed("plateau", True, stage.betap), typed("plateau", False, stage.betap)])

    return tf.cond(tf.random.stateless_uniform((), seeds[7]) < stage.sinc_prob, sinc, shaped)


def filter_image(image, kernel):
    """Every channel of [H, W, C] convolved with ``kernel`` [KERNEL_SIZE, KERNEL_SIZE], at any
    image size: zero padding, each pixel divided by the kernel mass inside the image
    (normalised convolution), where mirror padding needs images larger than the kernel.

    By FFT, about 10x faster than a 21x21 depthwise convolution on a CPU. Every kernel here is
    point-symmetric, so the convolution equals the correlation Real-ESRGAN's filter2D does."""
    pad = KERNEL_SIZE // 2
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    size = tf.stack([height + 2 * pad, width + 2 * pad])   # no wrap-around
    planes = tf.transpose(tf.concat([image, tf.ones_like(image[..., :1])], -1), [2, 0, 1])
    spectrum = tf.signal.rfft2d(planes, size) * tf.signal.rfft2d(kernel, size)
    full = tf.signal.irfft2d(spectrum, size)[:, pad:pad + height, pad:pad + width]
    return tf.transpose(full[:-1] / full[-1:], [1, 2, 0])


# ----------------------------------------------------------------------------- resize, noise
def resize(image, size, method_index):
    """image [H, W, C] -> [size[0], size[1], C] by RESIZE_METHODS[method_index]."""
    return tf.switch_case(method_index, [
        lambda m=m: tf.image.resize(image, size, method=m) for m in RESIZE_METHODS])


def random_resize(image, seed, stage: DegradationStage, base_size):
    """Up, down or keep (``resize_probs``) ``base_size`` [2] by a scale drawn from
    ``resize_range`` (up: above 1, down: below), with a random method."""
    direction_seed, scale_seed, method_seed = _split(seed, 3)
    low, high = stage.resize_range
    direction = _category(direction_seed, stage.resize_probs)
    scale = tf.switch_case(direction, [lambda: _uniform(scale_seed, 1.0, high),
                                       lambda: _uniform(scale_seed, low, 1.0),
                                       lambda: tf.constant(1.0)])
    size = tf.maximum(tf.cast(tf.cast(base_size, tf.float32) * scale, tf.int32), 1)
    method = tf.random.stateless_uniform((), method_seed, 0, len(RESIZE_METHODS), tf.int32)
    return resize(image, size, method)


def gaussian_or_poisson_noise(image, seed, stage: DegradationStage):
    """Gaussian noise (probability ``gaussian_noise_prob``, std from ``noise_range``) or
    Poisson noise (counts at POISSON_LEVELS per unit, scaled by ``poisson_scale_range``); grey
    (one noise for all channels) with probability ``gray_noise_prob``. Clipped to [0, 1]."""
    seeds = _split(seed, 6)
    grey = tf.random.stateless_uniform((), seeds[0]) < stage.gray_noise_prob
    shape = tf.shape(image)
    grey_shape = tf.concat([shape[:2], [1]], 0)

    def gaussian():
        sigma = _uniform(seeds[2], *stage.noise_range) / 255.0
        noise = tf.cond(grey, lambda: tf.broadcast_to(
            tf.random.stateless_normal(grey_shape, seeds[3]), shape),
            lambda: tf.random.stateless_normal(shape, seeds[3]))
        return image + sigma * noise

    def poisson():
        scale = _uniform(seeds[4], *stage.poisson_scale_range)

        def shot(x):
            counts = tf.random.stateless_poisson(tf.shape(x), seeds[5], x * POISSON_LEVELS,
                                                  dtype=tf.float32)
            return counts / POISSON_LEVELS - x

        luma = tf.reduce_mean(image, -1, keepdims=True) if image.shape[-1] == 1 else \
            tf.image.rgb_to_grayscale(image)
        noise = tf.cond(grey, lambda: tf.broadcast_to(shot(luma), shape),
                        lambda: shot(image))
        return image + scale * noise

    gaussian_first = tf.random.stateless_uniform((), seeds[1]) < stage.gaussian_noise_prob
    return tf.clip_by_value(tf.cond(gaussian_first, gaussian, poisson), 0.0, 1.0)


def random_sharpen(image, seed, stage: DegradationStage):
    """An unsharp mask (amount, Gaussian radius drawn from the stage's ranges) with probability
    ``sharpen_prob``: halos at edges and amplified noise, as in-camera sharpening leaves."""
    use_seed, amount_seed, sigma_seed = _split(seed, 3)

    def sharpen():
        sigma = _uniform(sigma_seed, *stage.sharpen_sigma)
        blurred = filter_image(image, shaped_kernel("gaussian", sigma, sigma, 0.0, 1.0,
                                                    KERNEL_SIZE))
        amount = _uniform(amount_seed, *stage.sharpen_amount)
        return tf.clip_by_value(image + amount * (image - blurred), 0.0, 1.0)

    return tf.cond(tf.random.stateless_uniform((), use_seed) < stage.sharpen_prob, sharpen,
                   lambda: image)


def random_jpeg(image, seed, stage: DegradationStage):
    """JPEG at a quality drawn from ``jpeg_range``, of the image rounded to 8 bits first (as a
    file is encoded)."""
    low, high = stage.jpeg_range
    image = quantize(image)
    if low == high:   # TensorFlow's random op refuses an empty range
        return tf.image.adjust_jpeg_quality(image, low)
    return tf.image.stateless_random_jpeg_quality(image, low, high, seed)


# ----------------------------------------------------------------------------- the chain
def make_real_degrader(scale: int, settings: RealDegradeSettings = RealDegradeSettings()
                       ) -> Callable:
    """fn(image [H, W, C] in [0, 1], seed [2]) -> [H // scale, W // scale, C], 8-bit values in
    [0, 1]: the second-order chain of the module docstring. ``scale`` 1 keeps the size."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, not {scale}.")

    def degrade(image, seed):
        image = tf.convert_to_tensor(image, tf.float32)
        seeds = _split(tf.cast(seed, tf.int64), 16)
        height, width = image.shape[0], image.shape[1]
        if height is None or width is None:
            height, width = tf.shape(image)[0], tf.shape(image)[1]
        final_size = [height // scale, width // scale]
        one, two = settings.first, settings.second

        x = filter_image(image, random_blur_kernel(seeds[0], one))
        x = random_resize(x, seeds[1], one, tf.shape(image)[:2])
        x = gaussian_or_poisson_noise(x, seeds[2], one)
        x = random_sharpen(x, seeds[14], one)
        x = random_jpeg(x, seeds[3], one)

        x = tf.cond(tf.random.stateless_uniform((), seeds[4]) < settings.second_blur_prob,
                    lambda: filter_image(x, random_blur_kernel(seeds[5], two)), lambda: x)
        x = random_resize(x, seeds[6], two, tf.stack(final_size))
        x = gaussian_or_poisson_noise(x, seeds[7], two)
        x = random_sharpen(x, seeds[15], two)

        final_kernel = tf.cond(
            tf.random.stateless_uniform((), seeds[8]) < settings.final_sinc_prob,
            lambda: sinc_kernel(_uniform(seeds[9], math.pi / 3, math.pi), tf.gather(
                KERNEL_SIZES, tf.random.stateless_uniform(
                    (), seeds[10], 0, len(KERNEL_SIZES), dtype=tf.int32))),
            pulse_kernel)
        method = tf.random.stateless_uniform((), seeds[11], 0, len(RESIZE_METHODS), tf.int32)

        def resize_and_filter(y):
            return filter_image(resize(y, final_size, method), final_kernel)

        x = tf.cond(tf.random.stateless_uniform((), seeds[12]) < 0.5,
                    lambda: random_jpeg(resize_and_filter(x), seeds[13], two),
                    lambda: resize_and_filter(random_jpeg(x, seeds[13], two)))
        x = quantize(x)
        if isinstance(final_size[0], int):
            x = tf.ensure_shape(x, [final_size[0], final_size[1], image.shape[-1]])
        return x

    return degrade


def make_task_degrader(task: str, settings: Optional[degrade.DegradeSettings] = None,
                       textures=None, clip: bool = True) -> Callable:
    """``degrade.make_degrader`` for every restoration task of TASKS: "real" is the same-size
    real-world chain (``RESTORE_SETTINGS``), the others ``degrade``'s tasks."""
    if task == REAL_TASK:
        if not clip:
            raise ValueError(f"Only denoising can leave its output unclipped, not {task!r}.")
        return make_real_degrader(1, RESTORE_SETTINGS)
    return degrade.make_degrader(task, settings, textures, clip)


def small_noisy_jpeg(image_uint8, scale: int = 4, blur_sigma: float = 1.2,
                     noise_sigma: float = 4.0, quality: int = 60, seed: int = 0):
    """One photo made into a small web or phone copy, a fixed chain (the real-world cards'
    inputs): Gaussian blur of std ``blur_sigma`` px, antialiased bicubic downscale by
    ``scale``, Gaussian noise of std ``noise_sigma`` (8-bit units, seeded), JPEG at
    ``quality``. uint8 [H, W, C] -> uint8 [H // scale, W // scale, C]."""
    import numpy as np

    image = tf.constant(image_uint8, tf.float32) / 255.0
    if blur_sigma:
        image = filter_image(image, shaped_kernel("gaussian", blur_sigma, blur_sigma, 0.0, 1.0,
                                                  KERNEL_SIZE))
    height, width = image_uint8.shape[0] // scale, image_uint8.shape[1] // scale
    small = tf.image.resize(image, [height, width], "bicubic", antialias=True)
    noisy = small + noise_sigma / 255.0 * tf.random.stateless_normal(tf.shape(small),
                                                                      [seed, 0])
    compressed = tf.image.adjust_jpeg_quality(quantize(noisy), quality)
    return np.round(compressed.numpy() * 255.0).astype(np.uint8)
