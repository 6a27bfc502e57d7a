"""Super-resolution evaluation with the published tables' convention.

The high-resolution image is modcropped to a multiple of the scale; its low-resolution input
is made by MATLAB's bicubic ``imresize`` (``data.matlab_resize``) and rounded to 8 bits;
outputs are scored by PSNR and SSIM on the BT.601 luma Y with ``scale`` pixels shaved at every
border (``metrics.super_resolution_psnr``), and optionally by a VGG feature distance (lower
is closer). Training-time evaluation, the zoo's cards and ``python -m tfgan_image.benchmark``
all score with :class:`SuperResolutionEvaluator`.
"""

import time
from typing import Callable, List, Optional, Sequence

import numpy as np

from tfgan_image import metrics
from tfgan_image.data import matlab_resize, pipeline
from tfgan_image.evaluation import figures
from tfgan_image.evaluation.base import ImageEvaluator
from tfgan_image.evaluation.scores import Scores, mean_over_images

MAX_EVAL_SIDE = 768   # larger validation photos are centre-cropped (0: whole images)


class SuperResolutionEvaluator(ImageEvaluator):
    """Scores x``scale`` upscalers on fixed (high-resolution, low-resolution) pairs.

    photos: uint8 RGB [H, W, 3] high-resolution images (any sizes); names: their file names.
    max_side: centre-crop larger photos to this side first (0: score whole images, as the
    standard sets are scored). degrader: fn(image [H, W, 3] in [0, 1], seed [2]) -> the
    low-resolution input in [0, 1] (``degrade_real.make_real_degrader``), seeded per image
    from ``seed``; None: MATLAB's bicubic, the tables' convention. distance_features: a VGG
    feature model for the ``vgg_distance`` metric (``features.vgg_features``), or None to skip it.
    ``outputs`` holds the upscaled images of the latest call (for the figure).
    """

    def __init__(self, photos: Sequence[np.ndarray], names: Sequence[str], scale: int,
                 distance_features=None, max_side: int = MAX_EVAL_SIDE,
                 degrader: Optional[Callable] = None, seed: int = 0):
        self.scale, self.names = scale, list(names)
        self.high = [metrics.modcrop(pipeline.centre_crop(photo, max_side) if max_side
                                     else photo, scale) for photo in photos]
        if degrader is None:
            self.low = [matlab_resize.downscale(image, scale) for image in self.high]
        else:
            self.low = [np.round(np.asarray(degrader(image.astype(np.float32) / 255.0,
                                                     np.array([seed, i]))) * 255.0
                                 ).astype(np.uint8) for i, image in enumerate(self.high)]
        self.distance_features = distance_features
        self.outputs: Optional[List[np.ndarray]] = None

    def score(self, upscale: Callable[[np.ndarray], np.ndarray], progress=None) -> Scores:
        """upscale: uint8 [h, w, 3] -> uint8 [h * scale, w * scale, 3]. The first call on a
        small crop (tracing) is not timed; ``progress``: an iterable wrapper (a tqdm bar)."""
        upscale(self.low[0][:16, :16])
        start = time.perf_counter()
        self.outputs = [upscale(image) for image in (progress or iter)(self.low)]
        seconds = (time.perf_counter() - start) / len(self.low)
        pairs = list(zip(self.high, self.outputs))
        values = {"psnr_y": [metrics.super_resolution_psnr(h, o, self.scale) for h, o in pairs],
                  "ssim_y": [metrics.super_resolution_ssim(h, o, self.scale) for h, o in pairs]}
        if self.distance_features is not None:
            values["vgg_distance"] = [metrics.feature_distance(self.distance_features, h, o)
                                      for h, o in pairs]
        return mean_over_images(self.names, values, seconds)

    def score_bicubic(self) -> Scores:
        """MATLAB's bicubic upscaling: the published tables' "Bicubic" row."""
        return self.score(lambda image: matlab_resize.upscale(image, self.scale))

    def figure(self, columns: List[figures.Column], path: str, rows: Optional[int] = None,
               crop: int = 96, title: str = "") -> str:
        """methods | high resolution on each image's most detailed ``crop`` window, titled
        with the whole image's Y-PSNR."""
        return figures.comparison_figure(
            list(columns) + [("high resolution", self.high)], self.names, path,
            lambda high, out: metrics.super_resolution_psnr(high, out, self.scale),
            crop=crop, rows=rows, detailed=True, title=title)
