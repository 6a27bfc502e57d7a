"""What a run writes to its directory: config.json, TensorBoard events, PNG grids, metrics.jsonl.

    RUN/config.json          the frozen experiment config (written by ``rundir``)
    RUN/tensorboard/         scalars (losses, img/s, eval metrics) and sample-grid images
    RUN/samples/*.png        fixed-noise sample grids (matplotlib)
    RUN/metrics.jsonl        one JSON object per evaluation: {"step": ..., "<metric>": ...}
    RUN/checkpoints/         see training/checkpoints.py
"""

import json
import math
import os
import time
from typing import Dict, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfgan_image.data.pipeline import from_unit_range


def tile_images(images, columns: Optional[int] = None, padding: int = 1) -> np.ndarray:
    """[N, H, W, C] float in [-1, 1] -> one uint8 mosaic [rows*(H+p)-p, cols*(W+p)-p, C]."""
    images = np.asarray(images, np.float32)
    count, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(count)))
    rows = int(math.ceil(count / columns))
    mosaic = np.full((rows * (height + padding) - padding, columns * (width + padding) - padding,
                      channels), 255, np.uint8)
    pixels = from_unit_range(images)
    for i in range(count):
        r, c = divmod(i, columns)
        mosaic[r * (height + padding):r * (height + padding) + height,
               c * (width + padding):c * (width + padding) + width] = pixels[i]
    return mosaic


def save_image_grid(images, path: str, title: str = "", columns: Optional[int] = None,
                    row_labels: Optional[Sequence[str]] = None) -> str:
    """Writes a PNG grid of images [N, H, W, C] in [-1, 1] (matplotlib, no GUI); returns path.

    ``row_labels``: text left of each row (e.g. class names of a per-class grid)."""
    from matplotlib.figure import Figure

    mosaic = tile_images(images, columns)
    scale = max(1.0, 512.0 / max(mosaic.shape[:2]))  # small digits are drawn larger
    width, height = mosaic.shape[1] * scale / 100, mosaic.shape[0] * scale / 100
    margin = 0.9 if row_labels else 0.0   # inches left of the grid for the row labels
    figure = Figure(figsize=(width + margin, height + 0.3), dpi=100)
    axes = figure.add_axes([margin / (width + margin), 0, width / (width + margin),
                            height / (height + 0.3)])
    if mosaic.shape[-1] == 1:
        axes.imshow(mosaic[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    else:
        axes.imshow(mosaic, interpolation="nearest")
    axes.set_axis_off()
    rows = math.ceil(len(images) / (columns or math.ceil(math.sqrt(len(images)))))
    for row, label in enumerate(list(row_labels or [])[:rows]):
        figure.text(margin / (width + margin) - 0.01,
                    (height * (1 - (row + 0.5) / rows)) / (height + 0.3), label,
                    ha="right", va="center", fontsize=8)
    if title:
        figure.text(0.5, 1.0, title, ha="center", va="top", fontsize=9)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path)
    return path


def print_paths(paths: Dict[str, str]) -> None:
    """The end-of-run list of what a run wrote, and how to view its TensorBoard logs."""
    print("Wrote:")
    for name, path in paths.items():
        print(f"  {name:12s} {path}")
    print(f"View: tensorboard --logdir {paths['tensorboard']}")


class RunLog:
    """Writes one run's logs; safe to reopen on resume (appends, never truncates)."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        os.makedirs(os.path.join(workdir, "samples"), exist_ok=True)
        self.metrics_path = os.path.join(workdir, "metrics.jsonl")
        self.writer = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard"))
        # Sample grids with one row per class (conditional runs) label their rows with these.
        self.grid_row_labels: Optional[Sequence[str]] = None

    def scalars(self, step: int, values: Dict[str, float]) -> None:
        with self.writer.as_default(step=step):
            for name, value in values.items():
                tf.summary.scalar(name, value)

    def evaluation(self, step: int, values: Dict[str, float]) -> None:
        """Eval figures: TensorBoard (under eval/) and one line of metrics.jsonl."""
        self.scalars(step, {f"eval/{k}": v for k, v in values.items()})
        self.writer.flush()
        record = {"step": int(step), "time": time.time(), **{k: float(v)
                                                              for k, v in values.items()}}
        with open(self.metrics_path, "a") as f:
            f.write(json.dumps(record) + "\n")

    def sample_grid(self, step: int, images, name: str = "samples") -> str:
        """A PNG in samples/ and an image in TensorBoard, of images [N, H, W, C] in [-1, 1]."""
        path = os.path.join(self.workdir, "samples", f"{name}_{step:07d}.png")
        rows = self.grid_row_labels
        save_image_grid(images, path, title=f"{name}, step {step}",
                        columns=len(images) // len(rows) if rows else None, row_labels=rows)
        with self.writer.as_default(step=step):
            tf.summary.image(name, tile_images(images)[None], max_outputs=1)
        return path

    def close(self) -> None:
        """Flushes and closes the logs (the run directory's lock is ``rundir``'s)."""
        self.writer.flush()
        self.writer.close()
