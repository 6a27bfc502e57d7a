"""Texture synthesis with a spatial GAN trained on one texture image.

    python -m tfgan_image.experiments.texture_gan [--texture=PATH] [--workdir=...]

Default texture: scikit-image's grass photo. The run prints the Gram-matrix distance of
generated textures to the source next to two references (random crops of the source: the
floor; a shuffled-patch baseline), and writes samples at 2x and 4x the source size,
generator.keras and a SavedModel. Make textures of any size later with
``python -m tfgan_image.sample --workdir=RUN --size=HxW --output=FILE.png``. Rerunning resumes.
"""

from absl import app, flags

from tfgan_image import cli, texture_synthesis
from tfgan_image.experiments import common

FLAGS = flags.FLAGS
common.define_config_flags(texture_synthesis.TextureConfig)
flags.adopt_module_key_flags(common)   # --help lists every flag of the command


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    config = common.config_from_flags(texture_synthesis.TextureConfig)
    texture_synthesis.print_summary(texture_synthesis.run(config))


if __name__ == "__main__":
    cli.run(main)
