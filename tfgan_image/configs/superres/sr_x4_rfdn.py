"""sr_x4_rfdn: x4 super-resolution by RFDN (residual feature distillation blocks), trained
from scratch for several CPU-hours.

    python -m tfgan_image.train superres --config=sr_x4_rfdn \\
        --data=folder:DATA/sr291,DATA/bsds500_test

PSNR-oriented: RFDN with 4 blocks of 48 channels (0.40M parameters, a train step about half
the time of ``sr_x4``'s 16 residual blocks of 64 channels) on L1, 40 px low-resolution crops,
batch 16, 30,000 steps of a cosine schedule from 5e-4, validated every 2,000 steps; training
patches overlap by half, so each photo is used to its edges.
DATA is a folder holding the training photos; T91 + BSD200 + the BSDS500 test photos (490
photos) are research-use data, so a model trained on them is for research use; any folder of
photos works.
"""

from tfgan_image import superres


def get_config() -> superres.SuperResolutionConfig:
    return superres.SuperResolutionConfig(
        workdir="runs/sr_x4_rfdn", scale=4, architecture="rfdn", width=48, blocks=4,
        crop_size=40, overlapping_patches=True, batch_size=16, learning_rate=5e-4,
        steps=30000, gan_steps=0, eval_every=2000, feature_backbone="hed_vgg16")
