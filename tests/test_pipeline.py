"""data/pipeline: training batches, patches, crops and pairs."""


import numpy as np
import pytest
import tensorflow as tf
from conftest import smooth_image

from tfgan_image.data import degrade, pipeline, sources


def grey_card(height=64, width=64):
    return np.full((height, width, 3), 0.5, np.float32)


def test_training_batches_shape_and_range():
    splits = sources.embedded_mnist()
    batch = next(iter(pipeline.training_batches(splits.train, 32, seed=0)))
    assert batch.shape == (32, 28, 28, 1)
    assert batch.numpy().min() >= -1.0 and batch.numpy().max() <= 1.0
    with pytest.raises(ValueError, match="larger than the data set"):
        pipeline.training_batches(splits.train[:10], 32, seed=0)


def test_unit_range_round_trip():
    pixels = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)
    back = pipeline.from_unit_range(pipeline.to_unit_range(pixels).numpy())
    assert (back == pixels).all()


def test_overlapping_patches_reach_every_edge():
    photo = np.arange(70 * 90 * 3, dtype=np.int64).reshape(70, 90, 3).astype(np.uint8)
    patches = pipeline.patch_bank([photo, photo[:20], photo[:33]], 32, stride=16)
    # tops 0 19 38 (spare 38: 2 strides), lefts 0 14 29 44 58 (spare 58: 4); 33 rows: top 0
    assert patches.shape == (3 * 5 + 5, 32, 32, 3)
    assert (patches[0] == photo[:32, :32]).all() and (patches[14] == photo[38:, 58:]).all()
    assert (patches[1] == photo[:32, 14:46]).all() and (patches[-1] == photo[:32, 58:]).all()


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


def test_the_pipeline_scales_the_map_like_a_std():
    patches = pipeline.patch_bank([(grey_card(80, 80) * 255).astype(np.uint8)], 32)
    degraded, clean = next(iter(pipeline.restoration_batches(
        patches, 16, 2, degrade.make_noise_level_degrader((30.0, 30.0)), seed=0)))
    assert degraded.shape == (2, 16, 16, 4) and clean.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(degraded[..., 3], 2 * 30.0 / 255, rtol=1e-5)
    assert abs(np.std(degraded[..., :3] - clean) * 127.5 - 30.0) < 3


def test_pair_batches_crop_both_images_at_the_same_place():
    rng = np.random.default_rng(1)
    target = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    both = pipeline.patch_bank([np.concatenate([255 - target, target], -1)], 64)
    inputs, targets = next(iter(pipeline.pair_batches(both, 24, 4, seed=3)))
    assert inputs.shape == targets.shape == (4, 24, 24, 3)
    np.testing.assert_allclose(inputs, -targets, atol=1e-6)   # 255 - x is -x on [-1, 1]
