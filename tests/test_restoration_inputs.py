"""What a restoration model can be given beyond the task's degradation: FFDNet's noise-level
map (the degrader, the pipeline, the U-Net input, the warm start from a blind model, apply's
--noise_level and its estimate, unclipped noise), data from several folders, and a user's own
(input, target) pairs."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_image import restoration
from tfgan_image.apply import apply_files
from tfgan_image.data import degrade, pipeline, sources
from tfgan_image.evaluation.restoration import RestorationEvaluator
from tfgan_image.inference import ApplyError, estimate_noise_level, restore_array, takes_noise_level
from tfgan_image.models import restoration as models
from tfgan_image.training.trainer import GANTrainer

TINY = dict(widths=(4, 8), convs_per_level=1)


def grey_card(height=64, width=64):
    return np.full((height, width, 3), 0.5, np.float32)


def test_the_degrader_appends_the_std_and_leaves_the_noise_unclipped():
    degrader = degrade.make_noise_level_degrader((25.0, 25.0))
    image = np.concatenate([np.zeros((64, 32, 3)), np.ones((64, 32, 3))], 1).astype(np.float32)
    out = degrader(image, [3, 4]).numpy()
    assert out.shape == (64, 64, 4)
    np.testing.assert_allclose(out[..., 3], 25.0 / 255, rtol=1e-6)   # constant map
    assert out[..., :3].min() < 0 and out[..., :3].max() > 1          # unclipped
    assert abs(np.std(out[..., :3] - image) * 255 - 25.0) < 0.8
    clipped = degrade.make_noise_level_degrader((25.0, 25.0), clip=True)(image, [3, 4]).numpy()
    np.testing.assert_array_equal(np.round(clipped[..., :3] * 255), clipped[..., :3] * 255)
    levels = {float(degrade.make_noise_level_degrader((0.0, 75.0))(image, [1, s])[0, 0, 3])
              for s in range(8)}
    assert len(levels) == 8 and all(0 <= v <= 75 / 255 for v in levels)


def test_unclipped_denoising_is_only_for_denoise():
    noisy = degrade.make_degrader("denoise", degrade.DegradeSettings(
        sigma=(40.0, 40.0), poisson_fraction=0.0), clip=False)(
            np.ones((32, 32, 3), np.float32), [0, 1]).numpy()
    assert noisy.max() > 1.05
    with pytest.raises(ValueError, match="Only denoising"):
        degrade.make_degrader("desharpen", clip=False)


def test_the_pipeline_scales_the_map_like_a_std():
    patches = pipeline.patch_bank([(grey_card(80, 80) * 255).astype(np.uint8)], 32)
    degraded, clean = next(iter(pipeline.restoration_batches(
        patches, 16, 2, degrade.make_noise_level_degrader((30.0, 30.0)), seed=0)))
    assert degraded.shape == (2, 16, 16, 4) and clean.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(degraded[..., 3], 2 * 30.0 / 255, rtol=1e-5)
    assert abs(np.std(degraded[..., :3] - clean) * 127.5 - 30.0) < 3


def test_the_unet_reads_the_map_and_outputs_the_image_channels():
    generator = models.build_generator(noise_map=True, **TINY)
    assert takes_noise_level(generator)
    assert not takes_noise_level(models.build_generator(**TINY))
    x = np.random.default_rng(0).uniform(-1, 1, (1, 8, 8, 4)).astype(np.float32)
    assert generator(x).shape == (1, 8, 8, 3)


def test_a_blind_model_warm_starts_a_noise_map_one_exactly():
    """The map's new input weights start at zero: the output ignores the map at first."""
    blind = models.build_generator(**TINY)
    for weight in blind.weights:
        weight.assign(np.random.default_rng(1).normal(0, 0.1, weight.shape))
    generator = models.build_generator(noise_map=True, **TINY)
    trainer = GANTrainer(generator, models.build_discriminator(widths=(4,)),
                         tf.keras.optimizers.Adam(), tf.keras.optimizers.Adam(), None, None,
                         generator_inputs=lambda batch: batch[0],
                         ema_decay=0.9)
    trainer.start_generator_from(blind, "--init_from blind")
    image = np.random.default_rng(2).uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)
    for level in (0.0, 0.4):
        with_map = np.concatenate([image, np.full((1, 8, 8, 1), level, np.float32)], -1)
        np.testing.assert_allclose(generator(with_map), blind(image), atol=1e-6)
    with pytest.raises(ValueError, match="does not fit"):
        trainer.start_generator_from(models.build_generator(widths=(4, 16),
                                                            convs_per_level=1), "other")


def test_the_estimate_finds_the_noise_std():
    rng = np.random.default_rng(0)
    clean = np.tile(np.linspace(40, 200, 256), (256, 1))[..., None].repeat(3, -1)
    for sigma in (10, 30):
        noisy = np.clip(np.round(clean + rng.normal(0, sigma, clean.shape)), 0, 255)
        assert abs(estimate_noise_level(noisy.astype(np.uint8)) - sigma) < 0.1 * sigma
        as_16_bit = (noisy * 257).astype(np.uint16)
        assert abs(estimate_noise_level(as_16_bit, 65535) - sigma) < 0.1 * sigma


def level_sensitive_model():
    """A noise-map U-Net whose output moves with the map, to see which level it was given."""
    generator = models.build_generator(noise_map=True, **TINY)
    for weight in generator.weights:
        weight.assign(np.random.default_rng(3).normal(0, 0.2, weight.shape))
    return generator


def test_restore_array_feeds_the_given_or_estimated_level():
    model = level_sensitive_model()
    noisy = np.random.default_rng(4).normal(128, 20, (24, 24, 3)).clip(0, 255).astype(np.uint8)
    light = restore_array(model, noisy, noise_level=5)
    heavy = restore_array(model, noisy, noise_level=50)
    estimated = restore_array(model, noisy)
    given_estimate = restore_array(model, noisy, noise_level=estimate_noise_level(noisy))
    assert not np.array_equal(light, heavy)
    np.testing.assert_array_equal(estimated, given_estimate)
    with pytest.raises(ApplyError, match="takes no noise level"):
        restore_array(models.build_generator(**TINY), noisy, noise_level=10)
    with pytest.raises(ApplyError, match="between 0 and 255"):
        restore_array(model, noisy, noise_level=300)


def test_apply_files_takes_a_noise_level_and_refuses_it_for_other_models(tmp_path):
    Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(tmp_path / "in.png")
    model = level_sensitive_model()
    [(_, written)] = apply_files(None, str(tmp_path / "in.png"), str(tmp_path / "out.png"),
                                 model=model, noise_level=25)
    assert written.endswith("out.png")
    with pytest.raises(ApplyError, match="takes no --noise_level"):
        apply_files("runs/x", str(tmp_path / "in.png"), str(tmp_path / "b.png"),
                    model=models.build_generator(**TINY), noise_level=25)


def test_the_evaluator_gives_a_noise_map_model_the_true_level():
    clean = [(np.full((16, 16, 3), 100, np.uint8))]
    evaluator = RestorationEvaluator.denoising(clean, ["card"], sigma=25, clip=False)
    assert evaluator.noise_level == 25 and evaluator.degraded[0].dtype == np.float64
    assert evaluator.model_options(level_sensitive_model()) == {"noise_level": 25}
    assert evaluator.model_options(models.build_generator(**TINY)) == {}


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


def test_several_folders_join_each_split_on_its_own(tmp_path):
    for folder, count in (("a", 20), ("b", 10)):
        (tmp_path / folder).mkdir()
        for i in range(count):
            Image.fromarray(np.full((8, 8, 3), i, np.uint8)).save(
                tmp_path / folder / f"{folder}{i:02d}.png")
    joined = sources.load_photos(f"folder:{tmp_path / 'a'},{tmp_path / 'b'}")
    alone = [sources.folder_photos(str(tmp_path / f)) for f in "ab"]
    assert joined.held_out_names == alone[0].held_out_names + alone[1].held_out_names
    assert len(joined.train) == 18 + 9 and len(joined.held_out) == 3
    with pytest.raises(sources.DataError, match="does not exist"):
        sources.load_photos(f"folder:{tmp_path / 'a'},{tmp_path / 'missing'}")


# ----------------------------------------------------------------------------- your own pairs
def write_pairs(folder, count=8, size=(96, 112)):
    """Pairs no built-in degradation makes: the target with a warm colour cast and a blur."""
    from scipy.ndimage import gaussian_filter

    for side in ("input", "target"):
        (folder / side).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        coarse = rng.uniform(0, 255, (size[0] // 8, size[1] // 8, 3))
        target = np.kron(coarse, np.ones((8, 8, 1)))            # blocks: sharp edges
        degraded = gaussian_filter(target, (1.5, 1.5, 0)) * np.array([1.15, 1.0, 0.75])
        Image.fromarray(target.astype(np.uint8)).save(folder / "target" / f"p{i}.png")
        Image.fromarray(np.clip(degraded, 0, 255).astype(np.uint8)).save(
            folder / "input" / f"p{i}.jpg", quality=95)


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


def test_pairs_errors_name_the_files(tmp_path):
    write_pairs(tmp_path / "pairs", count=3)
    (tmp_path / "pairs" / "input" / "stray.png").write_bytes(
        (tmp_path / "pairs" / "input" / "p0.jpg").read_bytes())
    with pytest.raises(sources.DataError, match="without a partner.*stray.png"):
        sources.pair_folder(str(tmp_path / "pairs"))
    (tmp_path / "pairs" / "input" / "stray.png").unlink()
    Image.fromarray(np.zeros((50, 60, 3), np.uint8)).save(tmp_path / "pairs" / "target" / "p1.png")
    with pytest.raises(sources.DataError, match="p1 is 112x96 in input/ but 60x50 in target/"):
        sources.pair_folder(str(tmp_path / "pairs"))
    with pytest.raises(sources.DataError, match="needs the folders input/ and target/"):
        sources.pair_folder(str(tmp_path))


def test_pair_batches_crop_both_images_at_the_same_place():
    rng = np.random.default_rng(1)
    target = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    both = pipeline.patch_bank([np.concatenate([255 - target, target], -1)], 64)
    inputs, targets = next(iter(pipeline.pair_batches(both, 24, 4, seed=3)))
    assert inputs.shape == targets.shape == (4, 24, 24, 3)
    np.testing.assert_allclose(inputs, -targets, atol=1e-6)   # 255 - x is -x on [-1, 1]
