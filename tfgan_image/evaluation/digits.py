"""Digit GAN evaluation: Frechet and kernel distances between the digit classifier's
features of generated digits and of held-out real digits, the classifier score, and how
evenly the classes come out; the same figures for real training digits are the floor.
Training runs (``mnist``), the image GAN on digits and the ``mnist_dcgan`` card call it."""

import dataclasses
from typing import Callable, Dict

import numpy as np

from tfgan_image import metrics
from tfgan_image.data import pipeline
from tfgan_image.evaluation.base import generate
from tfgan_image.features import DigitClassifier, digit_classifier


def evaluation_latents(latent_dim: int, num_samples: int, seed: int) -> np.ndarray:
    """The fixed latents [num_samples, latent_dim] (float32) ``digit_evaluator`` scores."""
    return np.random.default_rng(seed + 12345).standard_normal(
        (num_samples, latent_dim)).astype(np.float32)


def digit_evaluator(classifier: DigitClassifier, held_out_features: np.ndarray,
                    latent_dim: int, num_samples: int, seed: int) -> Callable:
    """generator -> {metric: value} against held-out digit features (fixed latents, seeded)."""
    latents = evaluation_latents(latent_dim, num_samples, seed)

    def evaluate(generator) -> Dict[str, float]:
        return digit_scores(*classifier(generate(generator, latents)), held_out_features)

    return evaluate


def digits_by_code(generator, classifier: DigitClassifier, latent_dim: int, categories: int,
                   num_samples: int = 5000, seed: int = 0) -> np.ndarray:
    """Which digits each code of an InfoGAN generator draws: [categories, 10], row c the
    fractions of code c's samples (of ``num_samples`` evaluation latents) that ``classifier``
    puts in each class. Two codes drawing one digit, or a digit split over codes, is what
    makes the class fractions uneven."""
    latents = evaluation_latents(latent_dim, num_samples, seed)
    _, logits = classifier(generate(generator, latents))
    codes = np.argmax(latents[:, :categories], 1)
    return np.stack([metrics.class_histogram(logits[codes == code])
                     for code in range(categories)])


def describe_codes(table: np.ndarray, shown_from: float = 0.1) -> str:
    """One line per code of a ``digits_by_code`` table: its digits from ``shown_from`` of its
    samples up, most common first, e.g. "code 3: 1 (90%), 7 (10%)"."""
    lines = []
    for code, row in enumerate(table):
        digits = [d for d in np.argsort(-row) if row[d] >= shown_from] or [int(np.argmax(row))]
        lines.append(f"code {code}: " + ", ".join(f"{d} ({row[d]:.0%})" for d in digits))
    return "\n".join(lines)


def digit_scores(features: np.ndarray, logits: np.ndarray, held_out_features: np.ndarray
                 ) -> Dict[str, float]:
    """Frechet and kernel distances of a classifier's ``features`` [N, D] of digits to its
    features of the held-out digits, its classifier score and the smallest and largest class
    fractions of its ``logits`` [N, 10]."""
    fractions = metrics.class_histogram(logits)
    return {"frechet_distance": metrics.frechet_distance(features, held_out_features),
            "kernel_distance": metrics.kernel_distance(features, held_out_features),
            "classifier_score": metrics.classifier_score(logits),
            "class_fraction_min": float(fractions.min()),
            "class_fraction_max": float(fractions.max())}


def second_judge_scores(images: np.ndarray, judge: DigitClassifier,
                        judge_held_out_features: np.ndarray,
                        first_judge_logits: np.ndarray) -> Dict[str, float]:
    """Images [N, 28, 28, 1] in [-1, 1] scored by a second ``judge`` (``digit_scores`` against
    its features of the held-out digits, ``judge_held_out_features``), and how often its class
    differs from the first judge's (``first_judge_logits`` [N, 10]): "judges_disagree", a
    fraction."""
    features, logits = judge(images)
    return {**digit_scores(features, logits, judge_held_out_features),
            "judges_disagree": float(np.mean(np.argmax(logits, 1)
                                             != np.argmax(first_judge_logits, 1)))}


def real_digit_subset(train_uint8: np.ndarray, num: int = 1000) -> np.ndarray:
    """``num`` training digits drawn at random (seed 0; the stored order is sorted by class),
    float32 [num, 28, 28, 1] in [-1, 1]: the real digits of the floor rows."""
    subset = np.random.default_rng(0).permutation(len(train_uint8))[:num]
    return np.asarray(pipeline.to_unit_range(train_uint8[subset]))


def real_data_reference(classifier: DigitClassifier, held_out_features: np.ndarray,
                        train_uint8: np.ndarray, num: int = 1000) -> Dict[str, float]:
    """The same metrics for real training digits vs held-out digits: the floor to compare to."""
    features, logits = classifier(real_digit_subset(train_uint8, num))
    return {"frechet_distance": metrics.frechet_distance(features, held_out_features),
            "kernel_distance": metrics.kernel_distance(features, held_out_features),
            "classifier_score": metrics.classifier_score(logits)}


def generator_samples(generator, num_samples: int = 5000, seed: int = 0) -> np.ndarray:
    """``num_samples`` digits of ``generator`` from the fixed evaluation latents (seeded):
    float32 [num_samples, 28, 28, 1] in [-1, 1]. The samples the cards and results score."""
    return generate(generator, evaluation_latents(generator.inputs[0].shape[-1], num_samples,
                                                  seed))


@dataclasses.dataclass(frozen=True)
class BothJudges:
    """The evaluation's digit classifier and the second judge, each with its features of the
    held-out digits (computed once, however many image sets are scored)."""
    first: DigitClassifier
    second: DigitClassifier
    first_held_out_features: np.ndarray
    second_held_out_features: np.ndarray

    @classmethod
    def load(cls, held_out_uint8: np.ndarray) -> "BothJudges":
        """The cached judges and their features of ``held_out_uint8`` [N, 28, 28, 1]."""
        held_out = pipeline.to_unit_range(held_out_uint8)
        first, second = digit_classifier(), digit_classifier(judge="residual")
        return cls(first, second, first(held_out)[0], second(held_out)[0])

    def score(self, images: np.ndarray) -> Dict[str, Dict[str, float]]:
        """Images [N, 28, 28, 1] in [-1, 1] -> {"first": digit_scores by the evaluation's
        classifier, "second": second_judge_scores (with "judges_disagree")}."""
        features, logits = self.first(images)
        return {"first": digit_scores(features, logits, self.first_held_out_features),
                "second": second_judge_scores(images, self.second,
                                              self.second_held_out_features, logits)}
