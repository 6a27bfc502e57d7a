"""image_gan: conditional and unconditional runs, resuming, sampling by class, the
conditional MNIST command."""

import json
import os

import numpy as np
import pytest
from conftest import random_pixels, run_module
from PIL import Image

from tfgan_image import image_gan, sample
from tfgan_image.data import image_sets, sources


def tiny_config(workdir, data, **kwargs):
    values = dict(workdir=str(workdir), data=data, image_size=16, steps=4, batch_size=4,
                  eval_every=0, eval_samples=8, eval_real=6, eval_features="vgg16",
                  g_width=4, d_width=4, latent_dim=8, log_every=2, sample_every=0)
    return image_gan.ImageGANConfig(**{**values, **kwargs})


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


@pytest.mark.parametrize("networks", [{}, {"architecture": "resnet", "loss": "hinge"}])
def test_conditional_colour_run_trains_resumes_and_samples_by_class(class_folder, tmp_path,
                                                                     networks):
    workdir = tmp_path / "run"
    result = image_gan.run(tiny_config(workdir, f"folder:{class_folder}", conditional=True,
                                       **networks))
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
                                        steps=6, **networks))
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
