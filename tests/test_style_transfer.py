"""style_transfer: content crops, the optimisation baselines, one real training run."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, tensorboard_tags
from PIL import Image

from tfgan_image import (
    export,
    inference,
    layers,
    style_losses,
    style_transfer,
)
from tfgan_image.data import pipeline


def test_content_crops_come_from_photos_smaller_than_twice_the_crop():
    rng = np.random.default_rng(0)
    photos = [rng.integers(0, 256, (40, 60, 3), dtype=np.uint8) for _ in range(3)]
    content, style = next(iter(style_transfer.training_batches(
        photos, rng.integers(0, 256, (48, 48, 3), dtype=np.uint8), 32, 2, seed=0)))
    assert content.shape == (2, 32, 32, 3) and style.shape == (2, 32, 32, 3)
    pixels = {tuple(p) for photo in photos for p in photo.reshape(-1, 3)}
    crop = np.round((content.numpy()[0] + 1.0) * 127.5).astype(int).reshape(-1, 3)
    assert all(tuple(p) in pixels for p in crop[:50])


def test_content_crops_come_from_every_photo_at_least_a_crop_in_size():
    # As photo sets are: most photos 321 px on their shorter side, two larger ones, and one
    # smaller than a crop (left out). Each photo is one flat colour, so a crop names its photo.
    sizes = [(32, 48)] * 6 + [(36, 36), (36, 40), (20, 60)]
    photos = [np.full(size + (3,), 20 * i, np.uint8) for i, size in enumerate(sizes)]
    style = np.zeros((40, 40, 3), np.uint8)
    seen = set()
    for content, _ in style_transfer.training_batches(photos, style, 24, 4, seed=0).take(40):
        seen |= {int(round((c[0, 0, 0] + 1.0) * 127.5)) for c in content.numpy()}
    assert seen == {20 * i for i in range(8)}
    with pytest.raises(ValueError, match="crop_size=64"):
        style_transfer.training_batches(photos, style, 64, 4, seed=0)


@pytest.mark.slow
def test_style_cli_refuses_a_missing_style_image(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tfgan_image.experiments.style_transfer",
                          f"--workdir={tmp_path / 'run'}", "--style_image=/nowhere/style.png"],
                         capture_output=True, text=True, cwd=REPO_ROOT)
    assert out.returncode != 0
    assert "Image file does not exist: /nowhere/style.png" in out.stderr
    assert "Traceback" not in out.stderr


def test_style_transfer_trains_and_compares_with_the_baseline(tmp_path):
    style_file = tmp_path / "style.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
                    ).save(style_file)
    config = style_transfer.StyleTransferConfig(
        workdir=str(tmp_path / "run"), style_image=str(style_file), steps=2, batch_size=2,
        crop_size=16, loss_offset_range=4, style_size=32, width=4, residual_blocks=1,
        style_stages=("block1", "block2"), content_stage="block2", adversarial_weight=0.1,
        discriminator_widths=(4, 8), eval_size=32, optimize_steps=2, eval_every=0,
        sample_every=0, log_every=1, feature_backbone="hed_vgg16", normalization="weight")
    result = style_transfer.run(config)
    scores = result["scores"]
    assert list(scores) == [style_transfer.NETWORK, style_transfer.BASELINE,
                            style_transfer.RECOLOURED_BASELINE]
    # The baseline from the recoloured photo starts nearer the style's colours.
    assert (scores[style_transfer.RECOLOURED_BASELINE]["style_loss_by_step"][0]
            < scores[style_transfer.BASELINE]["style_loss_by_step"][0])
    for values in scores.values():
        assert values["content_loss"] >= 0 and values["style_loss"] >= 0
        assert 0 <= values["invented_extremes"] <= 100
        assert values["seconds_per_512px"] > 0
    assert os.path.exists(result["paths"]["comparison"])
    assert all(os.path.exists(result["paths"][k]) for k in ("tflite", "tflite_float16"))
    with open(tmp_path / "run" / "metrics.jsonl") as f:
        logged = [json.loads(line) for line in f]
    assert any("style_loss" in record for record in logged)
    # The GAN variant trained D; the perceptual terms were logged part by part.
    assert {"loss/G/perceptual/content", "loss/G/perceptual/style", "loss/G/perceptual/tv",
            "loss/D/adv", "loss/G/adv"} <= tensorboard_tags(tmp_path / "run" / "tensorboard")
    # The saved network moves colours to the style image's statistics.
    generator = export.load_generator(str(tmp_path / "run"))
    style_mean, _ = layers.colour_moments(pipeline.to_unit_range(
        style_losses.load_style_image(str(style_file), config.style_size)))
    np.testing.assert_allclose(generator.get_layer("colour_transfer").target_mean, style_mean,
                               atol=1e-6)
    # apply stylises any size (the image is mirror-padded to a multiple of 4), even one
    # without any colour variance.
    stylised = inference.restore_array(generator, np.zeros((21, 30, 3), np.uint8), tile=16,
                                   margin=8)
    assert stylised.shape == (21, 30, 3)


def test_invented_extremes_counts_only_blobs_the_photo_does_not_have():
    photo = np.full((20, 50, 3), 128, np.uint8)
    photo[:, :10] = 30       # a dark area of the photo itself
    photo[:, 10:20] = 225    # and a bright one
    stylised = photo.copy()
    stylised[:, 20:25] = 0   # a black blotch on mid-grey: 10% of the pixels
    stylised[:, 25:30] = 255  # a white blob: 10%
    assert style_transfer.invented_extremes(photo, stylised) == pytest.approx(20.0)
    assert style_transfer.invented_extremes(photo, photo) == 0.0
    # Darkening the photo's dark area or brightening its white one is not invented.
    stylised[:, :10], stylised[:, 10:20] = 0, 255
    assert style_transfer.invented_extremes(photo, stylised) == pytest.approx(20.0)


def test_side_by_side_timing_calls_the_functions_in_turns():
    calls = []
    seconds = style_transfer.time_side_by_side(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, rounds=3)
    assert calls == ["a", "b"] * 4      # one warm-up call each, then 3 rounds in turn
    assert set(seconds) == {"a", "b"} and all(v >= 0 for v in seconds.values())


def test_lbfgs_baseline_lowers_the_loss_further_than_adam_in_as_many_evaluations():
    rng = np.random.default_rng(0)
    style = (rng.random((32, 32, 3)) * 255).astype(np.uint8)
    content = np.full((32, 32, 3), 128, np.uint8)
    losses_ = style_losses.StyleLosses(style, "block1", ("block1", "block2"), (1.0, 10.0, 0.0),
                                       "hed_vgg16")
    results = {method: style_transfer.optimize_image(content, losses_, 40, progress=False,
                                                     method=method)
               for method in style_transfer.OPTIMIZE_METHODS}
    for method, (image, curve) in results.items():
        assert image.dtype == np.uint8 and image.shape == content.shape
        assert len(curve) == 40 and curve[-1] < curve[0]     # one value per evaluation
    final = {method: losses_.style_distance(image) for method, (image, _) in results.items()}
    assert final["lbfgs"] < final["adam"]


def test_an_lbfgs_run_that_stops_early_gives_a_full_length_curve():
    """Starting at its optimum (content loss only, from the photo itself) L-BFGS-B stops
    after one evaluation; the curve still has one value per evaluation asked for, so the
    held-out photos' curves average (a ragged list ended a 4,000-step run's evaluation)."""
    style = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    content = np.full((32, 32, 3), 128, np.uint8)
    losses_ = style_losses.StyleLosses(style, "block1", ("block1",), (1.0, 0.0, 0.0),
                                       "hed_vgg16")
    image, curve = style_transfer.optimize_image(content, losses_, 40, progress=False,
                                                 method="lbfgs")
    assert len(curve) == 40 and len(set(curve[1:])) == 1
    np.testing.assert_array_equal(image, content)


def test_the_cached_baseline_is_recomputed_when_its_losses_change(tmp_path, monkeypatch):
    calls = []

    def optimize_image(content, style_losses, steps, learning_rate, recolour, method):
        calls.append(recolour is not None)   # the real one runs in the end-to-end test above
        return content, [1.0] * steps

    monkeypatch.setattr(style_transfer, "optimize_image", optimize_image)
    config = style_transfer.StyleTransferConfig(
        workdir=str(tmp_path / "run"), method="optimize", style_size=32, eval_size=32,
        style_stages=("block1",), content_stage="block1", optimize_steps=2,
        feature_backbone="hed_vgg16")
    result = style_transfer.run(config)
    photos = len(result["held_out"])   # one optimisation per held-out photo and baseline
    # From the photo, and (colour transfer on) from the recoloured photo.
    assert sorted(calls) == [False] * photos + [True] * photos
    assert list(result["scores"]) == [style_transfer.BASELINE,
                                      style_transfer.RECOLOURED_BASELINE]
    # The 512x512 step time is measured on every run, cached baselines or not.
    assert result["scores"][style_transfer.BASELINE]["seconds_per_step_512px"] > 0
    style_transfer.run(config)                                   # same losses: cached
    assert len(calls) == 2 * photos
    style_transfer.run(dataclasses.replace(config, style_weight=1.0))   # new losses
    assert len(calls) == 4 * photos
    calls.clear()
    # Without the colour transfer only the baseline from the photo runs, and the last run's
    # cache serves: it does not depend on the network's first layer.
    result = style_transfer.run(dataclasses.replace(config, style_weight=1.0,
                                                    colour_transfer=False))
    assert calls == [] and list(result["scores"]) == [style_transfer.BASELINE]
