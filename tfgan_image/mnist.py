"""Unconditional GANs on 28x28 digits (MNIST): the family behind mnist_gan and mnist_dcgan.

``run(config)`` loads the digits the config names, builds its ``model`` (the MLP GAN of
``models.mlp`` or the DCGAN of ``models.dcgan``), trains it with the shared GANTrainer, and
evaluates the EMA generator with the package's digit classifier:

* ``frechet_distance`` / ``kernel_distance`` between classifier features of generated digits
  and of the held-out real digits (never trained on);
* ``classifier_score`` (max 10) and the fraction of samples in the rarest / commonest class.
"""

import dataclasses
import textwrap
from typing import Dict, Optional, Tuple

import numpy as np

from tfgan_image import experiment, settings
from tfgan_image.augment import diff_augment_fn
from tfgan_image.data import pipeline, sources
from tfgan_image.evaluation.digits import (
    describe_codes,
    digit_evaluator,
    digits_by_code,
    real_data_reference,
)
from tfgan_image.features import digit_classifier
from tfgan_image.models import dcgan, mlp
from tfgan_image.runlog import print_paths, save_image_grid
from tfgan_image.settings import setting
from tfgan_image.training import trainer as trainer_lib

MODELS = {"mlp": mlp, "dcgan": dcgan}   # config.model -> the module with its two builders


@dataclasses.dataclass(frozen=True, kw_only=True)
class MnistConfig(settings.LatentGANSettings):
    """Everything one MNIST GAN run depends on (one ``setting`` per field: the flags of
    ``python -m tfgan_image.train mnist`` derive from it); written to RUN/config.json. The
    defaults are the named config ``mnist_dcgan``'s: a right-sized DCGAN (half the TensorFlow
    tutorial's generator widths, a quarter of its discriminator's, no dropout) with InfoGAN's
    10-way categorical code. ``mnist_gan`` (``tfgan_image.configs.mnist``) is the paper's MLP
    GAN."""
    model: str = setting("dcgan", "The networks: mlp (models.mlp: two layers of --units) or "
                         "dcgan (models.dcgan: --generator_widths, --discriminator_widths, "
                         "--kernel_size).", choices=tuple(MODELS))
    generator_widths: Tuple[int, ...] = setting(
        (128, 64, 32), "DCGAN: channels of the 7x7 map and of each Conv2DTranspose block "
        "(tutorial: 256,128,64).", lower=1)
    discriminator_widths: Tuple[int, ...] = setting(
        (32, 64), "DCGAN: channels of each stride-2 conv (tutorial: 64,128).", lower=1)
    kernel_size: int = setting(5, "DCGAN: kernel size of every conv layer.", lower=1)
    units: int = setting(1024, "MLP: units of each hidden layer (G and D).", lower=1)
    dropout: float = setting(0.0, "Dropout after each discriminator layer (tutorial and "
                             "paper: 0.3).", lower=0, upper=0.9)
    latent_code: int = setting(
        10, "InfoGAN's categorical code of this many categories, read from z's first entries, "
        "with a Q head on D (0: off; 10 for digits: each code becomes one digit, evenly "
        "drawn).", lower=0)
    continuous_codes: int = setting(
        0, "InfoGAN's continuous codes: that many of z's entries after the categorical code, "
        "each read back by D's Q head, so each becomes one continuous factor of the images "
        "(in InfoGAN's paper, 2 took the digits' slant and stroke width).", lower=0)
    code_weight: float = setting(1.0, "Weight of InfoGAN's code loss (G and D's Q head).",
                                 lower=0, resumable=True)
    workdir: str = setting("runs/mnist_dcgan")
    steps: int = setting(6000, lower=0)
    batch_size: int = setting(128, lower=1)
    data: str = setting("embedded", sources.MNIST_DATA_HELP)
    data_dir: Optional[str] = setting(None, resumable=True)
    eval_every: int = setting(0, lower=0)
    eval_samples: int = setting(5000, "Generated images per evaluation.", lower=2, resumable=True)
    g_learning_rate: float = setting(5e-4, lower=0, resumable=True)
    d_learning_rate: float = setting(5e-4, lower=0, resumable=True)
    sample_every: int = setting(500, lower=0)

    def __post_init__(self):
        settings.check(self)   # the loss name among them
        diff_augment_fn(self.diff_augment)   # ValueError for unknown policies
        if self.latent_code + self.continuous_codes > self.latent_dim:
            raise ValueError(f"latent_code + continuous_codes must be at most latent_dim="
                             f"{self.latent_dim}, got {self.latent_code} + "
                             f"{self.continuous_codes}")


def build_networks(config: MnistConfig):
    """(generator, discriminator) of ``config``'s ``model``, with its network settings."""
    if config.model == "mlp":
        return (mlp.build_generator(latent_dim=config.latent_dim, units=config.units,
                                    categories=config.latent_code),
                mlp.build_discriminator(units=config.units, dropout=config.dropout,
                                        categories=config.latent_code,
                                        continuous=config.continuous_codes))
    return (dcgan.build_generator(latent_dim=config.latent_dim, widths=config.generator_widths,
                                  kernel_size=config.kernel_size,
                                  categories=config.latent_code),
            dcgan.build_discriminator(widths=config.discriminator_widths,
                                      kernel_size=config.kernel_size, dropout=config.dropout,
                                      categories=config.latent_code,
                                      continuous=config.continuous_codes))


def print_summary(result: Dict) -> None:
    """The end-of-run report: evaluation figures, the real-data floor, and what was written."""
    if result["metrics"]:
        print("\nEvaluation of the EMA generator (digit-classifier features, held-out digits):")
        for name, value in result["metrics"].items():
            print(f"  {name:20s} {value:.4f}")
    if result["reference"]:
        print("Real training digits vs held-out, for reference:")
        for name, value in result["reference"].items():
            print(f"  {name:20s} {value:.4f}")
    if result.get("digits_by_code"):
        print("Digits each InfoGAN code draws (the evaluation's classifier):")
        print(textwrap.indent(describe_codes(np.array(result["digits_by_code"])), "  "))
    print(f"Training speed: {result['images_per_second']:.0f} img/s")
    print_paths(result["paths"])


@experiment.register
class MnistGAN(experiment.Family):
    """Loads the digits the config names, trains the config's ``model`` (``models.mlp`` or
    ``models.dcgan``) and evaluates the EMA generator against the held-out digits."""
    name = "mnist"
    config_class = MnistConfig
    default_config = "mnist_dcgan"

    def load_data(self, config: MnistConfig):
        return sources.load_mnist(config.data, config.data_dir)

    def stages(self, run: experiment.Run) -> list:
        config, splits = run.config, run.data
        print(f"Data: {splits.description}", flush=True)
        save_image_grid(pipeline.to_unit_range(splits.train[:64]).numpy(),
                        run.path("samples", "real_data.png"),
                        title=f"real training images ({splits.description})")
        self.evaluate, self.reference, self.classifier = None, {}, None
        if len(splits.held_out) >= 2:
            classifier = self.classifier = digit_classifier()
            held_out_features, _ = classifier(pipeline.to_unit_range(splits.held_out))
            self.evaluate = digit_evaluator(classifier, held_out_features, config.latent_dim,
                                            config.eval_samples, config.seed)
            self.reference = real_data_reference(classifier, held_out_features, splits.train)
        else:
            print("No held-out images: skipping evaluation.", flush=True)

        def build_trainer():
            return trainer_lib.adversarial_trainer(
                config, *build_networks(config), run.strategy, latent_dim=config.latent_dim,
                latent_code=config.latent_code, continuous_codes=config.continuous_codes,
                code_weight=config.code_weight)

        def dataset_for_step(step):
            return pipeline.training_batches(splits.train, config.batch_size,
                                             config.seed + step)

        sample_latents = np.random.default_rng(config.seed).standard_normal(
            (64, config.latent_dim)).astype(np.float32)
        return [experiment.Stage(build_trainer, dataset_for_step, sample_latents,
                                 self.evaluate)]

    def finish(self, run: experiment.Run, results: list) -> Dict:
        result = {**super().finish(run, results), "reference": self.reference}
        if run.config.latent_code and self.classifier is not None:
            result["digits_by_code"] = digits_by_code(
                results[-1]["trainer"].sampling_generator, self.classifier,
                run.config.latent_dim, run.config.latent_code, run.config.eval_samples,
                run.config.seed).tolist()
        return result

    report = staticmethod(print_summary)


def run(config: MnistConfig) -> Dict:
    """Trains (or resumes) one run; returns {"metrics", "reference", "paths", "trainer", ...}
    (also in RUN/summary.json)."""
    return experiment.run(MnistGAN(), config)
