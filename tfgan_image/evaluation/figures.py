"""The comparison figure of the image-to-image evaluators: one row per image, one column per
method, a zoomed window of each output titled with its score on the whole image."""

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from tfgan_image.data import pipeline

Column = Tuple[str, Sequence[np.ndarray]]


def detailed_window(image: np.ndarray, crop: int) -> Tuple[int, int]:
    """Top-left corner of the ``crop`` window of ``image`` [H, W, C] with the most gradient
    energy (a coarse search): where textures and edges show."""
    grey = image.astype(np.float32).mean(-1)
    energy = np.abs(np.diff(grey, axis=0))[:, :-1] + np.abs(np.diff(grey, axis=1))[:-1]
    best, corner = -1.0, (0, 0)
    step = max(crop // 4, 1)
    for top in range(0, max(energy.shape[0] - crop, 0) + 1, step):
        for left in range(0, max(energy.shape[1] - crop, 0) + 1, step):
            value = float(energy[top:top + crop, left:left + crop].sum())
            if value > best:
                best, corner = value, (top, left)
    return corner


def comparison_figure(columns: List[Column], names: Sequence[str], path: str,
                      score: Optional[Callable[[np.ndarray, np.ndarray], float]],
                      unit: str = "dB",
                      crop: int = 160, rows: Optional[int] = None, detailed: bool = False,
                      title: str = "") -> str:
    """Saves inputs | methods | reference (the last column) on a ``crop`` window of the first
    ``rows`` images (the centre, or with ``detailed`` the most detailed window of the
    reference), every panel but the reference's titled with ``score(reference, output)`` on
    the whole image. Returns ``path``."""
    from matplotlib.figure import Figure

    reference = columns[-1][1]
    rows = min(rows or len(reference), len(reference))
    figure = Figure(figsize=(2.6 * len(columns), 2.9 * rows), dpi=100, layout="constrained")
    for row in range(rows):
        top, left = (detailed_window(reference[row], crop) if detailed else (None, None))
        for col, (label, images) in enumerate(columns):
            image = images[row]
            window = (image[top:top + crop, left:left + crop] if detailed
                      else pipeline.centre_crop(image, crop))
            axes = figure.add_subplot(rows, len(columns), row * len(columns) + col + 1)
            axes.imshow(window, interpolation="nearest")
            value = ("" if col == len(columns) - 1 or score is None else
                     f"\n{score(reference[row], image):.2f} {unit}")
            axes.set_title(f"{names[row]}: {label}{value}" if col == 0 else f"{label}{value}",
                           fontsize=8)
            axes.set_axis_off()
    if title:
        figure.suptitle(title, fontsize=9)
    figure.savefig(path)
    return path
