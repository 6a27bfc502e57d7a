"""SRGAN-lite super-resolution (x2, x3, x4) in two stages.

    python -m tfgan_image.experiments.superres --scale=4 [--workdir=runs/superres_x4]

Stage 1 trains an SRResNet-lite with L1 (PSNR-oriented; RUN/stage1), stage 2 fine-tunes it
with pixel + perceptual (VGG features) + adversarial losses (RUN/stage2). Default data: the
photos scikit-image and scikit-learn ship (offline), with astronaut, chelsea and coffee held
out; low-resolution inputs are antialiased bicubic downscales. The run prints Y-PSNR / Y-SSIM
(border of ``scale`` pixels shaved, as papers report) and a VGG feature distance for bicubic
and both stages, and writes comparison.png and each stage's generator.keras, SavedModel and
generator.tflite. Upscale your own images with
``python -m tfgan_image.apply --workdir=RUN [--stage=1|2] INPUT OUTPUT``. Rerunning resumes.
"""

from absl import flags

from tfgan_image import cli, superres
from tfgan_image.experiments import common

common.define_config_flags(superres.SuperResolutionConfig)
flags.adopt_module_key_flags(common)   # --help lists every flag of the command


def main(argv):
    common.run_family(argv, superres.SuperResolution())


if __name__ == "__main__":
    cli.run(main)
