"""texture_synthesis: generators of any size, patches, one real training run."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, tensorboard_tags
from PIL import Image

from tfgan_image import (
    export,
    sample,
    texture_synthesis,
)
from tfgan_image.data import pipeline
from tfgan_image.models import texture_synthesis as texture_models


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
