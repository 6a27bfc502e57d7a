"""default: the super-resolution family's defaults (``superres.SuperResolutionConfig()``).

    python -m tfgan_image.experiments.superres      # = python -m tfgan_image.train superres

SRGAN-lite x4 on the photos scikit-image and scikit-learn ship: stage 1 trains a residual
generator on L1 (SRResNet), stage 2 fine-tunes it with a VGG feature loss and a discriminator
(SRGAN). It prints Y-PSNR / Y-SSIM / VGG distance of both stages on the held-out photos next to
bicubic (tools/results_superres.md).
"""

from tfgan_image import superres


def get_config() -> superres.SuperResolutionConfig:
    return superres.SuperResolutionConfig()
