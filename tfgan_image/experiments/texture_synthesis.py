"""Texture synthesis with a spatial GAN trained on one texture image.

    python -m tfgan_image.experiments.texture_synthesis [--texture=PATH] [--workdir=...]

Default texture: scikit-image's grass photo. The run prints the Gram-matrix distance of
generated textures to the source next to two references (random crops of the source: the
floor; a shuffled-patch baseline), and writes samples at 2x and 4x the source size,
generator.keras and a SavedModel. Make textures of any size later with
``python -m tfgan_image.sample --workdir=RUN --size=HxW --output=FILE.png``. Rerunning resumes.
"""

from absl import flags

from tfgan_image import cli, texture_synthesis
from tfgan_image.experiments import common

FLAGS = flags.FLAGS
common.define_config_flags(texture_synthesis.TextureConfig)
flags.adopt_module_key_flags(common)   # --help lists every flag of the command


def main(argv):
    common.run_family(argv, texture_synthesis.TextureSynthesis())


if __name__ == "__main__":
    cli.run(main)
