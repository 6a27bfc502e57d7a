"""Feed-forward style transfer (Johnson et al.) and the Gatys optimisation baseline.

    python -m tfgan_image.experiments.style_transfer [--style_image=PATH] [--workdir=...]
    python -m tfgan_image.experiments.style_transfer --method=optimize

Default style: scikit-image's immunohistochemistry photo; content: the photos scikit-image and
scikit-learn ship (astronaut, chelsea, coffee held out). The run prints the relative content
and style losses of the network's outputs on the held-out photos next to the optimisation
baseline computed in the same run, and seconds per 512x512 image for each; it writes
comparison.png, generator.keras and a SavedModel. Stylise your own images with
``python -m tfgan_image.apply --workdir=RUN INPUT OUTPUT``. Rerunning resumes.
"""

from absl import flags

from tfgan_image import cli, style_transfer
from tfgan_image.experiments import common

common.define_config_flags(style_transfer.StyleTransferConfig)
flags.adopt_module_key_flags(common)   # --help lists every flag of the command


def main(argv):
    common.run_family(argv, style_transfer.StyleTransfer())


if __name__ == "__main__":
    cli.run(main)
