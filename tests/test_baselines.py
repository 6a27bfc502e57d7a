"""baselines: the classical restorers the cards compare with."""

import numpy as np
import pytest
from conftest import smooth_image

from tfgan_image import baselines, metrics
from tfgan_image.data import degrade


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
