"""Restoration GAN: degradations, data pipeline, U-Net / PatchGAN, train steps, evaluation."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tfgan_image import baselines, errors, export, metrics, restoration
from tfgan_image.data import degrade, pipeline, sources
from tfgan_image.inference import restore_array, tiled_apply
from tfgan_image.models import restoration as restoration_models
from tfgan_image.training import strategy as strategy_lib

TEXTURES = sources.embedded_textures()[:, :64, :64].astype(np.float32) / 255.0
TINY_WIDTHS = dict(generator_widths=(4, 8), convs_per_level=1, discriminator_widths=(4, 8))


def smooth_image(height=32, width=48, channels=3, seed=0):
    """A smooth random colour image in [0, 1] (float32 [H, W, C])."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.1, 0.9, (height // 8 + 1, width // 8 + 1, channels))
    return tf.image.resize(coarse[None], (height, width))[0].numpy().astype(np.float32)


# ----------------------------------------------------------------------------- degradations
@pytest.mark.parametrize("task", degrade.TASKS)
@pytest.mark.parametrize("channels", [3, 1])
def test_degradation_range_shape_determinism(task, channels):
    image = smooth_image(channels=channels)
    degrader = degrade.make_degrader(task, textures=TEXTURES)
    first = degrader(image, [1, 2]).numpy()
    again = degrader(image, [1, 2]).numpy()
    other = degrader(image, [1, 3]).numpy()
    assert first.shape == image.shape and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, again)                    # same seed, same output
    np.testing.assert_array_equal(np.round(first * 255), first * 255)  # 8-bit levels
    assert not np.array_equal(first, other)                        # new seed, new draw
    assert np.abs(first - image).mean() > 1e-3                     # it did degrade


def test_degradation_inside_tf_function_matches_eager():
    degrader = degrade.make_degrader("mixed", textures=TEXTURES)
    image = smooth_image()
    compiled = tf.function(degrader)
    np.testing.assert_allclose(compiled(image, tf.constant([5, 6])), degrader(image, [5, 6]),
                               atol=1.5 / 255)


def test_gaussian_noise_has_the_requested_std():
    image = np.full((128, 128, 3), 0.5, np.float32)
    noisy = degrade.gaussian_noise(image, tf.constant([0, 1]), (25.0, 25.0)).numpy()
    assert abs(np.std(noisy - image) * 255 - 25.0) < 0.5


def test_blur_kernels_are_normalised():
    assert abs(float(tf.reduce_sum(degrade.gaussian_kernel_1d(1.3))) - 1) < 1e-6
    kernel = degrade.motion_kernel(tf.constant(7.0), tf.constant(0.0)).numpy()
    assert abs(kernel.sum() - 1) < 1e-6
    assert np.count_nonzero(kernel.sum(1)) == 1  # a horizontal motion is one row


def test_unknown_task_and_missing_textures_are_refused():
    with pytest.raises(ValueError, match="Unknown task"):
        degrade.make_degrader("sharpen")
    with pytest.raises(ValueError, match="texture"):
        degrade.make_degrader("detexture")


# ----------------------------------------------------------------------------- data
def test_restoration_batches_pairs_and_reproducible():
    photos = [(smooth_image(70, 90) * 255).astype(np.uint8)]
    patches = pipeline.patch_bank(photos, 32)
    assert patches.shape == (4, 32, 32, 3)  # 2 x 2 whole patches of 70 x 90
    degrader = degrade.make_degrader("denoise")

    def first_batch(seed):
        return next(iter(pipeline.restoration_batches(patches, 16, 4, degrader, seed)))

    degraded, clean = first_batch(3)
    assert degraded.shape == clean.shape == (4, 16, 16, 3)
    assert -1.0 <= float(tf.reduce_min(degraded)) and float(tf.reduce_max(clean)) <= 1.0
    np.testing.assert_array_equal(first_batch(3)[0], degraded)
    assert not np.array_equal(first_batch(4)[0], degraded)


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


# ----------------------------------------------------------------------------- models
def test_unet_is_fully_convolutional_and_residual():
    generator = restoration_models.build_generator(widths=(4, 8, 16), convs_per_level=1)
    assert restoration_models.generator_stride(3) == 4
    for shape in [(1, 16, 16, 3), (2, 24, 40, 3)]:
        x = tf.random.uniform(shape, -1, 1)
        assert generator(x).shape == shape
    # A zero correction makes it the identity: the residual connection is there.
    generator.get_layer("output_conv").kernel.assign(
        tf.zeros_like(generator.get_layer("output_conv").kernel))
    x = tf.random.uniform((1, 16, 16, 3), -1, 1)
    np.testing.assert_allclose(generator(x), x, atol=1e-6)


def test_patchgan_scores_patches():
    discriminator = restoration_models.build_discriminator(widths=(4, 8, 8))
    x = tf.zeros((2, 32, 32, 3))
    assert discriminator([x, x]).shape == (2, 8, 8, 1)


# ----------------------------------------------------------------------------- tiled inference
def test_tiled_inference_equals_whole_image_and_is_seamless():
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    image = np.random.default_rng(0).uniform(-1, 1, (50, 70, 3)).astype(np.float32)

    def fn(x):
        return np.asarray(generator(x[None], training=False))[0]

    whole = tiled_apply(fn, image, tile=256, margin=16, multiple=2)   # one window
    tiled = tiled_apply(fn, image, tile=16, margin=16, multiple=2)    # 4 x 5 tiles
    assert whole.shape == tiled.shape == image.shape
    np.testing.assert_allclose(tiled, whole, atol=1e-5)
    # Too little context: the tiles differ from the whole image, so the check above is real.
    assert np.abs(tiled_apply(fn, image, tile=16, margin=0, multiple=2) - whole).max() > 1e-3


@pytest.mark.parametrize("mirror", [True, False])
def test_tiles_land_where_they_belong_for_any_margin(mirror):
    # A position-coded image through a per-pixel function: any misplaced core shows. The
    # margin (6) is not a multiple of the stride (4) and the size not a multiple of either.
    image = np.arange(21 * 30 * 2, dtype=np.float32).reshape(21, 30, 2)
    out = tiled_apply(lambda window: 2 * window, image, tile=8, margin=6, multiple=4,
                      mirror=mirror)
    np.testing.assert_array_equal(out, 2 * image)
    upscaled = tiled_apply(lambda window: np.repeat(np.repeat(window, 3, 0), 3, 1), image,
                           tile=8, margin=6, multiple=4, scale=3, mirror=mirror)
    np.testing.assert_array_equal(upscaled[::3, ::3], image)


def test_default_margin_covers_the_default_unet():
    # The default U-Net's receptive field fits in apply's default 64 px margin: tiling is exact.
    generator = restoration_models.build_generator()
    image = np.random.default_rng(0).uniform(-1, 1, (100, 150, 3)).astype(np.float32)

    def fn(x):
        return np.asarray(generator(x[None], training=False))[0]

    np.testing.assert_allclose(tiled_apply(fn, image, tile=48, margin=64, multiple=8),
                               tiled_apply(fn, image, tile=512, margin=64, multiple=8),
                               atol=1e-4)


def zero_output_conv(generator):
    """Makes the residual U-Net the identity."""
    for weight in generator.get_layer("output_conv").weights:
        weight.assign(tf.zeros_like(weight))


@pytest.mark.parametrize("shape", [(20, 30), (20, 30, 1), (20, 30, 3), (20, 30, 4)])
def test_restore_array_keeps_the_format(shape):
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    zero_output_conv(generator)
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    restored = restore_array(generator, image, tile=16, margin=8)
    assert restored.shape == image.shape and restored.dtype == np.uint8
    np.testing.assert_array_equal(restored, image)  # identity network: nothing changes


def test_bfloat16_inference_passes_the_image_through_exactly_with_current_weights():
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    image = np.random.default_rng(2).integers(0, 256, (24, 40, 3), dtype=np.uint8)
    changed = restore_array(generator, image, tile=16, margin=8, precision="mixed_bfloat16")
    assert np.abs(changed.astype(int) - image).max() > 0   # random weights change the image
    zero_output_conv(generator)   # the compiled bfloat16 copy must see the new weights
    same = restore_array(generator, image, tile=16, margin=8, precision="mixed_bfloat16")
    np.testing.assert_array_equal(same, image)   # the residual path stays float32: exact


def test_auto_precision_is_bfloat16_only_for_float32_models_on_bfloat16_cpus(monkeypatch):
    from tfgan_image import inference, precision

    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    for native, expected in [(True, "mixed_bfloat16"), (False, "float32")]:
        monkeypatch.setattr(precision, "cpu_computes_bfloat16_natively", lambda: native)
        assert inference.inference_precision(generator) == expected
        assert inference.inference_precision(generator, "float32") == "float32"
        assert inference.inference_precision(generator, "own") == "float32"
    with precision.precision_policy("mixed_bfloat16"):
        trained_in_bfloat16 = restoration_models.build_generator(widths=(4, 8),
                                                                 convs_per_level=1)
    assert inference.inference_precision(trained_in_bfloat16) == "mixed_bfloat16"
    with pytest.raises(inference.ApplyError, match="Unknown precision"):
        inference.inference_precision(generator, "float64")


# ----------------------------------------------------------------------------- metrics
def test_image_metrics():
    white, black = np.full((8, 8, 3), 255, np.uint8), np.zeros((8, 8, 3), np.uint8)
    np.testing.assert_allclose(metrics.rgb_to_y(white), 235.0, atol=1e-3)
    np.testing.assert_allclose(metrics.rgb_to_y(black), 16.0)
    grey = np.full((16, 16, 3), 100, np.uint8)
    assert abs(metrics.image_psnr(grey, grey + 10) - 10 * np.log10(255 ** 2 / 100)) < 1e-9
    assert metrics.image_ssim(grey, grey) == pytest.approx(1.0)
    noisy = np.clip(grey + np.random.default_rng(0).normal(0, 20, grey.shape), 0, 255)
    assert metrics.image_ssim(grey, noisy.astype(np.uint8)) < 0.9


@pytest.mark.parametrize("name", sorted(baselines.RESTORERS))
def test_classical_restorers_denoise(name):
    clean = (smooth_image(48, 48) * 255).astype(np.uint8)
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 25, clean.shape), 0, 255)
    noisy = np.round(noisy).astype(np.uint8)
    restored = baselines.restore(name, noisy, 25.0)
    assert restored.shape == clean.shape and restored.dtype == np.uint8
    assert metrics.image_psnr(clean, restored) > metrics.image_psnr(clean, noisy) + 3


def test_inverse_unsharp_mask_undoes_the_middle_unsharp_mask():
    settings = degrade.DegradeSettings()
    clean = smooth_image(64, 64).astype(np.float32)
    sharp = degrade.unsharp_mask(clean, np.float32(np.mean(settings.sharpen_amount)),
                                 np.float32(np.mean(settings.sharpen_sigma))).numpy()
    clean, sharp = (np.round(np.clip(x, 0, 1) * 255).astype(np.uint8) for x in (clean, sharp))
    restored = baselines.restore("unsharp_inverse", sharp)
    assert metrics.image_psnr(clean, restored) > metrics.image_psnr(clean, sharp) + 8


# ----------------------------------------------------------------------------- training
@pytest.mark.parametrize("task", degrade.TASKS)
def test_one_real_train_step_per_task(task, tmp_path):
    # denoise also trains with the perceptual (VGG) term.
    config = restoration.RestorationConfig(workdir=str(tmp_path), task=task, steps=1,
                                           batch_size=2, crop_size=16, precision="float32",
                                           perceptual_weight=0.1 if task == "denoise" else 0.0,
                                           **TINY_WIDTHS)
    photos = [(smooth_image(64, 64) * 255).astype(np.uint8)]
    degrader = degrade.make_degrader(task, restoration.degrade_settings(config), TEXTURES)
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
