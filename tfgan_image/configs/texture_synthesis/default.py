"""default: the texture-synthesis family's defaults (``texture_synthesis.TextureConfig()``).

    python -m tfgan_image.experiments.texture_synthesis
    # = python -m tfgan_image.train texture_synthesis

A spatial GAN (Jetchev et al. 2016) learns one texture from random crops of scikit-image's
brick photo (``--texture=PATH`` for yours) and makes textures of any size. It prints the Gram
distance of its samples to held-out crops next to the floor and simple baselines
(tools/results_style_texture.md).
"""

from tfgan_image import texture_synthesis


def get_config() -> texture_synthesis.TextureConfig:
    return texture_synthesis.TextureConfig()
