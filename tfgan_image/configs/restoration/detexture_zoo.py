"""detexture_zoo: the shipped ``detexture`` model's recipe.

    python -m tfgan_image.train restoration --config=detexture_zoo --data=folder:DATA/sr291

The U-Net on L1 alone, 96 px crops, removing halftone dot screens, moire, scanner stripes
and paper grain; 10,000 steps.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/detexture.md``.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(workdir="runs/detexture", task="detexture",
                                          steps=10000)
