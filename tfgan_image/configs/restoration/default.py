"""default: the restoration family's defaults (``restoration.RestorationConfig()``).

    python -m tfgan_image.experiments.restoration --task=denoise
    # = python -m tfgan_image.train restoration --task=denoise

A U-Net generator and a patch discriminator trained on the photos scikit-image and
scikit-learn ship (astronaut, chelsea and coffee held out), degraded on the fly by ``--task``
(denoise, desharpen, deblur, jpeg, detexture, mixed). It prints PSNR / SSIM of the EMA
generator on the held-out photos next to classical restorers (tools/results_restoration.md).
"""

from tfgan_image import restoration


def get_config() -> restoration.RestorationConfig:
    return restoration.RestorationConfig()
