"""A sixth family from outside the package, as a user would add one: this module (its config,
its family with data, networks and evaluator) and its named configs in ``configs/``. The
decorator registers it; ``python -m tfgan_image.train toy --config=tiny`` (after importing
this module) trains it and ``resume`` finds it again through config.json."""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from tfgan_image import experiment, settings
from tfgan_image.settings import setting
from tfgan_image.training import trainer as trainer_lib


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToyConfig(settings.LatentGANSettings):
    workdir: str = setting("runs/toy")
    steps: int = setting(2, lower=0)
    batch_size: int = setting(8, lower=1)
    sample_every: int = setting(0, lower=0)
    eval_every: int = setting(0, lower=0)
    latent_dim: int = setting(4, lower=1)
    brightness: float = setting(0.5, "Pixel value of the toy images.", lower=-1, upper=1)


@experiment.register
class Toy(experiment.Family):
    """Flat 4x4 images of one brightness; the evaluator scores the generated mean's error."""
    name = "toy"
    config_class = ToyConfig
    configs_package = "toy_family.configs"

    def load_data(self, config):
        return np.full((64, 4, 4, 1), config.brightness, np.float32)

    def stages(self, run):
        config = run.config

        def build():
            z = keras.Input((config.latent_dim,))
            generator = keras.Model(z, keras.layers.Reshape((4, 4, 1))(
                keras.layers.Dense(16, activation="tanh")(z)))
            x = keras.Input((4, 4, 1))
            discriminator = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
            return trainer_lib.adversarial_trainer(config, generator, discriminator,
                                                   run.strategy, latent_dim=config.latent_dim)

        def data(step):
            return tf.data.Dataset.from_tensor_slices(run.data).repeat().batch(
                config.batch_size, drop_remainder=True)

        def evaluate(generator):
            images = generator(np.zeros((4, config.latent_dim), np.float32))
            return {"mean_error": float(abs(np.mean(images) - config.brightness))}

        return [experiment.Stage(build, data, evaluate=evaluate)]
