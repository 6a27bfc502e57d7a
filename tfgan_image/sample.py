"""Export samples of a trained run's (EMA) generator.

    python -m tfgan_image.sample --workdir=RUN --num=64 --output=samples.png
    python -m tfgan_image.sample --workdir=RUN --num=10000 --output=samples.npy
    python -m tfgan_image.sample --workdir=TEXTURE_RUN --size=1080x1920 --output=texture.png

``.npy`` holds float32 [N, H, W, C] in [-1, 1]; ``.png`` a grid, or for one texture sample the
image itself at its size. The generator is the one the run exported at its last checkpoint
(RUN/generator.keras). Texture runs (spatial noise in) make images of any ``--size``;
latent-vector GANs have a fixed size.
"""

import os
from typing import Optional

from absl import app, flags

import numpy as np

from tfgan_image import export
from tfgan_image.export import RunError

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Run directory of a trained run.", required=True)
flags.DEFINE_integer("num", 64, "Number of samples.", lower_bound=1)
flags.DEFINE_string("output", None, "Output file: .npy or .png.", required=True)
flags.DEFINE_integer("seed", 0, "Noise seed.")
flags.DEFINE_integer("batch_size", 500, "Samples per generator call.", lower_bound=1)
flags.DEFINE_string("size", None, "HxW of each sample, for texture runs (e.g. 512x768).")

OUTPUT_SUFFIXES = (".npy", ".png")


SampleError = RunError  # the name this module's callers catch


def parse_size(text: str) -> tuple:
    """'512x768' -> (512, 768) (height, width); SampleError otherwise."""
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SampleError(f"--size must be HxW (e.g. 512x768), got {text!r}") from None
    if height < 1 or width < 1:
        raise SampleError(f"--size needs positive sides, got {text!r}")
    return height, width


def sample(workdir: str, num: int, seed: int = 0, batch_size: int = 500,
           size: Optional[tuple] = None) -> np.ndarray:
    """num samples [num, H, W, C] float32 in [-1, 1] from the run's generator; ``size``
    (height, width) for generators of spatial noise (texture runs)."""
    from tfgan_image.training.loop import generate

    generator = export.load_generator(workdir)
    spatial = len(generator.inputs[0].shape) == 4
    if spatial:
        from tfgan_image.texture_synthesis import generate as generate_texture

        height, width = size or (256, 256)
        return np.concatenate([
            generate_texture(generator, height, width, min(batch_size, num - start),
                             seed + start) for start in range(0, num, batch_size)])
    if size is not None:
        raise SampleError(f"{workdir} has a fixed-size generator (latent vectors in); --size is "
                          f"for texture runs.")
    latent_dim = generator.inputs[0].shape[-1]
    latents = np.random.default_rng(seed).standard_normal((num, latent_dim)).astype(np.float32)
    return generate(generator, latents, batch_size)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    suffix = os.path.splitext(FLAGS.output)[1].lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise app.UsageError(f"--output must end in one of {OUTPUT_SUFFIXES}, got "
                             f"{FLAGS.output!r}")
    try:
        size = parse_size(FLAGS.size) if FLAGS.size else None
        images = sample(FLAGS.workdir, FLAGS.num, FLAGS.seed, FLAGS.batch_size, size)
    except SampleError as error:
        raise app.UsageError(str(error))
    os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
    if suffix == ".npy":
        np.save(FLAGS.output, images)
    elif len(images) == 1 and FLAGS.size:
        from PIL import Image

        from tfgan_image.data.pipeline import from_unit_range
        Image.fromarray(from_unit_range(images[0])).save(FLAGS.output)
    else:
        from tfgan_image.runlog import save_image_grid
        save_image_grid(images, FLAGS.output, title=f"{FLAGS.num} samples of {FLAGS.workdir}")
    print(f"Wrote {len(images)} samples {images.shape[1:]} to {FLAGS.output}")


if __name__ == "__main__":
    app.run(main)
