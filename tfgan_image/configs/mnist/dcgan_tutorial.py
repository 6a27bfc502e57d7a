"""dcgan_tutorial: the TensorFlow DCGAN tutorial's networks and settings on the digits.

    python -m tfgan_image.train mnist --config=dcgan_tutorial

Generator widths 256,128,64, discriminator 64,128 with dropout 0.3, batch 256, Adam 1e-4 /
beta_1 0.9, float32, no DiffAugment, no EMA and no InfoGAN code, 400 steps (about the wall time of
``mnist_dcgan``'s 3,000): the reference point of tools/results_mnist.md, where it is far
behind ``mnist_dcgan`` at equal time.
"""

from tfgan_image.configs.mnist import mnist_dcgan


def get_config():
    return mnist_dcgan.get_config().replace(
        workdir="runs/dcgan_tutorial", generator_widths=(256, 128, 64),
        discriminator_widths=(64, 128), dropout=0.3, batch_size=256, precision="float32",
        g_learning_rate=1e-4, d_learning_rate=1e-4, beta_1=0.9, diff_augment="",
        ema_decay=0.0, latent_code=0, steps=400)
