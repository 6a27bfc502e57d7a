"""Texture synthesis with a spatial GAN trained on one texture image.

    python -m tfgan_image.experiments.texture_synthesis [--texture=PATH] [--workdir=...]

Default texture: scikit-image's grass photo. The run prints the Gram-matrix distance of
generated textures to the source next to two references (random crops of the source: the
floor; a shuffled-patch baseline), and writes samples at 2x and 4x the source size,
generator.keras and a SavedModel. Make textures of any size later with
``python -m tfgan_image.sample --workdir=RUN --size=HxW --output=FILE.png``. Rerunning resumes.

This command is ``python -m tfgan_image.train texture_synthesis``
(the named config ``tfgan_image/configs/texture_synthesis/default.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("texture_synthesis", "default")
