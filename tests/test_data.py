import os
import socket
import time

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from tfgan_image.data import pipeline, sources


def test_embedded_mnist_is_balanced_and_split():
    splits = sources.embedded_mnist()
    assert splits.train.shape == (4000, 28, 28, 1) and splits.train.dtype == np.uint8
    assert splits.held_out.shape == (1000, 28, 28, 1)
    assert np.bincount(splits.train_labels).tolist() == [400] * 10
    assert np.bincount(splits.held_out_labels).tolist() == [100] * 10
    assert splits.train.max() == 255 and splits.train.min() == 0
    # No held-out digit appears in the training split.
    train_keys = {img.tobytes() for img in splits.train}
    assert not any(img.tobytes() in train_keys for img in splits.held_out)


def test_training_batches_shape_and_range():
    splits = sources.embedded_mnist()
    batch = next(iter(pipeline.training_batches(splits.train, 32, seed=0)))
    assert batch.shape == (32, 28, 28, 1)
    assert batch.numpy().min() >= -1.0 and batch.numpy().max() <= 1.0
    with pytest.raises(ValueError, match="larger than the data set"):
        pipeline.training_batches(splits.train[:10], 32, seed=0)


def test_unit_range_round_trip():
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)
    back = pipeline.from_unit_range(pipeline.to_unit_range(pixels).numpy())
    assert (back == pixels).all()


def write_images(folder, count, size=(40, 30), mode="RGB"):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(
            os.path.join(folder, f"img{i}.png"))


def test_folder_source_resizes_and_holds_out(tmp_path):
    write_images(tmp_path / "a", 15)
    write_images(tmp_path / "a" / "sub", 5, mode="L")
    splits = sources.load_mnist(f"folder:{tmp_path / 'a'}")
    assert splits.train.shape == (18, 28, 28, 1)
    assert splits.held_out.shape == (2, 28, 28, 1)


def test_folder_errors_name_the_problem(tmp_path):
    with pytest.raises(sources.DataError, match="does not exist"):
        sources.load_mnist(f"folder:{tmp_path / 'missing'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(sources.DataError, match="No image files"):
        sources.load_mnist(f"folder:{tmp_path / 'empty'}")
    write_images(tmp_path / "bad", 2)
    (tmp_path / "bad" / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(sources.DataError, match="broken.png"):
        sources.load_mnist(f"folder:{tmp_path / 'bad'}")


def test_unknown_source():
    with pytest.raises(sources.DataError, match="folder:PATH"):
        sources.load_mnist("imagenet")


def test_tfds_path_with_mock_data(monkeypatch, tmp_path):
    monkeypatch.setattr(sources, "network_available", lambda *a, **k: True)
    with tfds.testing.mock_data(num_examples=12):
        splits = sources.load_mnist("tfds", data_dir=str(tmp_path))
    assert splits.train.shape == (12, 28, 28, 1) and splits.train.dtype == np.uint8
    assert splits.held_out.shape == (12, 28, 28, 1)
    assert splits.train_labels.shape == (12,)


def test_tfds_offline_fails_fast_naming_the_alternative(monkeypatch, tmp_path):
    monkeypatch.setattr(sources, "network_available", lambda *a, **k: False)
    start = time.monotonic()
    with pytest.raises(sources.DataError, match="--data=embedded"):
        sources.load_mnist("tfds", data_dir=str(tmp_path))
    assert time.monotonic() - start < 15


def test_network_probe_on_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert sources.network_available(("127.0.0.1", port), timeout_s=1.0)
    # The port is closed now: refused at once.
    assert not sources.network_available(("127.0.0.1", port), timeout_s=1.0)


def test_the_validation_split_of_a_folder_is_pinned_by_file_name():
    """The sr291 validation split the shipped models were chosen and stopped on: the same
    29 of its 290 files on every machine and NumPy version (tests/data/sr291_split.json)."""
    import json

    from conftest import REPO_ROOT

    with open(os.path.join(REPO_ROOT, "tests", "data", "sr291_split.json")) as f:
        split = json.load(f)
    files = sorted(split["files"])
    held_out, train = sources.held_out_split(len(files), 2, 0.1, 0)
    assert sorted(files[i] for i in held_out) == split["validation"]
    assert len(split["validation"]) == 29 and len(train) == 261
