"""mnist_conditional_zoo: the shipped ``mnist_conditional`` model's recipe.

    python -m tfgan_image.train image_gan --config=mnist_conditional_zoo

``mnist_conditional`` with a validation evaluation every 500 steps (the curve in its card,
``tfgan_image/pretrained/mnist_conditional.md``).
"""

from tfgan_image.configs.image_gan import mnist_conditional


def get_config():
    return mnist_conditional.get_config().replace(workdir="runs/mnist_conditional_zoo",
                                                  eval_every=500)
