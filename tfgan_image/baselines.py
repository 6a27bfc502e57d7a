"""Classical restorers, the references a restoration GAN is compared with in the same run.

Each takes a degraded 8-bit image [H, W, 3] (uint8) and the noise std ``sigma`` in 8-bit units
(the true one when the evaluation knows it, e.g. denoising at sigma 25 -- the usual oracle
setting of published tables -- else scikit-image's wavelet estimate) and returns uint8.

  wavelet    scikit-image BayesShrink wavelet denoising in YCbCr
  tv         total-variation denoising (Chambolle), weight 0.8 sigma
  nl_means   non-local means, 5x5 patches, 13x13 search, h = 0.8 sigma (scikit-image's example)
  gaussian   Gaussian low-pass, std 1.5 px (the classical descreening filter)
  unsharp_inverse  the exact inverse of an unsharp mask of middling gain and radius (the
             middle of the desharpen degradation's ranges), by division in the Fourier domain
  bm3d       colour BM3D (Dabov et al. 2007; the ``bm3d`` package), the strongest classical
             denoiser and the one published tables quote
"""

from typing import Callable, Dict, Optional

import numpy as np


def estimate_noise_sigma(image_uint8) -> float:
    """Noise std in 8-bit units, estimated from the finest wavelet band (Donoho)."""
    from skimage.restoration import estimate_sigma

    return float(estimate_sigma(np.asarray(image_uint8, np.float64) / 255.0, channel_axis=-1,
                                average_sigmas=True)) * 255.0


def _to_uint8(image01) -> np.ndarray:
    return np.round(np.clip(image01, 0.0, 1.0) * 255.0).astype(np.uint8)


def wavelet(image, sigma):
    from skimage.restoration import denoise_wavelet

    return _to_uint8(denoise_wavelet(image / 255.0, sigma=sigma / 255.0, convert2ycbcr=True,
                                     channel_axis=-1, rescale_sigma=True))


def total_variation(image, sigma):
    from skimage.restoration import denoise_tv_chambolle

    return _to_uint8(denoise_tv_chambolle(image / 255.0, weight=0.8 * sigma / 255.0,
                                          channel_axis=-1))


def nl_means(image, sigma):
    from skimage.restoration import denoise_nl_means

    s = sigma / 255.0
    return _to_uint8(denoise_nl_means(image / 255.0, patch_size=5, patch_distance=6, h=0.8 * s,
                                      sigma=s, fast_mode=True, channel_axis=-1))


def gaussian_filter(image, std: float) -> np.ndarray:
    """A Gaussian low-pass of std ``std`` pixels of an 8-bit image [H, W, C]: uint8."""
    from skimage.filters import gaussian

    return _to_uint8(gaussian(image / 255.0, sigma=std, channel_axis=-1))


def gaussian_low_pass(image, sigma):
    del sigma
    return gaussian_filter(image, 1.5)


def unsharp_inverse(image, sigma):
    """Undoes x + a (x - G_r x) with a, r the middles of the desharpen task's ranges: divides
    the spectrum by 1 + a (1 - exp(-2 pi^2 r^2 f^2)), which is >= 1, so it never amplifies."""
    del sigma
    from tfgan_image.data.degrade import DegradeSettings

    settings = DegradeSettings()
    amount, radius = np.mean(settings.sharpen_amount), np.mean(settings.sharpen_sigma)
    pad = int(np.ceil(4 * radius))   # reflected border: the division assumes a periodic image
    padded = np.pad(image / 255.0, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    height, width = padded.shape[:2]
    frequency2 = np.fft.fftfreq(height)[:, None] ** 2 + np.fft.rfftfreq(width)[None, :] ** 2
    response = 1.0 + amount * (1.0 - np.exp(-2.0 * (np.pi * radius) ** 2 * frequency2))
    restored = np.fft.irfft2(np.fft.rfft2(padded, axes=(0, 1)) / response[..., None],
                             s=(height, width), axes=(0, 1))
    return _to_uint8(restored[pad:pad + image.shape[0], pad:pad + image.shape[1]])


def bm3d_colour(image, sigma):
    import bm3d

    return _to_uint8(bm3d.bm3d_rgb(image / 255.0, sigma_psd=max(sigma, 0.5) / 255.0))


RESTORERS: Dict[str, Callable] = {
    "wavelet": wavelet,
    "tv": total_variation,
    "nl_means": nl_means,
    "gaussian": gaussian_low_pass,
    "unsharp_inverse": unsharp_inverse,
    "bm3d": bm3d_colour,
}


OPTIONAL_PACKAGES = {"bm3d": "bm3d"}   # restorer -> the package it needs
NOT_INSTALLED = ("not installed (pip install 'tfgan_image[classical]'; BM3D's licence allows "
                 "non-commercial use only)")


def available(name: str) -> bool:
    """Whether restorer ``name`` can run: BM3D needs the optional ``bm3d`` package (free for
    non-commercial use only, so not a dependency of this Apache-2.0 package)."""
    import importlib.util

    package = OPTIONAL_PACKAGES.get(name)
    return package is None or importlib.util.find_spec(package) is not None


def references_for_task(task: str) -> tuple:
    """The classical restorers a task is compared with (BM3D for denoising, a low-pass for
    texture removal, the inverse unsharp mask for desharpening, wavelet / TV / non-local means
    for all)."""
    extra = {"denoise": ("bm3d",), "detexture": ("gaussian",),
             "desharpen": ("unsharp_inverse",)}.get(task, ())
    return ("wavelet", "tv", "nl_means") + extra


def restore(name: str, image_uint8, sigma: Optional[float] = None) -> np.ndarray:
    """Runs restorer ``name`` on a uint8 [H, W, 3] image; ``sigma`` None: estimated."""
    image = np.asarray(image_uint8, np.float64)
    if sigma is None:
        sigma = estimate_noise_sigma(image_uint8)
    return RESTORERS[name](image, sigma)
