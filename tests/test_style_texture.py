"""Style transfer and texture synthesis: Gram matrices, instance norm, the transformer and the
spatial GAN, one real train step of each experiment, textures of any size, clear errors."""

import dataclasses
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import REPO_ROOT, tensorboard_tags
from PIL import Image

from tfgan_image import (
    export,
    inference,
    layers,
    losses,
    sample,
    style_losses,
    style_transfer,
    texture_synthesis,
)
from tfgan_image.data import pipeline
from tfgan_image.data.sources import DataError
from tfgan_image.layers import InstanceNormalization, ReflectionPadding2D
from tfgan_image.models import style_transfer as style_models
from tfgan_image.models import texture_synthesis as texture_models


# ----------------------------------------------------------------------------- losses, layers
def test_gram_matrix_matches_a_hand_computation():
    # One image, 2x1 positions, 2 channels: F = [[1, 2], [3, 4]] (rows: positions).
    features = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]], np.float32)   # [1, 2, 1, 2]
    # F^T F = [[1*1 + 3*3, 1*2 + 3*4], [.., 2*2 + 4*4]] = [[10, 14], [14, 20]]; / 2 positions.
    np.testing.assert_allclose(losses.gram_matrix(features), [[[5.0, 7.0], [7.0, 10.0]]])
    # The style loss of a map against its own Gram matrix is 0, and against zeros the mean
    # of the squared entries: (25 + 49 + 49 + 100) / 4.
    assert float(losses.style_loss([losses.gram_matrix(features)], [features])) == 0.0
    assert float(losses.style_loss([np.zeros((2, 2), np.float32)], [features])) == pytest.approx(
        223 / 4)


def test_gram_distance_separates_pattern_from_contrast():
    target = np.array([[4.0, 2.0], [2.0, 2.0]], np.float32)   # root mean square: sqrt(7)
    grams = np.stack([target, 4 * target, np.array([[2.0, 4.0], [4.0, 2.0]], np.float32)])
    distance = np.asarray(losses.gram_distance(grams, target))
    # The same pattern at four times the Gram scale (twice the feature contrast): only the
    # scale term, (log 4)^2 = 1.92, where the relative squared error would be (4 - 1)^2 = 9.
    np.testing.assert_allclose(distance[:2], [0.0, np.log(4.0) ** 2], atol=1e-6)
    # Same root mean square (sqrt(10) vs sqrt(7) -> also a scale term), different pattern:
    # shape = mean((G / sqrt(10) - T / sqrt(7))^2) over the four entries.
    expected_shape = np.mean((grams[2] / np.sqrt(10) - target / np.sqrt(7)) ** 2)
    expected_scale = np.log(np.sqrt(10) / np.sqrt(7)) ** 2
    assert distance[2] == pytest.approx(expected_shape + expected_scale, rel=1e-5)
    # Near the target it is the relative squared error to second order.
    near = target * 1.01 + np.array([[0.0, 0.01], [0.01, 0.0]], np.float32)
    relative = np.mean((near - target) ** 2) / np.mean(target ** 2)
    assert float(losses.gram_distance(near[None], target)[0]) == pytest.approx(relative,
                                                                                 rel=0.05)


def test_total_variation_of_a_ramp():
    ramp = np.tile(np.arange(4, dtype=np.float32)[None, :, None], (3, 1, 1))[None]  # [1,3,4,1]
    # Horizontal neighbours differ by 1, vertical ones by 0.
    assert float(losses.total_variation_loss(ramp)) == pytest.approx(1.0)


def test_instance_norm_normalises_each_image_and_channel_on_its_own():
    rng = np.random.default_rng(0)
    x = rng.normal([[[[3.0, -2.0]]]], [[[[5.0, 0.5]]]], (2, 8, 6, 2)).astype(np.float32)
    x[1] *= 10.0   # another image's scale must not leak into the first one's output
    layer = InstanceNormalization()
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-3)
    # Same as Keras' group normalisation with one group per channel, and the same in
    # training and inference (no moving statistics).
    reference = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
    np.testing.assert_allclose(y, reference(x), atol=1e-4)
    np.testing.assert_allclose(layer(x, training=True), y)
    layer.gamma.assign([2.0, 1.0])
    layer.beta.assign([0.0, 5.0])
    np.testing.assert_allclose(np.asarray(layer(x))[..., 1].mean(), 5.0, atol=1e-4)


def test_instance_norm_fused_and_moments_paths_agree_in_value_and_gradient():
    # A batch size known when traced takes the fused per-image kernel; an unknown one the
    # moments path. Both must compute the same function.
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(2.0, 3.0, (3, 10, 7, 4)).astype(np.float32))
    weights = tf.constant(rng.normal(size=(3, 10, 7, 4)).astype(np.float32))
    layer = InstanceNormalization()
    layer.build(x.shape)
    layer.gamma.assign([0.5, 1.0, 2.0, -1.0])
    layer.beta.assign([0.0, 1.0, -1.0, 3.0])

    def value_and_gradients(images):
        with tf.GradientTape() as tape:
            tape.watch(images)
            loss = tf.reduce_sum(layer(images) * weights)
        return [loss] + tape.gradient(loss, [images, layer.gamma, layer.beta])

    fused = tf.function(value_and_gradients)(x)
    unknown_batch = tf.TensorSpec([None, None, None, 4], tf.float32)
    moments = tf.function(value_and_gradients, input_signature=[unknown_batch])(x)
    for a, b in zip(fused, moments):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_reflection_padding_mirrors_without_repeating_the_edge():
    x = np.arange(3, dtype=np.float32).reshape(1, 1, 3, 1) * np.ones((1, 3, 1, 1), np.float32)
    padded = np.asarray(ReflectionPadding2D(2)(x))
    assert padded.shape == (1, 7, 7, 1)
    np.testing.assert_array_equal(padded[0, 3, :, 0], [2, 1, 0, 1, 2, 1, 0])


def test_untrained_transformer_is_the_identity_at_any_multiple_of_4_size():
    network = style_models.build_transformer(width=4, residual_blocks=1)
    content = np.random.default_rng(0).uniform(-1, 1, (2, 20, 36, 3)).astype(np.float32)
    output = network(content)
    assert output.shape == (2, 20, 36, 3) and output.dtype == tf.float32
    # The restyling is a residual on the content photo that starts at zero.
    np.testing.assert_array_equal(output, content)


def test_transformer_without_the_photo_shortcut_makes_the_image_itself():
    keras.utils.set_random_seed(0)
    network = style_models.build_transformer(width=4, residual_blocks=1, photo_shortcut=False)
    content = np.random.default_rng(0).uniform(-1, 1, (2, 20, 36, 3)).astype(np.float32)
    output = np.asarray(network(content))
    assert output.shape == (2, 20, 36, 3) and output.dtype == np.float32
    # Johnson et al.'s tanh ending: inside (-1, 1), and nothing of the photo passed through.
    assert np.abs(output).max() < 1.0
    assert np.abs(output - content).mean() > 0.1
    assert "colour_map" not in [layer.name for layer in network.layers]
    assert inference.receptive_radius(network) == inference.receptive_radius(
        style_models.build_transformer(width=4, residual_blocks=1))


def test_content_crops_come_from_photos_smaller_than_twice_the_crop():
    rng = np.random.default_rng(0)
    photos = [rng.integers(0, 256, (40, 60, 3), dtype=np.uint8) for _ in range(3)]
    content, style = next(iter(style_transfer.training_batches(
        photos, rng.integers(0, 256, (48, 48, 3), dtype=np.uint8), 32, 2, seed=0)))
    assert content.shape == (2, 32, 32, 3) and style.shape == (2, 32, 32, 3)
    pixels = {tuple(p) for photo in photos for p in photo.reshape(-1, 3)}
    crop = np.round((content.numpy()[0] + 1.0) * 127.5).astype(int).reshape(-1, 3)
    assert all(tuple(p) in pixels for p in crop[:50])


def test_colour_transfer_gives_every_image_the_target_colour_statistics():
    rng = np.random.default_rng(0)
    mixing = np.array([[0.5, 0.2, 0.0], [0.0, 0.4, 0.1], [0.1, 0.0, 0.3]], np.float32)
    target = rng.uniform(-1, 1, (30, 40, 3)).astype(np.float32) @ mixing + [0.2, -0.1, 0.0]
    transfer = layers.ColourStatisticsTransfer()
    transfer.set_target(target)
    photos = rng.uniform(-1, 1, (2, 16, 24, 3)).astype(np.float32) * [1.0, 0.3, 0.6]
    target_mean, target_covariance = layers.colour_moments(target)
    for recoloured in np.asarray(transfer(photos)):
        mean, covariance = layers.colour_moments(recoloured)
        np.testing.assert_allclose(mean, target_mean, atol=1e-5)
        np.testing.assert_allclose(covariance, target_covariance, atol=1e-5)
    # Each image on its own statistics; moments given from outside (apply's tiles) are used
    # as the image's own would be.
    own = np.asarray(transfer(photos[:1]))
    np.testing.assert_allclose(own[0], transfer(photos)[0], atol=1e-5)
    transfer.fixed_moments = layers.colour_moments(photos[0])
    np.testing.assert_allclose(transfer(photos[:1]), own, atol=1e-5)
    transfer.fixed_moments = layers.colour_moments(0.5 * photos[0])   # half the contrast
    assert np.abs(np.asarray(transfer(photos[:1])) - own).max() > 0.1
    transfer.fixed_moments = None
    # A greyscale photo has no colour variance across channels: the floor keeps it finite
    # and its brightness order (the mapping is linear and monotone along the grey axis).
    grey = np.repeat(np.linspace(-1, 1, 64, dtype=np.float32).reshape(1, 8, 8, 1), 3, -1)
    recoloured = np.asarray(transfer(grey))[0].reshape(-1, 3)
    assert np.isfinite(recoloured).all()
    luminance = recoloured @ [0.299, 0.587, 0.114]
    assert (np.diff(luminance) > 0).all()


def test_untrained_transformer_with_colour_transfer_restyles_only_the_colours():
    rng = np.random.default_rng(1)
    style_pixels = rng.uniform(-1, 0.5, (24, 24, 3)).astype(np.float32)
    network = style_models.build_transformer(width=4, residual_blocks=1, colour_target=style_pixels)
    content = rng.uniform(-1, 1, (1, 20, 28, 3)).astype(np.float32)
    np.testing.assert_allclose(network(content),
                               network.get_layer("colour_transfer")(content), atol=1e-6)


def test_a_style_network_in_tiles_gives_what_one_whole_image_pass_gives():
    # Instance norm and the colour transfer make every output pixel depend on whole-image
    # statistics: tiles normalised on their own leave seams, so tiles must use the whole
    # image's statistics.
    keras.utils.set_random_seed(0)
    network = style_models.build_transformer(
        width=4, residual_blocks=1,
        colour_target=np.random.default_rng(1).uniform(-1, 0.5, (24, 24, 3)))
    out_conv = network.get_layer("out_conv")
    out_conv.kernel.assign(tf.random.normal(out_conv.kernel.shape, stddev=0.3))
    image = np.random.default_rng(0).integers(0, 256, (90, 250, 3), dtype=np.uint8)
    whole = np.asarray(network(image[None, :88, :248].astype(np.float32) / 127.5 - 1.0))[0]
    whole = np.round(np.clip((whole + 1.0) * 127.5, 0, 255)).astype(np.uint8)
    assert inference.uses_image_statistics(network)
    assert np.abs(inference.restore_array(network, image[:88, :248]).astype(int)
                  - whole).max() <= 1   # fits one 512 px tile: one pass
    tiled = inference.restore_array(network, image[:88, :248], tile=64)   # 2 x 4 tiles
    assert np.abs(tiled.astype(int) - whole).max() <= 1
    # Tiles normalised with their own statistics differ; the layers are reset afterwards.
    own = inference.tiled_apply(lambda w: network(w[None] / 127.5 - 1.0)[0].numpy(),
                            image[:88, :248].astype(np.float32), 64,
                            inference.receptive_radius(network), 4, mirror=False)
    assert np.abs(np.round(np.clip((own + 1.0) * 127.5, 0, 255)) - whole).max() > 10
    assert all(layer.fixed_moments is None for layer in inference.image_statistics_layers(network))
    # Sizes that are not multiples of the network's stride, and greyscale.
    odd = inference.restore_array(network, image, tile=64)
    assert odd.shape == image.shape
    assert inference.restore_array(network, image[..., 0], tile=64).shape == image.shape[:2]


def test_receptive_radius_of_the_style_transformer():
    # 9x9 in (4) + two stride-2 3x3 (1 + 2) + 2 convs per block at 1/4 (4 each)
    # + two resize-convs (rounding 4 + 2 at 1/2, 2 + 1 at full) + 9x9 out (4).
    network = style_models.build_transformer(width=4, residual_blocks=2)
    assert inference.receptive_radius(network) == 4 + 3 + 2 * 2 * 4 + 6 + 3 + 4


def test_orientation_free_style_target_ignores_flips_and_rotations():
    image = np.random.default_rng(0).integers(0, 256, (32, 40, 3), dtype=np.uint8)
    variants = style_losses.dihedral_variants(image)
    assert len(variants) == 8 and (variants[0] == image).all()
    assert len({v.tobytes() + bytes(v.shape) for v in variants}) == 8
    targets = [style_losses.StyleLosses(v, "block2", ("block1", "block2"), (1, 1, 0),
                                          "hed_vgg16", orientation_free=True).style_grams
               for v in (image, np.rot90(image), image[::-1])]
    for other in targets[1:]:
        for gram, other_gram in zip(targets[0], other):
            np.testing.assert_allclose(other_gram, gram, rtol=1e-4, atol=1e-4)
    # Without it the target does depend on the orientation.
    plain = [style_losses.StyleLosses(v, "block2", ("block1",), (1, 1, 0),
                                        "hed_vgg16").style_grams[0]
             for v in (image, np.rot90(image))]
    assert np.abs(plain[0] - plain[1]).max() > 1e-3


def test_losses_see_one_window_of_content_and_output_at_a_random_offset():
    height = width = 12
    content = tf.reshape(tf.range(height * width, dtype=tf.float32), [1, height, width, 1])
    output = content + 1000.0
    tf.random.set_seed(0)
    offsets = set()
    for _ in range(200):
        a, b = losses.crop_at_random_offset((content, output), 4)
        assert a.shape == b.shape == (1, 8, 8, 1)
        np.testing.assert_array_equal(b - a, 1000.0)   # the same window of both
        offsets.add(divmod(int(a[0, 0, 0, 0]), width))
    assert offsets == {(y, x) for y in range(4) for x in range(4)}
    same = losses.crop_at_random_offset((content, output), 0)
    assert same[0] is content and same[1] is output


@pytest.mark.parametrize("height,width", [(1, 1), (37, 50), (64, 200)])
def test_texture_generator_makes_any_requested_size(height, width):
    generator = texture_models.build_generator(noise_channels=4, widths=(8, 4))
    assert texture_models.output_scale((8, 4)) == 8
    images = texture_synthesis.generate(generator, height, width, count=2, seed=1)
    assert images.shape == (2, height, width, 3)
    # Seeded: the same seed gives the same texture.
    np.testing.assert_array_equal(texture_synthesis.generate(generator, height, width, 2, 1),
                                  images)


@pytest.mark.parametrize("upsampling", texture_models.UPSAMPLING)
def test_texture_generator_noise_enters_every_scale_locally(upsampling):
    generator = texture_models.build_generator(noise_channels=4, widths=(8, 4),
                                               upsampling=upsampling,
                                               output_upsampling=upsampling)
    assert generator.inputs[0].shape[-1] == texture_models.input_channels(4, (8, 4)) == 4 + 4 + 16
    for layer in generator.layers:   # the per-scale noise starts switched off (zero scales)
        if layer.name.startswith("noise") and layer.name.endswith("_scale"):
            layer.set_weights([np.ones_like(w) for w in layer.get_weights()])
    noise = texture_synthesis.spatial_noise((1, 8, 8, 24), seed=0)
    changed = noise.copy()
    changed[0, 4, 4, 8:] += 3.0   # the finest noise map (x4) at noise position (4, 4) only
    difference = np.abs(generator(changed, training=False) - generator(noise, training=False))
    rows, cols = np.nonzero(difference[0].max(axis=-1) > 1e-6)
    # Output pixels of position (4, 4): 32..39; the convs after the x4 map reach a few
    # pixels beyond, nothing further.
    assert rows.size and rows.min() >= 28 and rows.max() <= 43
    assert cols.min() >= 28 and cols.max() <= 43


@pytest.mark.parametrize("stride,seam", [(16, 6), (8, 8), (6, 1)])
def test_seam_windows_placed_stride_apart_sum_to_one(stride, seam):
    window = layers.seam_window(stride, seam)
    assert window.shape == (2 * stride, 2 * stride)
    # Four overlapping windows (2x2 grid, stride apart) cover a stride x stride cell.
    cell = sum(window[dy:dy + stride, dx:dx + stride] for dy in (0, stride)
               for dx in (0, stride))
    np.testing.assert_allclose(cell, 1.0, atol=1e-6)
    # 1 on the flat part (none when the seam is the whole stride), ~0 at the corners.
    flat = slice((stride + seam) // 2, (3 * stride - seam) // 2 + seam % 2)
    np.testing.assert_allclose(window[flat, flat], 1.0)
    assert window[0, 0] < 1e-3
    with pytest.raises(ValueError, match="seam"):
        layers.seam_window(stride, stride + 1)


def test_patch_dictionary_places_the_chosen_atom_on_its_cell():
    stride, seam, atoms = 8, 2, 3
    layer = layers.PatchDictionary(atoms, stride, seam, temperature=0.0)
    codes = np.arange(atoms * (2 * stride) ** 2 * 3, dtype=np.float32).reshape(
        atoms, 2 * stride, 2 * stride, 3)
    layer.build([(None, None, None, atoms)] * 2)
    layer.atoms.assign(codes)
    choice = np.array([[0, 2, 1], [1, 1, 0]])                     # atom per position, 2x3
    logits = 100.0 * np.eye(atoms, dtype=np.float32)[choice][None]   # one-hot softmax
    out = np.asarray(layer([logits, np.zeros_like(logits)]))
    assert out.shape == (1, 2 * stride, 3 * stride, 3)
    # Away from the seams, cell (i, j) is the middle of its atom: atom pixel a lands on
    # output pixel i * stride - stride / 2 + a.
    inner = seam // 2
    for i in range(2):
        for j in range(3):
            cell = out[0, i * stride + inner:(i + 1) * stride - inner,
                       j * stride + inner:(j + 1) * stride - inner]
            core = slice(stride // 2 + inner, stride // 2 + stride - inner)
            np.testing.assert_allclose(cell, codes[choice[i, j], core, core], rtol=1e-6)
    # With zero logits, the selection noise alone decides (temperature > 0).
    random_layer = layers.PatchDictionary(atoms, stride, seam, temperature=50.0)
    random_layer.build([(None, None, None, atoms)] * 2)
    random_layer.atoms.assign(codes)
    noise = np.zeros((1, 1, 1, atoms), np.float32)
    noise[..., 2] = 1.0
    picked = np.asarray(random_layer([np.zeros_like(noise), noise]))[0, inner:-inner,
                                                                      inner:-inner]
    np.testing.assert_allclose(picked, codes[2, stride // 2 + inner:stride // 2 + stride - inner,
                                             stride // 2 + inner:stride // 2 + stride - inner],
                               rtol=1e-4)


def test_patch_generator_starts_from_crops_of_the_source_and_makes_any_size():
    source = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    generator = texture_models.build_patch_generator(noise_channels=4, widths=(8,), patches=5,
                                              stride=6, seam=2)
    assert generator.inputs[0].shape[-1] == texture_models.patch_input_channels(4, 5) == 9
    texture_models.init_patch_dictionary(generator, source, seed=0)
    atoms = generator.get_layer("patch_dictionary").atoms.numpy()
    for atom in np.round((atoms + 1.0) * 127.5).astype(np.uint8):
        assert any((source[y:y + 12, x:x + 12] == atom).all()
                   for y in range(19) for x in range(29))
    images = texture_synthesis.generate(generator, 37, 50, count=2, seed=1)
    assert images.shape == (2, 37, 50, 3)
    with pytest.raises(ValueError, match="smaller than one patch"):
        texture_models.init_patch_dictionary(generator, source[:10], seed=0)


def test_shuffled_patches_and_random_crops_come_from_the_source():
    source = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    shuffled = texture_synthesis.shuffled_patches(source, 24, 8, seed=0)
    assert shuffled.shape == (24, 24, 3)
    tile = shuffled[:8, :8]
    assert any((source[y:y + 8, x:x + 8] == tile).all()
               for y in range(33) for x in range(43))
    crops = pipeline.random_crops(source, 16, 3, seed=0)
    assert crops.shape == (3, 16, 16, 3)


# ----------------------------------------------------------------------------- errors
def test_missing_or_unreadable_style_image_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist: .*nowhere.png"):
        style_losses.load_style_image(str(tmp_path / "nowhere.png"), 64)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="broken.jpg"):
        style_losses.load_style_image(str(tmp_path / "broken.jpg"), 64)


@pytest.mark.slow
def test_style_cli_refuses_a_missing_style_image(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tfgan_image.experiments.style_transfer",
                          f"--workdir={tmp_path / 'run'}", "--style_image=/nowhere/style.png"],
                         capture_output=True, text=True, cwd=REPO_ROOT)
    assert out.returncode != 0
    assert "Image file does not exist: /nowhere/style.png" in out.stderr
    assert "Traceback" not in out.stderr


# ----------------------------------------------------------------------------- end to end
def test_style_transfer_trains_and_compares_with_the_baseline(tmp_path):
    style_file = tmp_path / "style.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
                    ).save(style_file)
    config = style_transfer.StyleTransferConfig(
        workdir=str(tmp_path / "run"), style_image=str(style_file), steps=2, batch_size=2,
        crop_size=16, loss_offset_range=4, style_size=32, width=4, residual_blocks=1,
        style_stages=("block1", "block2"), content_stage="block2", adversarial_weight=0.1,
        discriminator_widths=(4, 8), eval_size=32, optimize_steps=2, eval_every=0,
        sample_every=0, log_every=1, feature_backbone="hed_vgg16")
    result = style_transfer.run(config)
    scores = result["scores"]
    assert list(scores) == [style_transfer.NETWORK, style_transfer.BASELINE,
                            style_transfer.RECOLOURED_BASELINE]
    # The baseline from the recoloured photo starts nearer the style's colours.
    assert (scores[style_transfer.RECOLOURED_BASELINE]["style_loss_by_step"][0]
            < scores[style_transfer.BASELINE]["style_loss_by_step"][0])
    for values in scores.values():
        assert values["content_loss"] >= 0 and values["style_loss"] >= 0
        assert values["seconds_per_512px"] > 0
    assert os.path.exists(result["paths"]["comparison"])
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


@pytest.mark.slow
@pytest.mark.parametrize("generator", texture_synthesis.GENERATORS)
def test_texture_synthesis_trains_evaluates_and_samples_any_size(tmp_path, generator):
    texture_file = tmp_path / "texture.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
                    ).save(texture_file)
    config = texture_synthesis.TextureConfig(
        workdir=str(tmp_path / "run"), texture=str(texture_file), texture_size=48, steps=2,
        generator=generator, patches=8, patch_stride=8, seam=2,
        batch_size=2, noise_size=2, noise_channels=4, generator_widths=(8, 4),
        discriminator_widths=(4, 8), style_weight=1.0, eval_every=0, eval_samples=2,
        eval_size=32, shuffle_tile=8, sample_every=0, log_every=1,
        feature_backbone="hed_vgg16")
    result = texture_synthesis.run(config)
    distances = result["gram_distance"]
    assert list(distances) == ["source crops (floor)", "shuffled patches",
                               "untrained generator", "spatial GAN"]
    assert all(value >= 0 for value in distances.values())
    if generator == "patches":   # trained: the edits moved; the atoms are still source crops
        layer = export.load_generator(str(tmp_path / "run")).get_layer("patch_dictionary")
        assert np.abs(layer.edits.numpy()).max() > 0
        source = np.asarray(Image.open(texture_file))
        for atom in np.round((layer.atoms.numpy() + 1.0) * 127.5).astype(np.uint8):
            assert any((source[y:y + 16, x:x + 16] == atom).all()
                       for y in range(33) for x in range(49))
    # G's loss had both terms: adversarial and the Gram distance to the source.
    assert {"loss/G/adv", "loss/G/style", "loss/D/adv"} <= tensorboard_tags(
        tmp_path / "run" / "tensorboard")
    with Image.open(result["paths"]["sample_4x"]) as image:
        assert image.size == (4 * 64, 4 * 48)
    assert os.path.exists(result["paths"]["source_vs_generated"])
    images = sample.sample(str(tmp_path / "run"), num=2, size=(33, 70))
    assert images.shape == (2, 33, 70, 3)
    out = subprocess.run([sys.executable, "-m", "tfgan_image.sample",
                          f"--workdir={tmp_path / 'run'}", "--num=1", "--size=40x90",
                          f"--output={tmp_path / 'big.png'}"],
                         capture_output=True, text=True, cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    with Image.open(tmp_path / "big.png") as image:
        assert image.size == (90, 40)
    with pytest.raises(sample.SampleError, match="HxW"):
        sample.parse_size("40 by 90")
