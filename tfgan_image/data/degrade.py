"""Image degradations as TensorFlow ops, random per sample and reproducible from a seed.

Every op takes one image, float32 [H, W, C] in [0, 1] (C = 1 or 3), and a stateless seed
(int [2] tensor) and returns an image of the same shape and range. Parameters are drawn
uniformly from the ranges in :class:`DegradeSettings` (listed there with their units), so the
same (image, seed) always gives the same output, in tf.data (``map``), in a ``tf.function`` or
eagerly. :func:`make_degrader` composes them into the restoration tasks:

  denoise    additive Gaussian noise, or Poisson-Gaussian (signal-dependent) noise
  desharpen  unsharp-mask over-sharpening (halos, ringing) of an image with faint sensor noise,
             which the sharpening amplifies
  deblur     Gaussian blur or short linear motion blur, plus faint noise
  jpeg       JPEG compression artefacts (blocking, ringing, colour bleeding)
  detexture  halftone dot screens, moire from two interfering gratings, scanner stripes or
             paper/canvas grain taken from real texture photos
  mixed      a random chain: blur -> texture -> sharpening -> noise -> JPEG, each step with
             probability ``mixed_probability``

Every degraded image is clipped and rounded to 8 bits, like a file a user would restore
(denoising can also keep its noise unclipped, the convention of the published tables).
:func:`make_noise_level_degrader` adds FFDNet's noise-level map: the noise std as an extra,
constant channel, which a non-blind denoiser reads.
Super-resolution's low-resolution inputs come from :func:`bicubic_downscale`; the real-world
chain (blur, resizing, noise and JPEG, twice) is in ``data.degrade_real``.
"""

import dataclasses
import math
from typing import Callable, Optional, Tuple

import numpy as np
import tensorflow as tf

TASKS = ("denoise", "desharpen", "deblur", "jpeg", "detexture", "mixed")
MAX_BLUR_RADIUS = 10          # pixels; Gaussian kernels are truncated at this radius
MAX_MOTION_RADIUS = 7


@dataclasses.dataclass(frozen=True)
class DegradeSettings:
    """Parameter ranges (low, high), sampled uniformly per image.

    Noise levels are in 8-bit units (sigma 25 means 25/255 on [0, 1] images).
    """
    sigma: Tuple[float, float] = (10.0, 40.0)         # Gaussian noise std (denoise)
    poisson_fraction: float = 0.25                     # share of Poisson-Gaussian samples
    poisson_gain: Tuple[float, float] = (0.005, 0.05)  # variance per unit signal, [0, 1] scale
    sharpen_amount: Tuple[float, float] = (0.5, 2.0)   # unsharp-mask gain
    sharpen_sigma: Tuple[float, float] = (0.8, 3.0)    # its Gaussian radius, pixels
    sensor_sigma: Tuple[float, float] = (0.0, 4.0)     # noise before sharpening / after blur
    blur_sigma: Tuple[float, float] = (0.6, 2.5)       # Gaussian blur std, pixels
    motion_length: Tuple[float, float] = (3.0, 11.0)   # motion blur length, pixels
    jpeg_quality: Tuple[int, int] = (10, 50)
    halftone_pitch: Tuple[float, float] = (3.0, 8.0)   # dot spacing, pixels
    halftone_strength: Tuple[float, float] = (0.5, 1.0)  # blend of the screen over the photo
    halftone_hardness: Tuple[float, float] = (12.0, 12.0)  # dot edge gain: ~100 is binary ink
    halftone_blur: Tuple[float, float] = (0.1, 0.3)    # the scan's blur std, share of the pitch
    moire_frequency: Tuple[float, float] = (0.15, 0.45)  # grating frequency, cycles/pixel
    moire_amplitude: Tuple[float, float] = (0.04, 0.15)
    stripe_amplitude: Tuple[float, float] = (0.03, 0.12)  # relative gain variation
    stripe_period: Tuple[float, float] = (4.0, 40.0)      # pixels
    grain_amplitude: Tuple[float, float] = (0.04, 0.15)   # relative gain variation
    mixed_probability: float = 0.4


# ----------------------------------------------------------------------------- helpers
def _uniform(seed, low, high, shape=()):
    return tf.random.stateless_uniform(shape, seed, float(low), float(high))


def _split(seed, count):
    return tf.unstack(tf.random.experimental.stateless_split(seed, count))


def _choose(seed, branches):
    """Runs one of ``branches`` (zero-argument callables) picked uniformly at random."""
    index = tf.random.stateless_uniform((), seed, 0, len(branches), dtype=tf.int32)
    return tf.switch_case(index, branches)


def quantize(image):
    """Clips to [0, 1] and rounds to the 256 levels of an 8-bit file."""
    return tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0) / 255.0


def _depthwise(image, kernel_2d):
    """Convolves every channel of [H, W, C] with ``kernel_2d`` [kh, kw] (symmetric padding)."""
    kh, kw = kernel_2d.shape[0] // 2, kernel_2d.shape[1] // 2
    padded = tf.pad(image[None], [[0, 0], [kh, kh], [kw, kw], [0, 0]], mode="SYMMETRIC")
    channels = tf.shape(image)[-1]
    kernel = tf.tile(kernel_2d[:, :, None, None], [1, 1, channels, 1])
    return tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")[0]


def gaussian_kernel_1d(sigma, radius: int = MAX_BLUR_RADIUS):
    """Normalised Gaussian weights [2 * radius + 1] for a (tensor) std ``sigma`` in pixels."""
    x = tf.range(-radius, radius + 1, dtype=tf.float32)
    weights = tf.exp(-0.5 * tf.square(x / tf.maximum(sigma, 1e-3)))
    return weights / tf.reduce_sum(weights)


def gaussian_blur(image, sigma, radius: int = MAX_BLUR_RADIUS):
    """Separable Gaussian blur of [H, W, C] with std ``sigma`` pixels (a scalar tensor)."""
    weights = gaussian_kernel_1d(sigma, radius)
    return _depthwise(_depthwise(image, weights[:, None]), weights[None, :])


def motion_kernel(length, angle, radius: int = MAX_MOTION_RADIUS):
    """A normalised [2r+1, 2r+1] kernel of a straight motion of ``length`` px at ``angle`` rad."""
    coords = tf.range(-radius, radius + 1, dtype=tf.float32)
    y, x = tf.meshgrid(coords, coords, indexing="ij")
    along = x * tf.cos(angle) + y * tf.sin(angle)
    across = -x * tf.sin(angle) + y * tf.cos(angle)
    weights = (tf.nn.relu(1.0 - tf.abs(across))
               * tf.clip_by_value(length / 2.0 + 0.5 - tf.abs(along), 0.0, 1.0))
    return weights / tf.reduce_sum(weights)


def unsharp_mask(image, amount, sigma):
    """image + amount * (image - gaussian_blur(image, sigma)), unclipped."""
    return image + amount * (image - gaussian_blur(image, sigma))


def _pixel_grid(image):
    """(y, x) float coordinates [H, W, 1] of the pixels of ``image``."""
    shape = tf.shape(image)
    y, x = tf.meshgrid(tf.range(shape[0], dtype=tf.float32),
                       tf.range(shape[1], dtype=tf.float32), indexing="ij")
    return y[..., None], x[..., None]


def _per_channel(image, values):
    """The first C entries of a python list, as a [C] tensor, C = channels of ``image``."""
    return tf.constant(values, tf.float32)[:tf.shape(image)[-1]]


# ----------------------------------------------------------------------------- the ops
def gaussian_noise(image, seed, sigma_range):
    """Additive white Gaussian noise, std uniform in ``sigma_range`` (8-bit units)."""
    seed_sigma, seed_noise = _split(seed, 2)
    sigma = _uniform(seed_sigma, *sigma_range) / 255.0
    return image + sigma * tf.random.stateless_normal(tf.shape(image), seed_noise)


def poisson_gaussian_noise(image, seed, gain_range, sigma_range):
    """Signal-dependent noise with variance gain * x + sigma^2 (the heteroscedastic Gaussian
    approximation of Poisson shot noise plus Gaussian read noise, Foi et al. 2008)."""
    seed_gain, seed_sigma, seed_noise = _split(seed, 3)
    gain = _uniform(seed_gain, *gain_range)
    sigma = _uniform(seed_sigma, *sigma_range) / 255.0 / 2.0
    std = tf.sqrt(gain * tf.clip_by_value(image, 0.0, 1.0) + tf.square(sigma))
    return image + std * tf.random.stateless_normal(tf.shape(image), seed_noise)


def over_sharpen(image, seed, settings: DegradeSettings):
    """Faint sensor noise, then one or two unsharp-mask passes (halos, then ringing)."""
    seeds = _split(seed, 6)
    noisy = gaussian_noise(image, seeds[0], settings.sensor_sigma)
    sharp = unsharp_mask(noisy, _uniform(seeds[1], *settings.sharpen_amount),
                         _uniform(seeds[2], *settings.sharpen_sigma))
    use_second = tf.random.stateless_uniform((), seeds[5]) < 0.5
    return tf.cond(use_second,
                   lambda: unsharp_mask(sharp, _uniform(seeds[3], 0.3, 1.0),
                                        _uniform(seeds[4], 0.5, 1.0)),
                   lambda: sharp)


def blur(image, seed, settings: DegradeSettings):
    """Gaussian blur or a linear motion blur (half each), then faint sensor noise."""
    seeds = _split(seed, 5)

    def gaussian():
        return gaussian_blur(image, _uniform(seeds[1], *settings.blur_sigma))

    def motion():
        kernel = motion_kernel(_uniform(seeds[2], *settings.motion_length),
                               _uniform(seeds[3], 0.0, math.pi))
        return _depthwise(image, kernel)

    return gaussian_noise(_choose(seeds[0], [gaussian, motion]), seeds[4],
                          settings.sensor_sigma)


def jpeg(image, seed, settings: DegradeSettings):
    """JPEG compression at a quality uniform in ``settings.jpeg_quality``."""
    return tf.image.stateless_random_jpeg_quality(quantize(image), *settings.jpeg_quality, seed)


def halftone(image, seed, settings: DegradeSettings):
    """An amplitude-modulated dot screen per channel, at a random angle and pitch, as printed
    and scanned: screens at the CMY angles (15, 75, 0 degrees + a random rotation), dots with
    edges of a random hardness (soft by default, binary ink at the top of the range),
    blurred by the scan (a random std, as a share of the pitch), blended with the original
    by a random strength."""
    seeds = _split(seed, 4)
    # drawn from a seed of its own, so the default (fixed) hardness leaves the other draws as
    # they were
    hardness = _uniform(tf.random.experimental.stateless_split(seeds[3], 1)[0],
                        *settings.halftone_hardness)
    pitch = _uniform(seeds[0], *settings.halftone_pitch)
    angle = _uniform(seeds[1], 0.0, math.pi / 2) + _per_channel(
        image, [math.radians(15), math.radians(75), 0.0])
    y, x = _pixel_grid(image)
    u = x * tf.cos(angle) + y * tf.sin(angle)
    v = -x * tf.sin(angle) + y * tf.cos(angle)
    threshold = 0.5 + 0.25 * (tf.cos(2 * math.pi * u / pitch) + tf.cos(2 * math.pi * v / pitch))
    dots = tf.sigmoid((image - threshold) * hardness)
    dots = gaussian_blur(dots, pitch * _uniform(seeds[2], *settings.halftone_blur))
    strength = _uniform(seeds[3], *settings.halftone_strength)
    return (1.0 - strength) * image + strength * dots


def moire(image, seed, settings: DegradeSettings):
    """Two nearly aligned gratings multiplied: a low-frequency beat pattern (moire), with a
    small colour shift between channels, added to the image."""
    seeds = _split(seed, 7)
    frequency = _uniform(seeds[0], *settings.moire_frequency)
    ratio = _uniform(seeds[1], 0.95, 1.05)
    angle = _uniform(seeds[2], 0.0, math.pi)
    delta = _uniform(seeds[3], math.radians(1.0), math.radians(8.0))
    phase = _uniform(seeds[4], 0.0, 2 * math.pi) + _per_channel(image, [0.0, 1.0, 2.0]) * \
        _uniform(seeds[5], 0.0, 0.6)
    y, x = _pixel_grid(image)

    def grating(freq, theta, offset):
        return tf.cos(2 * math.pi * freq * (x * tf.cos(theta) + y * tf.sin(theta)) + offset)

    pattern = grating(frequency, angle, phase) * grating(frequency * ratio, angle + delta, 0.0)
    return image + _uniform(seeds[6], *settings.moire_amplitude) * 2.0 * pattern


def stripes(image, seed, settings: DegradeSettings):
    """Scanner stripes: a gain that varies along rows or columns (a periodic part plus a
    smooth random part), the same for every channel."""
    seeds = _split(seed, 6)
    shape = tf.shape(image)
    vertical = tf.random.stateless_uniform((), seeds[0]) < 0.5
    length = tf.where(vertical, shape[1], shape[0])
    position = tf.range(length, dtype=tf.float32)
    periodic = tf.sin(2 * math.pi * position / _uniform(seeds[1], *settings.stripe_period)
                      + _uniform(seeds[2], 0.0, 2 * math.pi))
    smooth = _depthwise(tf.random.stateless_normal([1, length, 1], seeds[3]),
                        gaussian_kernel_1d(_uniform(seeds[4], 0.5, 3.0))[None, :])[0, :, 0]
    smooth /= tf.math.reduce_std(smooth) + 1e-6
    profile = _uniform(seeds[5], *settings.stripe_amplitude) * 0.5 * (periodic + smooth)
    gain = tf.cond(vertical, lambda: tf.tile(profile[None, :], [shape[0], 1]),
                   lambda: tf.tile(profile[:, None], [1, shape[1]]))
    return image * (1.0 + gain[..., None])


def _tile_to(texture, height, width, seed):
    """A random [height, width] window of ``texture`` [h, w] tiled with mirrored copies."""
    mirrored = tf.concat([texture, tf.reverse(texture, [0])], axis=0)
    mirrored = tf.concat([mirrored, tf.reverse(mirrored, [1])], axis=1)
    size = tf.shape(mirrored)
    reps = [height // size[0] + 2, width // size[1] + 2]
    tiled = tf.tile(mirrored, reps)
    offset = tf.random.stateless_uniform([2], seed, 0, 2 ** 30, dtype=tf.int32) % size
    return tiled[offset[0]:offset[0] + height, offset[1]:offset[1] + width]


def grain(image, seed, settings: DegradeSettings, textures):
    """Paper/canvas grain: a real texture photo (high-passed, unit std) modulating the gain.

    textures: float32 [K, h, w] in [0, 1], greyscale texture photos (e.g. brick, grass, gravel).
    """
    seeds = _split(seed, 4)
    index = tf.random.stateless_uniform((), seeds[0], 0, tf.shape(textures)[0], dtype=tf.int32)
    shape = tf.shape(image)
    texture = _tile_to(tf.gather(textures, index), shape[0], shape[1], seeds[1])[..., None]
    texture = texture - gaussian_blur(texture, _uniform(seeds[2], 4.0, 10.0))
    texture /= tf.math.reduce_std(texture) + 1e-6
    return image * (1.0 + _uniform(seeds[3], *settings.grain_amplitude) * texture)


# ----------------------------------------------------------------------------- tasks
def make_degrader(task: str, settings: Optional[DegradeSettings] = None,
                  textures=None, clip: bool = True) -> Callable:
    """The degradation of a restoration task: fn(image [H, W, C] in [0, 1], seed [2]) ->
    degraded image, same shape, 8-bit values in [0, 1].

    ``textures`` (float32 [K, h, w] in [0, 1]) is needed by ``detexture`` and ``mixed``.
    ``clip=False`` (denoising only) leaves the noisy image unclipped and unrounded.
    """
    settings = settings or DegradeSettings()
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {TASKS}.")
    if task in ("detexture", "mixed") and textures is None:
        raise ValueError(f"Task {task!r} needs texture photos (textures=[K, h, w]).")
    if not clip and task != "denoise":
        raise ValueError(f"Only denoising can leave its output unclipped, not {task!r}.")
    if textures is not None:
        textures = tf.constant(textures, tf.float32)

    def noise(image, seed):
        seed_choice, seed_noise = _split(seed, 2)
        poisson = tf.random.stateless_uniform((), seed_choice) < settings.poisson_fraction
        return tf.cond(
            poisson,
            lambda: poisson_gaussian_noise(image, seed_noise, settings.poisson_gain,
                                           settings.sigma),
            lambda: gaussian_noise(image, seed_noise, settings.sigma))

    def texture(image, seed):
        seed_choice, seed_op = _split(seed, 2)
        return _choose(seed_choice, [
            lambda: halftone(image, seed_op, settings),
            lambda: moire(image, seed_op, settings),
            lambda: stripes(image, seed_op, settings),
            lambda: grain(image, seed_op, settings, textures)])

    def mixed(image, seed):
        seeds = _split(seed, 10)
        chain = [lambda x, s: blur(x, s, settings), texture,
                 lambda x, s: over_sharpen(x, s, settings), noise,
                 lambda x, s: jpeg(x, s, settings)]
        applied = tf.zeros((), tf.bool)
        for i, op in enumerate(chain):
            use = tf.random.stateless_uniform((), seeds[2 * i]) < settings.mixed_probability
            if i == len(chain) - 1:
                use = tf.logical_or(use, tf.logical_not(applied))  # never leave it clean
            applied = tf.logical_or(applied, use)
            image = tf.cond(use, lambda x=image, o=op, s=seeds[2 * i + 1]: quantize(o(x, s)),
                            lambda x=image: x)
        return image

    ops = {"denoise": noise,
           "desharpen": lambda x, s: over_sharpen(x, s, settings),
           "deblur": lambda x, s: blur(x, s, settings),
           "jpeg": lambda x, s: jpeg(x, s, settings),
           "detexture": texture,
           "mixed": mixed}

    def degrade(image, seed):
        image = tf.convert_to_tensor(image, tf.float32)
        degraded = ops[task](image, tf.cast(seed, tf.int64))
        return quantize(degraded) if clip else degraded

    return degrade


def make_noise_level_degrader(sigma_range: Tuple[float, float], clip: bool = False,
                              other_share: float = 0.0) -> Callable:
    """Denoising with FFDNet's noise-level map: fn(image [H, W, C] in [0, 1], seed [2]) ->
    [H, W, C + 1]: the image with additive Gaussian noise of a std uniform in ``sigma_range``
    (8-bit units; unclipped unless ``clip``), then a constant channel holding that std on the
    [0, 1] scale (sigma / 255). ``other_share``: the fraction of images given the other
    convention (unclipped when ``clip``, clipped and rounded when not)."""

    def degrade(image, seed):
        image = tf.convert_to_tensor(image, tf.float32)
        seed = tf.cast(seed, tf.int64)
        seed_sigma, seed_noise = _split(seed, 2)
        sigma = _uniform(seed_sigma, *sigma_range) / 255.0
        noisy = image + sigma * tf.random.stateless_normal(tf.shape(image), seed_noise)
        clipped = tf.constant(clip)
        if other_share:
            other = tf.random.stateless_uniform(
                (), tf.random.experimental.stateless_fold_in(seed, 1)) < other_share
            clipped = tf.not_equal(clipped, other)
        noisy = tf.where(clipped, quantize(noisy), noisy)
        level = tf.fill(tf.concat([tf.shape(image)[:-1], [1]], 0), sigma)
        return tf.concat([noisy, level], axis=-1)

    return degrade


# ----------------------------------------------------------------------------- super-resolution
RESIZERS = ("tf_bicubic_antialias", "pil_bicubic", "tf_bicubic")


def bicubic_downscale(image, scale: int):
    """The low-resolution input of super-resolution: image [H, W, C] (or a batch [N, H, W, C])
    in [0, 1], H and W multiples of ``scale`` -> [H / scale, W / scale, C], clipped and rounded
    to 8 bits.

    The resizer is TensorFlow's antialiased bicubic (``tf.image.resize(..., "bicubic",
    antialias=True)``): Keys' cubic kernel with a = -0.5 stretched by the scale factor, the
    kernel MATLAB's ``imresize`` (and PIL's BICUBIC) use to make the LR images of the
    published benchmarks. Without antialiasing the downscale aliases and bicubic upscaling
    scores differently (``tools/results_superres.py`` measures all three).
    """
    image = tf.convert_to_tensor(image, tf.float32)
    height, width = tf.shape(image)[-3], tf.shape(image)[-2]
    small = tf.image.resize(image, [height // scale, width // scale], method="bicubic",
                            antialias=True)
    return quantize(small)


def downscale_array(image_uint8, scale: int, resizer: str = "tf_bicubic_antialias"):
    """uint8 [H, W, C] (H, W multiples of ``scale``) -> uint8 [H / scale, W / scale, C] with
    one of ``RESIZERS`` (``tf_bicubic_antialias`` is the training and evaluation default)."""
    if resizer == "pil_bicubic":
        from PIL import Image

        height, width = image_uint8.shape[:2]
        return np.asarray(Image.fromarray(image_uint8).resize(
            (width // scale, height // scale), Image.BICUBIC))
    if resizer not in RESIZERS:
        raise ValueError(f"Unknown resizer {resizer!r}; choose from {RESIZERS}.")
    image = tf.constant(image_uint8, tf.float32) / 255.0
    if resizer == "tf_bicubic_antialias":
        small = bicubic_downscale(image, scale)
    else:
        small = quantize(tf.image.resize(image, [image.shape[0] // scale,
                                                 image.shape[1] // scale], method="bicubic"))
    return np.round(small.numpy() * 255.0).astype(np.uint8)


def bicubic_upscale_array(image_uint8, scale: int):
    """The bicubic baseline: uint8 [h, w, C] -> uint8 [h * scale, w * scale, C]
    (TensorFlow bicubic, Keys a = -0.5, half-pixel centres, as MATLAB's imresize)."""
    image = tf.constant(image_uint8, tf.float32)
    big = tf.image.resize(image, [image.shape[0] * scale, image.shape[1] * scale],
                          method="bicubic")
    return np.round(np.clip(big.numpy(), 0, 255)).astype(np.uint8)
