"""restoration: the family's train steps, runs, resumes, warm starts, noise maps, your own
pairs and the summary."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from conftest import smooth_image, textures_64, write_pairs

from tfgan_image import errors, export, restoration
from tfgan_image.data import degrade_real, pipeline, sources
from tfgan_image.inference import (
    takes_noise_level,
)
from tfgan_image.training import strategy as strategy_lib

TINY_WIDTHS = dict(generator_widths=(4, 8), convs_per_level=1, discriminator_widths=(4, 8))





























def zero_output_conv(generator):
    """Makes the residual U-Net the identity."""
    for weight in generator.get_layer("output_conv").weights:
        weight.assign(tf.zeros_like(weight))













@pytest.mark.parametrize("task", degrade_real.TASKS)
def test_one_real_train_step_per_task(task, tmp_path):
    # denoise also trains with the perceptual (VGG) term.
    config = restoration.RestorationConfig(workdir=str(tmp_path), task=task, steps=1,
                                           batch_size=2, crop_size=16, precision="float32",
                                           perceptual_weight=0.1 if task == "denoise" else 0.0,
                                           **TINY_WIDTHS)
    photos = [(smooth_image(64, 64) * 255).astype(np.uint8)]
    degrader = restoration.training_degrader(config, textures_64())
    dataset = pipeline.restoration_batches(pipeline.patch_bank(photos, 32), 16, 2, degrader, 0)
    trainer = restoration.build_trainer(config, strategy_lib.make_strategy("default"))
    before = [w.numpy().copy() for w in trainer.generator.trainable_weights]
    logs = trainer.train_step(iter(dataset))
    assert {"loss/G/l1", "loss/G/adv", "loss/D/adv"} <= set(logs)
    assert ("loss/G/perceptual" in logs) == (task == "denoise")
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert any(not np.array_equal(b, w.numpy())
               for b, w in zip(before, trainer.generator.trainable_weights))

def test_restoration_run_writes_everything_and_resumes(tmp_path):
    workdir = str(tmp_path / "run")
    config = restoration.RestorationConfig(
        workdir=workdir, task="denoise", steps=2, batch_size=2, crop_size=16, eval_crop=48,
        eval_every=0, sample_every=1, checkpoint_every=1, **TINY_WIDTHS)
    result = restoration.run(config)
    for name in ["degradations", "comparison", "generator", "saved_model", "metrics"]:
        assert os.path.exists(result["paths"][name]), name
    assert set(result["references"]) == {"degraded", "wavelet", "tv", "nl_means", "bm3d"}
    assert result["references"]["bm3d"]["psnr"] > result["references"]["degraded"]["psnr"]
    with open(result["paths"]["metrics"]) as f:
        references, *_, record = map(json.loads, f)
    assert references["step"] == 0 and "reference/bm3d/psnr" in references
    assert record["step"] == 2 and np.isfinite(record["psnr"]) and "psnr/chelsea" in record
    # Both exports compute in float32 (the run trained in mixed_bfloat16) and agree.
    served = tf.saved_model.load(result["paths"]["saved_model"])
    exported = export.load_generator(workdir)
    assert exported.get_layer("level0_conv0").dtype_policy.name == "float32"
    x = tf.random.uniform((1, 16, 24, 3), -1, 1)
    np.testing.assert_allclose(served.serve(x), exported(x), atol=1e-5)
    np.testing.assert_allclose(exported(x), result["trainer"].sampling_generator(x), atol=0.03)
    resumed = restoration.run(restoration.RestorationConfig(**{
        **config.__dict__, "steps": 3}))
    assert resumed["step"] == 3

def test_init_from_starts_a_run_from_another_runs_generator(tmp_path):
    tiny = dict(task="denoise", batch_size=2, crop_size=16, eval_crop=48, eval_every=0,
                references=False, sample_every=0, **TINY_WIDTHS)
    first = restoration.run(restoration.RestorationConfig(
        workdir=str(tmp_path / "first"), steps=1, **tiny))
    # Learning rate 0: the fine-tuned run's generator stays what it started from.
    second = restoration.run(restoration.RestorationConfig(
        workdir=str(tmp_path / "second"), steps=1, g_learning_rate=0.0,
        init_from=first["paths"]["generator"], **tiny))
    for a, b in zip(export.load_generator(str(tmp_path / "second")).get_weights(),
                    export.load_generator(str(tmp_path / "first")).get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)   # EMA arithmetic rounds
    assert second["step"] == 1
    with pytest.raises(errors.RunError, match="does not fit this run's generator"):
        restoration.run(restoration.RestorationConfig(
            workdir=str(tmp_path / "other"), steps=1, init_from=first["paths"]["generator"],
            **{**tiny, "generator_widths": (8, 16)}))
    for source, message in [("no_such_model", "No pretrained model named"),
                            (str(tmp_path / "missing.keras"), "no such file")]:
        with pytest.raises(errors.RunError, match=message):
            restoration.run(restoration.RestorationConfig(
                workdir=str(tmp_path / "never"), steps=1, init_from=source, **tiny))
    assert not os.path.exists(tmp_path / "never")   # refused before anything was written

def test_bm3d_is_optional(monkeypatch, capsys):
    """Without the bm3d package (non-commercial licence, an extra) its rows say so."""
    import importlib.util

    from tfgan_image import baselines, restoration

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "bm3d" else real_find_spec(name, *a))
    assert not baselines.available("bm3d") and baselines.available("wavelet")
    row = {"psnr": 30.0, "ssim": 0.9, "psnr_y": 31.0, "seconds_per_image": 0.1}
    result = {"references": {"wavelet": row}, "metrics": {}, "images_per_second": 1.0,
              "paths": {"tensorboard": "tb"}, "unavailable_references": ["bm3d"]}
    restoration.print_summary(result)
    assert "bm3d                   not installed (pip install 'tfgan_image[classical]'" in (
        capsys.readouterr().out)


def test_noise_map_settings_are_checked():
    with pytest.raises(ValueError, match="for --task=denoise"):
        restoration.RestorationConfig(workdir="-", task="desharpen", noise_map=True)
    with pytest.raises(ValueError, match="poisson_fraction=0"):
        restoration.RestorationConfig(workdir="-", noise_map=True)


def test_one_real_train_step_with_a_noise_map(tmp_path):
    config = restoration.RestorationConfig(
        workdir=str(tmp_path), noise_map=True, clip_noise=False, poisson_fraction=0.0,
        sigma=(0.0, 75.0), steps=2, batch_size=2, crop_size=16, eval_every=0,
        sample_every=0, references=False, eval_crop=32, generator_widths=(4, 8),
        convs_per_level=1, discriminator_widths=(4, 8))
    result = restoration.run(config)
    assert result["step"] == 2 and np.isfinite(result["metrics"]["psnr"])
    assert takes_noise_level(tf.keras.models.load_model(result["paths"]["generator"]))


def test_a_model_learns_the_mapping_of_your_own_pairs(tmp_path):
    write_pairs(tmp_path / "pairs")
    config = restoration.RestorationConfig(
        workdir=str(tmp_path / "run"), data=f"pairs:{tmp_path / 'pairs'}", steps=150,
        batch_size=4, crop_size=32, eval_every=0, sample_every=0, adversarial_weight=0,
        generator_widths=(8, 16), convs_per_level=1, discriminator_widths=(4, 8),
        g_learning_rate=3e-3)
    result = restoration.run(config)
    assert not result["references"]          # no classical restorer knows a user's mapping
    pairs = sources.pair_folder(str(tmp_path / "pairs"))
    input_psnr = np.mean([10 * np.log10(255 ** 2 / np.mean((i.astype(float) - t) ** 2))
                          for i, t in zip(pairs.held_out_inputs, pairs.held_out_targets)])
    assert result["metrics"]["psnr"] > input_psnr + 2, (result["metrics"]["psnr"], input_psnr)
