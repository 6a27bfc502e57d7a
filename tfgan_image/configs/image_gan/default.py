"""default: the image GAN family's defaults (``image_gan.ImageGANConfig()``).

    python -m tfgan_image.experiments.image_gan     # = python -m tfgan_image.train image_gan

The embedded MNIST digits resized to 32x32, an unconditional DCGAN-family G and D whose depth
follows the image size, non-saturating loss, DiffAugment (color, translation, cutout), EMA,
5,000 steps. Point it at your own images with ``--data=folder:PATH`` (one subfolder per class
and ``--conditional`` for a class-conditional GAN); it ends with FD / KID against held-out
images next to the real-data floor.
"""

from tfgan_image import image_gan


def get_config() -> image_gan.ImageGANConfig:
    return image_gan.ImageGANConfig()
