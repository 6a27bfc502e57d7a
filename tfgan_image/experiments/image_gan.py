"""A GAN on your own images: colour or greyscale, 28 to 128 px and more, optionally
class-conditional.

    python -m tfgan_image.experiments.image_gan --data=folder:PATH [--image_size=64]
        [--conditional] [--workdir=runs/image_gan]

The folder is streamed (any number of images; square centre crops resized on the fly), 10% of
its files held out for evaluation; one subfolder per class gives labels for
``--conditional``. ``--data=tfds:NAME`` reads a TensorFlow Datasets image set. The default
data are the embedded MNIST digits (offline), resized to ``--image_size``. The networks are
DCGAN-family, their depth following the image size (``tfgan_image.models.image_gan``); the
run ends by printing FD / KID against held-out images (and the same figures for real
training images, the floor), plus per-class accuracy for conditional runs. Sample with
``python -m tfgan_image.sample --workdir=RUN [--label=K] --output=grid.png``.
Rerunning resumes.

This command is ``python -m tfgan_image.train image_gan``
(the named config ``tfgan_image/configs/image_gan/default.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("image_gan", "default")
