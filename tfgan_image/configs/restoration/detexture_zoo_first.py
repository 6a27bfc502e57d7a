"""detexture_zoo_first: the shipped ``detexture`` model's recipe (its first run).

    python -m tfgan_image.train restoration --config=detexture_zoo_first \\
        --data=folder:DATA/sr291

The U-Net on L1 alone, 96 px crops, removing soft halftone dot screens (pitch 3-8 px),
moire, scanner stripes and paper grain; 10,000 steps. ``detexture_zoo`` continues from it.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/detexture.md``.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(workdir="runs/detexture_first", task="detexture",
                                          steps=10000)
