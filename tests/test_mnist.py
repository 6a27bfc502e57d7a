"""End-to-end: the MNIST experiments train for a few real steps, write a complete run
directory, resume, export samples, and refuse bad input clearly."""

import json
import os

import numpy as np
import pytest
from conftest import run_module

from tfgan_image import experiment, mnist

TINY = dict(batch_size=16, eval_samples=64, log_every=1, sample_every=2, checkpoint_every=2,
            latent_dim=16)


def tiny_config(workdir, model="dcgan", steps=3, **overrides):
    if model == "dcgan":
        arch = dict(generator_widths=(8, 4),
                    discriminator_widths=(4, 8))
    else:
        arch = dict(units=16)
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
    by_code = np.array(experiment.read_summary(str(tmp_path))["digits_by_code"])
    assert by_code.shape == (10, 10)   # the default 10-way InfoGAN code
    assert set(np.round(by_code.sum(1), 6)) <= {0.0, 1.0}
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
def test_dcgan_cli_trains_and_reports(tmp_path):
    out = run_module("tfgan_image.experiments.mnist_dcgan", f"--workdir={tmp_path}", "--steps=2",
                  "--batch_size=16", "--eval_samples=32", "--generator_widths=8,4",
                  "--discriminator_widths=4,8", "--latent_dim=16")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "frechet_distance" in out.stdout and "classifier_score" in out.stdout
    assert str(tmp_path) in out.stdout
