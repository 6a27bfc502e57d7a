"""unet_l1: the PSNR-oriented restorer every shipped restoration model starts from.

    python -m tfgan_image.train restoration --config=unet_l1 --task=desharpen --data=folder:PATH

The U-Net on L1 alone (the adversarial term cost PSNR in tools/results_restoration.md), 96 px
crops (its 16x-downsampled bottleneck then sees 6x6 cells), a validation evaluation every
2,000 steps without the classical restorers (BM3D takes minutes per photo), 16,000 steps.
The ``*_zoo`` configs are this with their task, steps and noise settings.
"""

from tfgan_image import restoration


def get_config() -> restoration.RestorationConfig:
    return restoration.RestorationConfig(adversarial_weight=0.0, crop_size=96, steps=16000,
                                         eval_every=2000, references=False)
