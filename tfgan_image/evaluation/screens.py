"""Printed halftone screens made independently of the training degradation
(``data.degrade.halftone``), to test a descreening model on screens it never saw.

``clustered_dot_screen`` prints an RGB photo as a press does: each of the cyan, magenta and
yellow inks (1 - R, 1 - G, 1 - B) is a screen of round dots on a square grid at its own angle,
each dot as large as that ink's coverage at the spot, the ink binary (on or off), not blended
with the photo. The page is rendered ``supersample`` times finer and averaged down, as a
scanner's sensor integrates the page. The training screen (``data.degrade.halftone``)
differs in dot shape (cosine dots), in the inks (each channel screened on its own, no
paper-white model), and, unless the restoration config asks for strength 1, in being
blended with the photo.
"""

from typing import Sequence

import numpy as np

INK_ANGLES = (15.0, 75.0, 0.0)   # cyan, magenta, yellow screen angles (degrees), as printed


def dot_threshold(u, v):
    """The round-dot threshold of a screen cell: at cell coordinates (u, v) (in cells, any
    real numbers) the ink coverage above which the spot is inked, in [0, 1). A dot of
    coverage c covers the share c of each cell: round up to c = pi / 4 (touching dots), then
    the corners fill in."""
    a, b = np.mod(u, 1.0) - 0.5, np.mod(v, 1.0) - 0.5
    radius_squared = a * a + b * b                                   # 0 .. 0.5
    round_part = np.pi * radius_squared                              # area inside the radius
    corner_part = np.pi / 4 + (1 - np.pi / 4) * (radius_squared - 0.25) / 0.25
    return np.where(radius_squared <= 0.25, round_part, corner_part)


def clustered_dot_screen(image_uint8: np.ndarray, pitch: float, rotation: float = 0.0,
                         angles: Sequence[float] = INK_ANGLES, supersample: int = 4
                         ) -> np.ndarray:
    """The photo uint8 [H, W, 3] printed with round binary dots every ``pitch`` pixels, the
    three inks' screens at ``angles`` + ``rotation`` degrees, and scanned back: uint8
    [H, W, 3]. A flat colour keeps its mean to within the sampling of the dots."""
    image = np.asarray(image_uint8, np.float64) / 255.0
    height, width, channels = image.shape
    if channels != 3:
        raise ValueError(f"Expected an RGB image [H, W, 3], got shape {image.shape}.")
    s = supersample
    # the centres of the supersampled pixels, in original-pixel units
    y, x = np.meshgrid((np.arange(height * s) + 0.5) / s, (np.arange(width * s) + 0.5) / s,
                       indexing="ij")
    coverage = 1.0 - np.repeat(np.repeat(image, s, 0), s, 1)        # ink amounts, [0, 1]
    printed = np.empty_like(coverage)
    for channel, angle in enumerate(angles):
        theta = np.radians(angle + rotation)
        u = (x * np.cos(theta) + y * np.sin(theta)) / pitch
        v = (-x * np.sin(theta) + y * np.cos(theta)) / pitch
        inked = coverage[..., channel] > dot_threshold(u, v)
        printed[..., channel] = 1.0 - inked
    scanned = printed.reshape(height, s, width, s, 3).mean(axis=(1, 3))
    return np.clip(np.round(scanned * 255.0), 0, 255).astype(np.uint8)
