"""Restoration evaluation: clean photos, their degraded versions made once with a fixed seed,
and a restorer scored by RGB PSNR / SSIM (and PSNR on the luma Y) against the clean photos.

Denoising follows the published tables: additive white Gaussian noise of standard deviation
``sigma`` on the 0-255 scale, seeded; ``clip=True`` clips and rounds the noisy image to 8
bits (what a saved noisy photo is, and what ``apply`` sees), ``clip=False`` feeds the
unclipped float image (the convention of most published tables). Every other task degrades
with its own training degradation (``data.degrade.make_degrader``), seeded. Training-time
evaluation, the zoo's cards and ``python -m tfgan_image.benchmark`` all score with
:class:`RestorationEvaluator`.
"""

import time
from typing import Callable, List, Optional, Sequence

import numpy as np

from tfgan_image import metrics
from tfgan_image.data import pipeline
from tfgan_image.evaluation import figures
from tfgan_image.evaluation.base import ImageEvaluator
from tfgan_image.evaluation.scores import Scores, mean_over_images

MAX_EVAL_SIDE = 768   # larger validation photos are centre-cropped (BM3D: ~1 min per Mpx)
SEED_OFFSET = 1_000_003   # keeps evaluation noise apart from training noise of the same seed


class RestorationEvaluator(ImageEvaluator):
    """Scores restorers on fixed (clean, degraded) pairs.

    clean: uint8 RGB [H, W, 3] photos; degraded: the same shapes, uint8, or float64 on the
    0-255 scale for unclipped noise; names: their file names. ``outputs`` holds the
    restorations of the latest call (uint8), for the figure. ``noise_level``: the known noise
    std (8-bit units) that a model with a noise-level input is given, as FFDNet's tables do;
    None lets ``apply`` estimate it.
    """

    def __init__(self, clean: Sequence[np.ndarray], degraded: Sequence[np.ndarray],
                 names: Sequence[str], noise_level: Optional[float] = None):
        self.clean, self.degraded, self.names = list(clean), list(degraded), list(names)
        self.noise_level = noise_level
        self.outputs: Optional[List[np.ndarray]] = None

    def model_options(self, model) -> dict:
        from tfgan_image.inference import takes_noise_level

        return ({"noise_level": self.noise_level}
                if self.noise_level is not None and takes_noise_level(model) else {})

    @classmethod
    def denoising(cls, clean, names, sigma: float, seed: int = 0, clip: bool = True,
                  max_side: int = 0) -> "RestorationEvaluator":
        """Gaussian noise of std ``sigma`` (0-255 scale) from ``numpy.random.default_rng(
        seed)``, drawn image after image in order."""
        clean = [crop_to(photo, max_side) for photo in clean]
        rng = np.random.default_rng(seed)
        noisy = [photo + rng.normal(0.0, sigma, photo.shape) for photo in clean]
        if clip:
            noisy = [np.clip(np.round(image), 0, 255).astype(np.uint8) for image in noisy]
        return cls(clean, noisy, names, noise_level=sigma)

    @classmethod
    def with_degrader(cls, clean, names, degrader: Callable, seed: int = 0,
                      max_side: int = 0) -> "RestorationEvaluator":
        """Each photo degraded once by ``degrader(image [H, W, 3] float32 in [0, 1], stateless
        seed [2]) -> tensor in [0, 1]`` with seed [seed + SEED_OFFSET, index], rounded to 8
        bits (a task's own degradation, ``degrade.make_degrader``)."""
        clean = [crop_to(photo, max_side) for photo in clean]
        degraded = [np.round(np.asarray(degrader(photo.astype(np.float32) / 255.0,
                                                 [seed + SEED_OFFSET, i])) * 255.0
                             ).astype(np.uint8) for i, photo in enumerate(clean)]
        return cls(clean, degraded, names)

    def score_images(self, restored: Sequence[np.ndarray], seconds_per_image: float = 0.0
                     ) -> Scores:
        """Scores of given restorations (uint8, the clean photos' shapes)."""
        pairs = list(zip(self.clean, restored))
        return mean_over_images(self.names, {
            "psnr": [metrics.image_psnr(c, r) for c, r in pairs],
            "ssim": [metrics.image_ssim(c, r) for c, r in pairs],
            "psnr_y": [metrics.image_psnr(c, r, y_channel=True) for c, r in pairs]},
            seconds_per_image)

    def score(self, restore: Callable[[np.ndarray], np.ndarray], progress=None) -> Scores:
        """restore: degraded image -> uint8 restoration. The first call on a small crop
        (tracing) is not timed; ``progress``: an iterable wrapper (a tqdm bar)."""
        restore(self.degraded[0][:64, :64])
        start = time.perf_counter()
        self.outputs = [restore(image) for image in (progress or iter)(self.degraded)]
        return self.score_images(self.outputs,
                                 (time.perf_counter() - start) / len(self.degraded))

    def score_degraded(self) -> Scores:
        """The degraded input itself, as the model sees it (unclipped noise unclipped)."""
        return self.score_images(self.degraded)

    def degraded_uint8(self) -> List[np.ndarray]:
        return [np.clip(np.round(image), 0, 255).astype(np.uint8) for image in self.degraded]

    def figure(self, columns: List[figures.Column], path: str, rows: Optional[int] = None,
               crop: int = 160, title: str = "") -> str:
        """degraded | methods | clean on a centre ``crop`` window of each photo, titled with
        the whole photo's PSNR."""
        return figures.comparison_figure(
            [("degraded", self.degraded_uint8())] + list(columns) + [("clean", self.clean)],
            self.names, path, metrics.image_psnr, crop=crop, rows=rows, title=title)


def crop_to(photo: np.ndarray, max_side: int) -> np.ndarray:
    """The centre ``max_side`` window of a photo (the photo itself for 0)."""
    return pipeline.centre_crop(photo, max_side) if max_side else photo
