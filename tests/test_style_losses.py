"""style_losses: Gram targets of the style image and its loading."""

import numpy as np
import pytest

from tfgan_image import (
    style_losses,
)
from tfgan_image.data.sources import DataError


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


def test_missing_or_unreadable_style_image_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist: .*nowhere.png"):
        style_losses.load_style_image(str(tmp_path / "nowhere.png"), 64)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="broken.jpg"):
        style_losses.load_style_image(str(tmp_path / "broken.jpg"), 64)
