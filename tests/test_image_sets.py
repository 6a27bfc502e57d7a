"""data/image_sets: class folders, tfds streams, resizing and channels."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import random_pixels
from PIL import Image

from tfgan_image.data import image_sets, sources


def test_folder_classes_channels_and_split(class_folder):
    images = image_sets.image_set(f"folder:{class_folder}", 16)
    assert images.class_names == ["cat", "dog"] and images.channels == 3
    assert images.num_train == 27   # 10% of 30 files held out
    batch, labels = next(iter(image_sets.training_stream(images, 8, seed=0, flip=True)))
    assert batch.shape == (8, 16, 16, 3) and batch.dtype == tf.float32
    assert -1.0 <= float(tf.reduce_min(batch)) and float(tf.reduce_max(batch)) <= 1.0
    assert set(np.asarray(labels)) <= {0, 1}
    # The corrupt file is skipped (with a warning), never fatal; every readable one is used.
    loaded, loaded_labels = image_sets.load(images, "train", 100)
    held_out, _ = image_sets.load(images, "held_out", 100)
    assert len(loaded) + len(held_out) == 29
    assert loaded.shape[1:] == (16, 16, 3) and set(loaded_labels) == {0, 1}


def test_folder_without_subfolders_is_unlabelled_and_greyscale_detected(tmp_path):
    for i in range(3):
        Image.fromarray(random_pixels((20, 20), seed=i)).save(tmp_path / f"{i}.png")
    images = image_sets.image_set(f"folder:{tmp_path}", 28)
    assert images.class_names is None and images.num_classes == 0 and images.channels == 1
    batch, labels = next(iter(image_sets.training_stream(images, 2, seed=0, flip=False)))
    assert batch.shape == (2, 28, 28, 1) and set(np.asarray(labels)) == {0}
    with pytest.raises(sources.DataError, match="larger than the data set"):
        image_sets.training_stream(images, 4, seed=0, flip=False)


def test_square_resize_takes_the_centre():
    image = np.zeros((10, 30, 1), np.uint8)
    image[:, 10:20] = 255
    out = np.asarray(image_sets.square_resize(tf.constant(image), 10))
    assert out.shape == (10, 10, 1) and np.all(out == 1.0)


def test_tfds_source_streams_with_labels(monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(sources, "network_available", lambda *a, **k: True)
    with tfds.testing.mock_data(num_examples=40):
        images = image_sets.image_set("tfds:cifar10", 32, data_dir=str(tmp_path))
        assert images.num_classes == 10 and images.channels == 3
        batch, labels = next(iter(image_sets.training_stream(images, 16, seed=0, flip=True)))
        held_out, _ = image_sets.load(images, "held_out", 8)
    assert batch.shape == (16, 32, 32, 3) and np.asarray(labels).max() < 10
    assert held_out.shape == (8, 32, 32, 3)


def test_channels_are_converted_on_request(class_folder):
    grey = image_sets.image_set(f"folder:{class_folder}", 16, channels=1)
    digits_in_colour = image_sets.image_set("embedded", 32, channels=3)
    assert grey.channels == 1 and digits_in_colour.channels == 3
    batch, _ = next(iter(image_sets.training_stream(grey, 4, seed=0, flip=False)))
    assert batch.shape == (4, 16, 16, 1)
    batch, _ = next(iter(image_sets.training_stream(digits_in_colour, 4, seed=0, flip=False)))
    assert batch.shape == (4, 32, 32, 3)
    np.testing.assert_allclose(batch[..., 0], batch[..., 2])   # grey made RGB
