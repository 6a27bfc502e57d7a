"""The MLP GAN of Goodfellow et al. (2014) for 28x28 greyscale digits.

Generator: z [N, latent_dim] -> Dense(1024) -> LeakyReLU -> Dense(1024) -> LeakyReLU
-> Dense(784, tanh) -> images [N, 28, 28, 1] in [-1, 1].
Discriminator: images [N, 28, 28, 1] -> Flatten -> Dense(1024) -> LeakyReLU -> Dropout
-> Dense(1024) -> LeakyReLU -> Dropout -> Dense(1) -> logits [N, 1].
Outputs are float32 under any mixed-precision policy.
"""

import keras
from keras import layers

from tfgan_image.models.infogan import code_input, logit_and_code


def build_generator(latent_dim: int = 100, units: int = 1024, image_shape=(28, 28, 1),
                    negative_slope: float = 0.2, categories: int = 0) -> keras.Model:
    """z [N, latent_dim] -> images [N, *image_shape] in [-1, 1]. ``categories``: InfoGAN's
    categorical code read from z (``models.infogan``)."""
    z = keras.Input((latent_dim,), name="z")
    x = code_input(z, categories)
    for i in range(2):
        x = layers.Dense(units, name=f"dense{i + 1}")(x)
        x = layers.LeakyReLU(negative_slope)(x)
    pixels = image_shape[0] * image_shape[1] * image_shape[2]
    x = layers.Dense(pixels, name="to_pixels")(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    images = layers.Reshape(image_shape, dtype="float32")(x)
    return keras.Model(z, images, name="mlp_generator")


def build_discriminator(units: int = 1024, image_shape=(28, 28, 1), dropout: float = 0.3,
                        negative_slope: float = 0.2, categories: int = 0,
                        continuous: int = 0) -> keras.Model:
    """images [N, *image_shape] -> logits [N, 1] (float32); with ``categories`` /
    ``continuous``, [N, 1 + categories + continuous]: InfoGAN's Q head after the realness
    logit."""
    images = keras.Input(image_shape, name="images")
    x = layers.Flatten()(images)
    for i in range(2):
        x = layers.Dense(units, name=f"dense{i + 1}")(x)
        x = layers.LeakyReLU(negative_slope)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    return keras.Model(images, logit_and_code(x, categories, continuous), name="mlp_discriminator")
