"""End-to-end: the MNIST experiments train for a few real steps, write a complete run
directory, resume, export samples, and refuse bad input clearly."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, run_module

from tfgan_image import mnist, sample

TINY = dict(batch_size=16, eval_samples=64, log_every=1, sample_every=2, checkpoint_every=2,
            latent_dim=8)


def tiny_config(workdir, model="dcgan", steps=3, **overrides):
    if model == "dcgan":
        arch = dict(generator_kwargs=dict(widths=(8, 4)),
                    discriminator_kwargs=dict(widths=(4, 8)))
    else:
        arch = dict(generator_kwargs=dict(units=16), discriminator_kwargs=dict(units=16))
    return mnist.MnistConfig(workdir=str(workdir), model=model, steps=steps,
                             **{**TINY, **arch, **overrides})


@pytest.mark.parametrize("model,loss", [("dcgan", "non_saturating"), ("mlp", "minimax")])
def test_run_writes_a_complete_run_directory(tmp_path, model, loss):
    result = mnist.run(tiny_config(tmp_path, model, loss=loss))
    assert result["step"] == 3
    with open(tmp_path / "config.json") as f:
        config = json.load(f)
    assert config["model"] == model and config["loss"] == loss
    assert os.path.exists(tmp_path / "generator.keras")
    assert any(n.startswith("ckpt-3") for n in os.listdir(tmp_path / "checkpoints"))
    assert os.listdir(tmp_path / "tensorboard")
    pngs = sorted(os.listdir(tmp_path / "samples"))
    assert "real_data.png" in pngs and "samples_0000002.png" in pngs
    assert "samples_0000003.png" in pngs
    with open(tmp_path / "metrics.jsonl") as f:
        record = json.loads(f.readlines()[-1])
    assert record["step"] == 3
    assert record["frechet_distance"] > 0
    assert 1.0 <= record["classifier_score"] <= 10.0
    assert 0.0 <= record["class_fraction_min"] <= record["class_fraction_max"] <= 1.0
    assert result["reference"]["classifier_score"] > 9.0   # real digits, for reference
    # 3 steps: the generator's digits are far from the real ones, which are near the floor
    assert abs(result["reference"]["kernel_distance"]) < record["kernel_distance"]


def test_resume_continues_from_the_last_checkpoint(tmp_path, capsys):
    first = mnist.run(tiny_config(tmp_path, steps=2))
    weights_at_2 = first["trainer"].generator.get_weights()
    second = mnist.run(tiny_config(tmp_path, steps=4))
    assert "Resumed from" in capsys.readouterr().out
    assert second["step"] == 4
    # The resumed trainer started from the step-2 weights, not from a fresh initialisation.
    fresh = mnist.run(tiny_config(tmp_path / "fresh", steps=0))
    assert not np.allclose(fresh["trainer"].generator.get_weights()[0], weights_at_2[0])
    with open(tmp_path / "metrics.jsonl") as f:
        assert [json.loads(line)["step"] for line in f] == [2, 4]


@pytest.mark.slow
def test_sample_exports_npy_and_png(tmp_path):
    mnist.run(tiny_config(tmp_path / "run", steps=1))
    images = sample.sample(str(tmp_path / "run"), num=5)
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    for name in ("s.npy", "s.png"):
        out = subprocess.run(
            [sys.executable, "-m", "tfgan_image.sample", f"--workdir={tmp_path / 'run'}",
             "--num=6", f"--output={tmp_path / name}"],
            capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
    assert np.load(tmp_path / "s.npy").shape == (6, 28, 28, 1)
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_sample_refuses_a_run_without_generator(tmp_path):
    with pytest.raises(sample.SampleError, match="no trained generator"):
        sample.sample(str(tmp_path), num=1)
    with pytest.raises(sample.SampleError, match="does not exist"):
        sample.sample(str(tmp_path / "nope"), num=1)


@pytest.mark.slow
def test_dcgan_cli_trains_and_reports(tmp_path):
    out = run_module("tfgan_image.experiments.mnist_dcgan", f"--workdir={tmp_path}", "--steps=2",
                  "--batch_size=16", "--eval_samples=32", "--generator_widths=8,4",
                  "--discriminator_widths=4,8", "--latent_dim=8")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "frechet_distance" in out.stdout and "classifier_score" in out.stdout
    assert str(tmp_path) in out.stdout


CLI_NETWORK_SIZES = """
import sys
from absl import flags
from tfgan_image.experiments import common
module = __import__("tfgan_image.experiments." + sys.argv[1], fromlist=["main"])
flags.FLAGS(["cli"])
captured = {}
common.run_family = lambda argv, family, **kwargs: captured.update(kwargs)
module.main(["cli"])
from tfgan_image import mnist
config = mnist.MnistConfig(**captured, latent_dim=flags.FLAGS.latent_dim)
print(*[m.count_params() for m in mnist.build_networks(config)])
"""


@pytest.mark.slow
@pytest.mark.parametrize("cli, model", [("mnist_dcgan", "dcgan"), ("mnist_gan", "mlp")])
def test_python_defaults_build_the_networks_the_cli_builds(cli, model):
    """MnistConfig(model=...) from Python and the command's default flags: the same networks."""
    done = subprocess.run([sys.executable, "-c", CLI_NETWORK_SIZES, cli], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    cli_sizes = [int(n) for n in done.stdout.split()]
    python_sizes = [m.count_params() for m in mnist.build_networks(mnist.MnistConfig(model=model))]
    assert python_sizes == cli_sizes
