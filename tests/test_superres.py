"""Super-resolution: pixel shuffle, the SR metric convention, downscaling, the feature backbone
fallback, both training stages end to end, scale-aware apply and the TFLite export."""

import json
import os

import keras
import numpy as np
import pytest
import skimage.data
import tensorflow as tf
from conftest import tensorboard_tags
from PIL import Image

from tfgan_image import apply, errors, export, features, inference, metrics, superres
from tfgan_image.data import degrade
from tfgan_image.layers import PixelShuffle
from tfgan_image.models import superres as superres_models


# ----------------------------------------------------------------------------- models
@pytest.mark.parametrize("scale", superres_models.SCALES)
@pytest.mark.parametrize("tail_width", [0, 4])
def test_generator_upscales_any_size_by_its_scale(scale, tail_width):
    generator = superres_models.build_generator(scale, width=8, blocks=1,
                                                tail_width=tail_width)
    output = generator(np.zeros((2, 7, 9, 3), np.float32))
    assert output.shape == (2, 7 * scale, 9 * scale, 3) and output.dtype == tf.float32
    # A flat input is upscaled by the bilinear base to the same flat image plus the learned
    # detail: with the detail's last conv zeroed, the output is exactly the flat input.
    last = generator.get_layer("full_resolution_conv" if tail_width else "subpixel_conv")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    np.testing.assert_allclose(generator(np.full((1, 5, 6, 3), 0.3, np.float32)), 0.3,
                               atol=1e-6)


@pytest.mark.parametrize("tail_width", [0, 4])
def test_full_resolution_tail_mixes_neighbouring_sub_pixels(tail_width):
    """A change in one low-resolution pixel's sub-pixel channels for one phase reaches only
    that phase's output pixels in the plain tail, and the neighbouring phases too with the
    full-resolution conv."""
    scale = 2
    generator = superres_models.build_generator(scale, width=8, blocks=0,
                                                tail_width=tail_width)
    shuffle_input = generator.get_layer("subpixel_conv").output
    tail = keras.Model(shuffle_input, generator.get_layer("output").input[1])
    channels = shuffle_input.shape[-1]
    poked = np.zeros((1, 4, 4, channels), np.float32)
    poked[0, 1, 1, :channels // scale ** 2] = 1.0     # phase (0, 0) of pixel (1, 1)
    change = np.abs(np.asarray(tail(poked)) - np.asarray(tail(np.zeros_like(poked))))
    reached = np.argwhere(change.max(axis=-1)[0] > 1e-6)
    phases = {(int(i) % scale, int(j) % scale) for i, j in reached}
    assert phases == ({(0, 0)} if not tail_width else
                      {(a, b) for a in range(scale) for b in range(scale)})


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_pixel_shuffle_moves_channels_to_space(factor):
    channels = 3 * factor * factor
    x = np.arange(2 * 4 * 5 * channels, dtype=np.float32).reshape(2, 4, 5, channels)
    y = np.asarray(PixelShuffle(factor)(x))
    assert y.shape == (2, 4 * factor, 5 * factor, 3)
    # Output pixel (i * r + a, j * r + b), channel c comes from input (i, j), channel
    # (a * r + b) * C + c (depth_to_space's DCR order).
    i, j, a, b, c = 3, 2, factor - 1, 1, 2
    assert y[1, i * factor + a, j * factor + b, c] == x[1, i, j, (a * factor + b) * 3 + c]
    assert PixelShuffle(factor).compute_output_shape((None, None, 5, channels)) == (
        None, None, 5 * factor, 3)


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="scale must be one of"):
        superres_models.build_generator(5)


def test_discriminator_gives_patch_logits():
    discriminator = superres_models.build_discriminator((4, 8))
    assert discriminator(np.zeros((2, 32, 48, 3), np.float32)).shape == (2, 8, 12, 1)


# ----------------------------------------------------------------------------- metrics
def test_super_resolution_psnr_matches_a_hand_computation():
    # 7x7 HR, x2: modcrop to 6x6, then 2 border pixels shaved -> the central 2x2 window.
    high = np.zeros((7, 7, 3), np.uint8)
    prediction = np.zeros((6, 6, 3), np.uint8)
    prediction[2, 2] = (255, 0, 0)     # inside the window: Y differs by 65.481
    prediction[0, 5] = (255, 255, 255)  # in the shaved border: ignored
    expected = 10 * np.log10(255.0 ** 2 / (65.481 ** 2 / 4))   # = 17.83 dB
    assert metrics.super_resolution_psnr(high, prediction, 2) == pytest.approx(expected)
    assert expected == pytest.approx(17.8291, abs=1e-4)
    # Y of white is 235 and of black 16 (MATLAB rgb2ycbcr), whatever the crop.
    np.testing.assert_allclose(metrics.rgb_to_y(np.array([[255, 255, 255], [0, 0, 0]])),
                               [235.0, 16.0], atol=1e-9)
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.super_resolution_psnr(high, np.zeros((7, 7, 3), np.uint8), 2)


def test_super_resolution_ssim_uses_the_same_crop():
    rng = np.random.default_rng(0)
    high = rng.integers(0, 256, (41, 43, 3), dtype=np.uint8)
    cropped = metrics.modcrop(high, 4)
    assert cropped.shape == (40, 40, 3)
    assert metrics.super_resolution_ssim(high, cropped, 4) == pytest.approx(1.0)
    noisy = np.clip(cropped + rng.normal(0, 20, cropped.shape), 0, 255).astype(np.uint8)
    assert metrics.super_resolution_ssim(high, noisy, 4) == pytest.approx(
        metrics.image_ssim(cropped, noisy, y_channel=True, border=4))


def test_feature_distance_is_zero_for_identical_images_and_grows_with_blur():
    extractor = features.vgg_features(("block1", "block2"), backbone="hed_vgg16")
    image = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((64, 64)))
    blurred = np.asarray(Image.fromarray(image).resize((16, 16)).resize((64, 64)))
    assert metrics.feature_distance(extractor, image, image) == pytest.approx(0.0, abs=1e-9)
    slightly = np.asarray(Image.fromarray(image).resize((32, 32)).resize((64, 64)))
    far, near = (metrics.feature_distance(extractor, image, other) for other in (blurred, slightly))
    assert far > near > 0
    assert metrics.feature_distance(extractor, blurred, image) == pytest.approx(far, rel=1e-5)


# ----------------------------------------------------------------------------- downscaling
def test_antialiased_bicubic_downscale_matches_pil_and_differs_from_aliased():
    photo = metrics.modcrop(skimage.data.chelsea(), 4)
    ours = degrade.downscale_array(photo, 4)
    assert ours.shape == (photo.shape[0] // 4, photo.shape[1] // 4, 3) and ours.dtype == np.uint8
    pil = degrade.downscale_array(photo, 4, "pil_bicubic")
    aliased = degrade.downscale_array(photo, 4, "tf_bicubic")
    ours_vs_pil = np.abs(ours.astype(int) - pil).mean()
    assert ours_vs_pil < 1.0 < np.abs(ours.astype(int) - aliased).mean()
    # The TF op and the array helper agree, and the op rounds to 8 bits.
    small = degrade.bicubic_downscale(photo / 255.0, 4).numpy()
    np.testing.assert_allclose(small * 255.0, ours, atol=1e-3)
    with pytest.raises(ValueError, match="Unknown resizer"):
        degrade.downscale_array(photo, 4, "lanczos")


# ----------------------------------------------------------------------------- backbone


# ----------------------------------------------------------------------------- end to end
def tiny_config(workdir, **overrides):
    values = dict(workdir=str(workdir), scale=2, steps=3, gan_steps=2, batch_size=2,
                  crop_size=8, gan_crop_size=8, width=8, blocks=1,
                  discriminator_widths=(4, 8), perceptual_stages=("block1",),
                  perceptual_offset_range=4, feature_backbone="hed_vgg16", eval_every=0,
                  eval_crop=48, tile=32, log_every=1, sample_every=0, checkpoint_every=2)
    values.update(overrides)
    return superres.SuperResolutionConfig(**values)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sr") / "run"
    return workdir, superres.run(tiny_config(workdir))


def test_both_stages_train_evaluate_and_export(trained_run):
    workdir, result = trained_run
    scores = result["scores"]
    assert list(scores) == ["bicubic", superres.STAGE_NAMES[1], superres.STAGE_NAMES[2]]
    for values in scores.values():
        assert np.isfinite(values["psnr_y"]) and 0 < values["ssim_y"] <= 1
        assert values["vgg_distance"] >= 0
        assert set(f"psnr_y/{n}" for n in ("astronaut", "chelsea", "coffee")) <= set(values)
    with open(workdir / "summary.json") as f:
        assert json.load(f)["scores"] == json.loads(json.dumps(scores))
    for stage in (1, 2):
        stage_dir = workdir / f"stage{stage}"
        for name in ("generator.keras", "generator.tflite", "generator_float16.tflite",
                     "saved_model", "config.json"):
            assert os.path.exists(stage_dir / name), (stage, name)
    # Stage 1 is L1 only; stage 2 adds the perceptual and adversarial terms and trains D.
    assert os.path.exists(workdir / "comparison.png")
    tensorboard = {stage: tensorboard_tags(workdir / f"stage{stage}" / "tensorboard")
                   for stage in (1, 2)}
    assert "loss/G/l1" in tensorboard[1] and "loss/G/adv" not in tensorboard[1]
    assert {"loss/G/perceptual", "loss/G/adv", "loss/D/adv"} <= tensorboard[2]
    # Stage 2 started from stage 1 and moved away from it.
    stage1, stage2 = (export.load_generator(str(workdir), stage) for stage in (1, 2))
    assert any(np.abs(a - b).max() > 0 for a, b in zip(stage1.get_weights(),
                                                        stage2.get_weights()))
    assert export.generator_path(str(workdir)).endswith(os.path.join("stage2",
                                                                     "generator.keras"))


def test_rerun_resumes_without_training_again(trained_run, capsys):
    workdir, result = trained_run
    again = superres.run(tiny_config(workdir))
    assert "Resumed from" in capsys.readouterr().out
    assert again["scores"][superres.STAGE_NAMES[1]]["psnr_y"] == pytest.approx(
        result["scores"][superres.STAGE_NAMES[1]]["psnr_y"])


def test_gan_fine_tune_of_a_given_model(trained_run, tmp_path):
    # --init_from with --steps=0: stage 1 is the given model as it is; stage 2 tunes it.
    workdir, _ = trained_run
    source = export.generator_path(str(workdir), 1)
    result = superres.run(tiny_config(tmp_path / "tuned", steps=0, gan_steps=1,
                                      init_from=source))
    assert list(result["scores"]) == ["bicubic", *superres.STAGE_NAMES.values()]
    for a, b in zip(export.load_generator(str(tmp_path / "tuned"), 1).get_weights(),
                    export.load_model_file(source).get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_missing_stage_is_a_clear_error(trained_run, tmp_path):
    workdir, _ = trained_run
    with pytest.raises(errors.RunError, match="no trained stage-3 generator"):
        export.load_generator(str(workdir), 3)
    with pytest.raises(errors.RunError, match="does not exist"):
        export.load_generator(str(tmp_path / "nowhere"))


# ----------------------------------------------------------------------------- apply, export
@pytest.fixture(scope="module")
def sr_run_dir(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("sr_apply"))
    keras.utils.set_random_seed(0)
    export.export_generator(superres_models.build_generator(3, width=8, blocks=1), workdir)
    return workdir


def test_apply_upscales_an_odd_sized_greyscale_image(sr_run_dir, tmp_path):
    grey = np.random.default_rng(0).integers(0, 256, (13, 17), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    target = str(tmp_path / "big.png")
    apply.apply_files(sr_run_dir, str(tmp_path / "grey.png"), target, tile=8, margin=8)
    with Image.open(target) as image:
        assert image.mode == "L" and image.size == (17 * 3, 13 * 3)
    rgba = np.random.default_rng(1).integers(0, 256, (9, 11, 4), dtype=np.uint8)
    upscaled = inference.restore_array(export.load_generator(sr_run_dir), rgba, tile=4, margin=8)
    assert upscaled.shape == (27, 33, 4)
    np.testing.assert_array_equal(upscaled[::3, ::3, 3], rgba[..., 3])


def test_tiled_super_resolution_equals_whole_image(sr_run_dir):
    model = export.load_generator(sr_run_dir)
    image = np.random.default_rng(2).integers(0, 256, (30, 41, 3), dtype=np.uint8)
    whole = inference.restore_array(model, image, tile=1024, margin=8)  # one window
    tiled = inference.restore_array(model, image, tile=24, margin=8)    # 8-px input tiles: 4 x 6
    assert whole.shape == tiled.shape == (90, 123, 3)
    # Equal up to rounding to 8 bits: the 8-pixel margin covers the receptive field.
    assert np.abs(whole.astype(int) - tiled).max() <= 1


def tflite_output(path, image):
    interpreter = tf.lite.Interpreter(model_path=path)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, image.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, image)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def test_tflite_exports_match_keras_at_any_size(sr_run_dir, tmp_path):
    """float32 weights: the Keras output; float16 weights: within float16's rounding, in a
    file about half the size."""
    model = export.load_generator(sr_run_dir)
    path = export.export_tflite(model, str(tmp_path))
    half = export.export_tflite(model, str(tmp_path), float16=True)
    assert os.path.basename(half) == export.TFLITE_FLOAT16_FILE
    assert os.path.getsize(half) < 0.7 * os.path.getsize(path)
    for shape in ((1, 10, 14, 3), (2, 7, 5, 3)):
        image = np.random.default_rng(3).uniform(-1, 1, shape).astype(np.float32)
        expected = model(image)
        np.testing.assert_allclose(tflite_output(path, image), expected, atol=1e-4)
        np.testing.assert_allclose(tflite_output(half, image), expected, atol=2e-2)
