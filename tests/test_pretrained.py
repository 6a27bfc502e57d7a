"""The pretrained models shipped with the package: each loads and gives its recorded output."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT

from tfgan_image import pretrained

EXPECTED = os.path.join(REPO_ROOT, "tests", "data", "pretrained_expected.npz")
SHIPPED = sorted(pretrained.registry())


def test_models_are_shipped_with_weights_cards_and_expected_outputs():
    assert "mnist_dcgan" in SHIPPED
    expected = np.load(EXPECTED)
    for name in SHIPPED:
        assert os.path.exists(pretrained.weights_path(name))
        assert os.path.exists(pretrained.card_path(name))
        assert name in expected.files


def test_every_card_gives_the_commands_of_its_recipe():
    """experiments/pretrained.py's recipes and the shipped cards do not drift apart."""
    script = ("import json; import pretrained as p; "
              "p.FLAGS(['p', '--runs=/tmp/RUNS', '--data_root=/tmp/DATA_ROOT']); "
              "print(json.dumps({n: [p.shown_command(n, first) "
              "for first in ((True, False) if r.get('continues') else (False,))] "
              "for n, r in p.RECIPES.items()}))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=os.path.join(REPO_ROOT, "experiments"), check=True)
    commands = json.loads(out.stdout)
    assert sorted(commands) == SHIPPED
    for name, lines in commands.items():
        with open(pretrained.card_path(name)) as f:
            card = f.read()
        for line in lines:
            assert f"    {line}\n" in card, (name, line)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_model_gives_its_recorded_output(name):
    model = pretrained.load(name)
    output = pretrained.check_output(model, pretrained.entry(name)["kind"])
    expected = np.load(EXPECTED)[name]
    assert output.shape == expected.shape and output.dtype == expected.dtype
    if output.dtype == np.uint8:   # images: at most one level off (CPU arithmetic differs)
        assert np.abs(output.astype(int) - expected).max() <= 1
    else:
        np.testing.assert_allclose(output, expected, atol=2e-3)
    assert model.dtype_policy.name == "float32"


@pytest.mark.parametrize("name", ["denoise", "sr_x4"])
def test_bfloat16_inference_stays_within_a_level_of_float32(name):
    model = pretrained.load(name)
    reference = pretrained.check_output(model, "image_to_image")   # float32
    output = pretrained.apply(model, pretrained.check_input(), precision="mixed_bfloat16")
    difference = np.abs(output.astype(int) - reference)
    assert difference.max() <= 2 and difference.mean() < 0.3


def test_unknown_names_list_the_shipped_ones():
    with pytest.raises(pretrained.UnknownModelError, match="mnist_dcgan"):
        pretrained.load("no_such_model")


@pytest.mark.slow
def test_listing_and_the_sample_cli_work_by_name(tmp_path):
    listing = pretrained.listing()
    for name in SHIPPED:
        assert name in listing
    out = subprocess.run([sys.executable, "-m", "tfgan_image.sample", "--model=mnist_dcgan",
                          "--num=9", f"--output={tmp_path / 'grid.npy'}"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    samples = np.load(tmp_path / "grid.npy")
    np.testing.assert_allclose(samples, pretrained.sample("mnist_dcgan", 9), atol=2e-3)


def test_float16_weights_load_as_a_float32_model(tmp_path):
    import keras

    from tfgan_image.training.precision import copy_with_policy

    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
    path = str(tmp_path / "half.keras")
    copy_with_policy(model, "float16").save(path)
    loaded = pretrained.load_file(path)
    assert loaded.dtype_policy.name == "float32"
    assert all(w.dtype == "float32" for w in loaded.weights)
    image = np.random.default_rng(0).uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded(image), model(image), atol=2e-3)
