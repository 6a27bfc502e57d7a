"""The MLP GAN of Goodfellow et al. (2014) on MNIST digits.

    python -m tfgan_image.experiments.mnist_gan [--loss=minimax] [--workdir=runs/mnist_gan]

Generator and discriminator have two 1024-unit leaky-ReLU layers (784 outputs, tanh). The
default loss is the paper's minimax objective; ``--loss`` selects non_saturating (the paper's
practical variant), least_squares, wasserstein (use with --gradient_penalty_weight=10
--update=alternating --n_critic=5) or hinge. Default data: the embedded MNIST digits (offline).
On a 2-core CPU the default run takes a few minutes and ends by printing Frechet distance,
KID and classifier score of the EMA generator on held-out digits (figures in
experiments/RESULTS.md). Rerunning the same command resumes from the last checkpoint.
"""

from absl import flags

from tfgan_image import cli, mnist
from tfgan_image.experiments import common

FLAGS = flags.FLAGS
common.define_config_flags(mnist.MnistConfig, workdir="runs/mnist_gan", batch_size=64,
                           loss="minimax", g_learning_rate=2e-4, d_learning_rate=2e-4)
flags.DEFINE_integer("units", 1024, "Units of each hidden layer (G and D).", lower_bound=1)
flags.DEFINE_float("dropout", 0.3, "Dropout after each discriminator layer.", lower_bound=0,
                   upper_bound=0.9)
flags.adopt_module_key_flags(common)   # --help lists every flag of the command


def main(argv):
    common.run_family(argv, mnist.MnistGAN(), model="mlp",
                      generator_kwargs=dict(units=FLAGS.units),
                      discriminator_kwargs=dict(units=FLAGS.units, dropout=FLAGS.dropout))


if __name__ == "__main__":
    cli.run(main)
