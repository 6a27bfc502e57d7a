"""sr_x4_zoo_first: the shipped ``sr_x4`` model's recipe (its first run).

    python -m tfgan_image.train superres --config=sr_x4_zoo_first --data=folder:DATA/sr291

PSNR-oriented: 16 residual blocks of 64 channels (the EDSR-baseline body) on L1, 32 px
low-resolution crops, 12,000 steps of a cosine schedule. ``sr_x4_zoo`` continues it.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/sr_x4.md``.
"""

from tfgan_image import superres


def get_config() -> superres.SuperResolutionConfig:
    return superres.SuperResolutionConfig(
        workdir="runs/sr_x4_first", scale=4, blocks=16, steps=12000, gan_steps=0,
        eval_every=2000, feature_backbone="hed_vgg16")
