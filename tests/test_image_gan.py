"""The image GAN family: networks whose depth follows the size, streamed labelled image sets
(folders, tfds), conditional training, evaluation and sampling by class."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from conftest import random_pixels, run_module
from PIL import Image

from tfgan_image import image_gan, sample
from tfgan_image.data import image_sets, sources
from tfgan_image.evaluation import image_gan as image_gan_evaluation
from tfgan_image.models import image_gan as models


# ----------------------------------------------------------------------------- networks
@pytest.mark.parametrize("size, layout", [(28, (7, 2)), (32, (4, 3)), (48, (6, 3)),
                                          (64, (4, 4)), (128, (4, 5))])
def test_depth_follows_the_image_size(size, layout):
    assert models.layout(size) == layout


@pytest.mark.parametrize("size", [7, 9, 100, 200])
def test_sizes_without_a_layout_are_refused(size):
    with pytest.raises(ValueError, match="power of two"):
        models.layout(size)


def test_unconditional_networks_shapes():
    generator = models.build_generator(64, 3, latent_dim=8, width=4)
    discriminator = models.build_discriminator(64, 3, width=4)
    images = generator(np.zeros((2, 8), np.float32))
    assert images.shape == (2, 64, 64, 3) and images.dtype == tf.float32
    assert np.abs(np.asarray(images)).max() <= 1.0
    assert discriminator(images).shape == (2, 1)


def test_conditional_networks_use_the_label():
    generator = models.build_generator(28, 1, latent_dim=8, width=4, num_classes=10)
    discriminator = models.build_discriminator(28, 1, width=4, num_classes=10)
    z = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    images = np.asarray(generator((z, np.array([3, 3], np.int32))))
    assert images.shape == (2, 28, 28, 1)
    other = generator((z, np.array([4, 4], np.int32)))
    assert not np.allclose(images, other)
    logits = discriminator((images, np.array([3, 4], np.int32)))
    same_images = discriminator((images, np.array([3, 3], np.int32)))
    assert logits.shape == (2, 1) and np.isclose(logits[0], same_images[0])
    assert not np.isclose(logits[1], same_images[1])   # the projection term


# ----------------------------------------------------------------------------- data
def write_image(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def class_folder(tmp_path):
    """Two classes (cat: 16 files, dog: 13 + one corrupt), mixed sizes and formats; 3 of
    the 30 files are held out."""
    root = tmp_path / "pets"
    for i in range(16):
        write_image(str(root / "cat" / f"{i}.png"), random_pixels((40, 50, 3), seed=i))
    for i in range(12):
        write_image(str(root / "dog" / f"{i}.jpg"), random_pixels((36, 36, 3), seed=20 + i))
    write_image(str(root / "dog" / "tiff.tif"), random_pixels((30, 20, 3), seed=30))
    (root / "dog" / "broken.png").write_bytes(b"not an image")
    return root


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


def test_per_class_accuracy():
    predicted = np.array([0, 0, 1, 1, 1, 0])
    requested = np.array([0, 0, 0, 1, 1, 1])
    per_class = image_gan_evaluation.per_class_accuracy(predicted, requested, 3)
    assert per_class[:2] == [pytest.approx(2 / 3), pytest.approx(2 / 3)]
    assert np.isnan(per_class[2])   # never requested


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


def test_unknown_source_and_unlabelled_conditional_are_refused(tmp_path):
    with pytest.raises(sources.DataError, match="Unknown data source"):
        image_sets.image_set("mnist", 28)
    for i in range(4):
        Image.fromarray(random_pixels((8, 8, 3), seed=i)).save(tmp_path / f"{i}.png")
    config = image_gan.ImageGANConfig(workdir=str(tmp_path / "run"),
                                      data=f"folder:{tmp_path}", conditional=True)
    with pytest.raises(sources.DataError, match="subfolder"):
        image_gan.run(config)
    assert not os.path.exists(tmp_path / "run")   # refused before anything was written


# ----------------------------------------------------------------------------- training
def tiny_config(workdir, data, **kwargs):
    values = dict(workdir=str(workdir), data=data, image_size=16, steps=4, batch_size=4,
                  eval_every=0, eval_samples=8, eval_real=6, eval_features="vgg16",
                  g_width=4, d_width=4, latent_dim=8, log_every=2, sample_every=0)
    return image_gan.ImageGANConfig(**{**values, **kwargs})


def test_conditional_colour_run_trains_resumes_and_samples_by_class(class_folder, tmp_path):
    workdir = tmp_path / "run"
    result = image_gan.run(tiny_config(workdir, f"folder:{class_folder}", conditional=True))
    assert result["step"] == 4
    summary = json.loads((workdir / "summary.json").read_text())
    assert summary["class_names"] == ["cat", "dog"]
    for values in (summary["metrics"], summary["reference"]):
        assert {"frechet_distance", "kernel_distance", "class_accuracy",
                "class_accuracy_min"} <= set(values)
        assert all(np.isfinite(v) for v in values.values())
    assert "not comparable with Inception" in summary["evaluation"]
    assert json.loads((workdir / "classes.json").read_text()) == ["cat", "dog"]
    assert len(summary["per_class_accuracy"]) == 2
    assert np.mean(summary["per_class_accuracy"]) == pytest.approx(
        summary["metrics"]["class_accuracy"])
    assert min(summary["reference_per_class_accuracy"]) == pytest.approx(
        summary["reference"]["class_accuracy_min"])

    resumed = image_gan.run(tiny_config(workdir, f"folder:{class_folder}", conditional=True,
                                        steps=6))
    assert resumed["step"] == 6

    dogs = sample.sample(str(workdir), num=3, label="dog")
    assert dogs.shape == (3, 16, 16, 3)
    np.testing.assert_allclose(dogs, sample.sample(str(workdir), num=3, label=1))
    grid = sample.sample(str(workdir), num=2)   # per class, class 0 first
    assert grid.shape == (4, 16, 16, 3)
    np.testing.assert_allclose(grid[:2], sample.sample(str(workdir), num=2, label=0), atol=1e-6)
    with pytest.raises(sample.SampleError, match="no class named 'bird'"):
        sample.sample(str(workdir), num=1, label="bird")
    with pytest.raises(sample.SampleError, match="out of range"):
        sample.sample(str(workdir), num=1, label=2)


def test_unconditional_digits_run_scores_with_the_digit_classifier(tmp_path):
    workdir = tmp_path / "digits"
    result = image_gan.run(tiny_config(workdir, "embedded", image_size=28, flip=False,
                                       eval_features="auto", eval_samples=20, eval_real=20))
    assert "digit classifier" in result["evaluation"]
    assert set(result["metrics"]) == {"frechet_distance", "kernel_distance"}
    assert result["reference"]["frechet_distance"] < result["metrics"]["frechet_distance"]
    with pytest.raises(sample.SampleError, match="not class-conditional"):
        sample.sample(str(workdir), num=1, label=3)


@pytest.mark.slow
def test_mnist_conditional_cli_and_per_class_grid(tmp_path):
    workdir = tmp_path / "run"
    out = run_module("tfgan_image.experiments.mnist_conditional", f"--workdir={workdir}",
                     "--steps=3", "--eval_samples=20", "--g_width=4", "--d_width=4")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "class_accuracy" in out.stdout and "Real training images" in out.stdout
    config = json.loads((workdir / "config.json").read_text())
    assert config["conditional"] and config["image_size"] == 28 and not config["flip"]
    out = run_module("tfgan_image.sample", f"--workdir={workdir}", "--num=3",
                     f"--output={tmp_path / 'grid.png'}")
    assert out.returncode == 0 and "Wrote 30 samples" in out.stdout
    out = run_module("tfgan_image.experiments.image_gan", f"--workdir={tmp_path / 'x'}",
                     "--image_size=100")
    assert out.returncode == 2 and "power of two" in out.stderr
    help_text = run_module("tfgan_image.experiments.image_gan", "--help").stdout
    assert "--image_size" in help_text and "--steps" in help_text


def test_channels_are_converted_on_request(class_folder):
    grey = image_sets.image_set(f"folder:{class_folder}", 16, channels=1)
    digits_in_colour = image_sets.image_set("embedded", 32, channels=3)
    assert grey.channels == 1 and digits_in_colour.channels == 3
    batch, _ = next(iter(image_sets.training_stream(grey, 4, seed=0, flip=False)))
    assert batch.shape == (4, 16, 16, 1)
    batch, _ = next(iter(image_sets.training_stream(digits_in_colour, 4, seed=0, flip=False)))
    assert batch.shape == (4, 32, 32, 3)
    np.testing.assert_allclose(batch[..., 0], batch[..., 2])   # grey made RGB
