"""denoise_zoo_first: the shipped ``denoise`` model's recipe (its first run).

    python -m tfgan_image.train restoration --config=denoise_zoo_first --data=folder:DATA/sr291

A blind denoiser: the U-Net on L1 alone, 96 px crops, Gaussian and Poisson-Gaussian noise
of sigma 0-50 clipped to 8 bits, 16,000 steps. ``denoise_zoo`` continues from it.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/denoise.md``.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(workdir="runs/denoise_first", task="denoise",
                                          sigma=(0.0, 50.0))
