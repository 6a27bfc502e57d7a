"""desharpen_zoo: the shipped ``desharpen`` model's recipe.

    python -m tfgan_image.train restoration --config=desharpen_zoo --data=folder:DATA/sr291

The U-Net on L1 alone, 96 px crops, removing over-sharpening halos, ringing and the noise
sharpening amplified; 16,000 steps.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/desharpen.md``.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(workdir="runs/desharpen", task="desharpen")
