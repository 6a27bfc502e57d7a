"""mnist_gan: the MLP GAN of Goodfellow et al. (2014) on the embedded digits.

    python -m tfgan_image.experiments.mnist_gan
    # = python -m tfgan_image.train mnist --config=mnist_gan

Two 1024-unit leaky-ReLU layers in G and D (dropout 0.3 in D), the paper's minimax loss, Adam
2e-4 / beta_1 0.5, batch 64, 3,000 steps: a few minutes on 2 CPU cores. Other losses:
``--loss=non_saturating``, ``least_squares``, ``hinge``, or ``wasserstein`` with
``--gradient_penalty_weight=10 --update=alternating --n_critic=5``. Measured in
tools/results_mnist.md.
"""

from tfgan_image.configs.mnist import mnist_dcgan


def get_config():
    return mnist_dcgan.get_config().replace(
        workdir="runs/mnist_gan", model="mlp", units=1024, dropout=0.3, batch_size=64,
        loss="minimax", g_learning_rate=2e-4, d_learning_rate=2e-4, latent_code=0, steps=3000)
