"""The MLP GAN of Goodfellow et al. (2014) on MNIST digits.

    python -m tfgan_image.experiments.mnist_gan [--loss=minimax] [--workdir=runs/mnist_gan]

Generator and discriminator have two 1024-unit leaky-ReLU layers (784 outputs, tanh). The
default loss is the paper's minimax objective; ``--loss`` selects non_saturating (the paper's
practical variant), least_squares, wasserstein (use with --gradient_penalty_weight=10
--update=alternating --n_critic=5) or hinge. Default data: the embedded MNIST digits (offline).
On a 2-core CPU the default run takes a few minutes and ends by printing Frechet distance,
KID and classifier score of the EMA generator on held-out digits (figures in
tools/RESULTS.md). Rerunning the same command resumes from the last checkpoint.

This command is ``python -m tfgan_image.train mnist --config=mnist_gan``
(the named config ``tfgan_image/configs/mnist/mnist_gan.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("mnist", "mnist_gan")
