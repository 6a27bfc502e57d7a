"""Evaluation: one evaluator per task, each scoring a generator on a set of images with the
published conventions, returning typed :class:`Scores` and drawing its comparison figure.
Training-time evaluation, the zoo's cards and ``python -m tfgan_image.benchmark`` call the
same evaluators.

* ``superres.SuperResolutionEvaluator``: Y-PSNR / Y-SSIM (scale shaved), VGG distance;
  low resolution by MATLAB's bicubic (``data.matlab_resize``).
* ``restoration.RestorationEvaluator``: RGB PSNR / SSIM of denoising (seeded Gaussian noise,
  clipped or not) and of every other restoration task (its own seeded degradation).
* ``digits``: FD / KID / classifier score of a digit GAN on the digit classifier's features.
* ``image_gan.ImageGANEvaluator``: FD / KID of an image GAN (digit, Inception or VGG
  features) and how often the requested class is seen.
* ``benchmark``: a model on a folder, with the published rows of the standard sets
  (``published``).

Style transfer and texture synthesis are still scored inside their family modules
(``style_transfer``, ``texture_synthesis``).
"""

from tfgan_image.evaluation.scores import Scores

__all__ = ["Scores"]
