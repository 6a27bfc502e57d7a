"""Unconditional GANs on 28x28 digits (MNIST): one library function behind both MNIST experiments.

``run(config, build_generator, build_discriminator)`` loads the data the config names, builds the
models (the experiment passes the builders of the family it imports), trains them with the
shared GANTrainer, and evaluates the EMA generator with the cached digit classifier:

* ``frechet_distance`` / ``kernel_distance`` between classifier features of generated digits
  and of the held-out real digits (never trained on);
* ``classifier_score`` (max 10) and the fraction of samples in the rarest / commonest class.
"""

import dataclasses
import os
from typing import Callable, Dict, Optional

import keras
import numpy as np

from tfgan_image import metrics, rundir, settings
from tfgan_image.augment import diff_augment_fn
from tfgan_image.data import pipeline, sources
from tfgan_image.features import DigitClassifier, digit_classifier
from tfgan_image.runlog import RunLog, print_paths, save_image_grid
from tfgan_image.settings import setting
from tfgan_image.training import loop, precision
from tfgan_image.training import trainer as trainer_lib
from tfgan_image.training.strategy import make_strategy, worker_config


@dataclasses.dataclass(frozen=True, kw_only=True)
class DigitGANConfig(settings.LatentGANSettings):
    """Everything one MNIST GAN run depends on (one ``setting`` per field but the model's: the
    flags of the MNIST experiments derive from it; the defaults are mnist_dcgan's);
    written to RUN/config.json."""
    model: str                      # which family the experiment imported ("mlp", "dcgan")
    generator_kwargs: dict
    discriminator_kwargs: dict
    workdir: str = setting("runs/mnist_dcgan")
    steps: int = setting(3000, lower=0)
    batch_size: int = setting(128, lower=1)
    data: str = setting("embedded", sources.MNIST_DATA_HELP)
    data_dir: Optional[str] = setting(None)
    eval_every: int = setting(0, lower=0)
    eval_samples: int = setting(5000, "Generated images per evaluation.", lower=2)
    g_learning_rate: float = setting(5e-4, lower=0)
    d_learning_rate: float = setting(5e-4, lower=0)
    sample_every: int = setting(500, lower=0)

    def __post_init__(self):
        settings.check(self)   # the loss name among them
        diff_augment_fn(self.diff_augment)   # ValueError for unknown policies


def digit_evaluator(classifier: DigitClassifier, held_out_features: np.ndarray,
                    latent_dim: int, num_samples: int, seed: int) -> Callable:
    """generator -> {metric: value} against held-out digit features (fixed latents, seeded)."""
    latents = np.random.default_rng(seed + 12345).standard_normal(
        (num_samples, latent_dim)).astype(np.float32)

    def evaluate(generator) -> Dict[str, float]:
        images = loop.generate(generator, latents)
        features, logits = classifier(images)
        fractions = metrics.class_histogram(logits)
        return {"frechet_distance": metrics.frechet_distance(features, held_out_features),
                "kernel_distance": metrics.kernel_distance(features, held_out_features),
                "classifier_score": metrics.classifier_score(logits),
                "class_fraction_min": float(fractions.min()),
                "class_fraction_max": float(fractions.max())}

    return evaluate


def real_data_reference(classifier: DigitClassifier, held_out_features: np.ndarray,
                        train_uint8: np.ndarray, num: int = 1000) -> Dict[str, float]:
    """The same metrics for real training digits vs held-out digits: the floor to compare to."""
    subset = np.random.default_rng(0).permutation(len(train_uint8))[:num]
    features, logits = classifier(pipeline.to_unit_range(train_uint8[subset]))
    return {"frechet_distance": metrics.frechet_distance(features, held_out_features),
            "classifier_score": metrics.classifier_score(logits)}


def run(config: DigitGANConfig, build_generator: Callable[..., keras.Model],
        build_discriminator: Callable[..., keras.Model]) -> Dict:
    """Trains (or resumes) one run and returns {"metrics", "reference", "paths", ...}."""
    keras.utils.set_random_seed(config.seed)
    splits = sources.load_mnist(config.data, config.data_dir)
    strategy = make_strategy(config.strategy, config.batch_size)
    config, resume_from = worker_config(config, strategy)
    rundir.open_run_directory(config.workdir, config)
    runlog = RunLog(config.workdir)
    print(f"Data: {splits.description}", flush=True)
    save_image_grid(pipeline.to_unit_range(splits.train[:64]).numpy(),
                    os.path.join(config.workdir, "samples", "real_data.png"),
                    title=f"real training images ({splits.description})")

    with strategy.scope(), precision.precision_policy(config.precision):
        trainer = trainer_lib.adversarial_trainer(
            config, build_generator(latent_dim=config.latent_dim, **config.generator_kwargs),
            build_discriminator(**config.discriminator_kwargs), strategy,
            latent_dim=config.latent_dim)

    evaluate = None
    reference = {}
    if len(splits.held_out) >= 2:
        classifier = digit_classifier()
        held_out_features, _ = classifier(pipeline.to_unit_range(splits.held_out))
        evaluate = digit_evaluator(classifier, held_out_features, config.latent_dim,
                                   config.eval_samples, config.seed)
        reference = real_data_reference(classifier, held_out_features, splits.train)
    else:
        print("No held-out images: skipping evaluation.", flush=True)

    def dataset_for_step(step):
        return pipeline.training_batches(splits.train, config.batch_size, config.seed + step)

    sample_latents = np.random.default_rng(config.seed).standard_normal(
        (64, config.latent_dim)).astype(np.float32)
    result = loop.fit_run(trainer, dataset_for_step, config, runlog,
                          sample_inputs=sample_latents, evaluate=evaluate,
                          restore_dir=resume_from)
    runlog.close()
    result["reference"] = reference
    result["paths"] = loop.run_paths(config.workdir, result, runlog)
    result["trainer"] = trainer
    return result


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
    print(f"Training speed: {result['images_per_second']:.0f} img/s")
    print_paths(result["paths"])
