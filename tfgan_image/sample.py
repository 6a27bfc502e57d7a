"""Export samples of a trained run's (EMA) generator.

    python -m tfgan_image.sample --workdir=RUN --num=64 --output=samples.png
    python -m tfgan_image.sample --workdir=RUN --num=10000 --output=samples.npy
    python -m tfgan_image.sample --workdir=TEXTURE_RUN --size=1080x1920 --output=texture.png
    python -m tfgan_image.sample --model=mnist_dcgan --num=64 --output=grid.png  # pretrained
    python -m tfgan_image.sample --workdir=CONDITIONAL_RUN --label=7 --num=16 --output=7s.png
    python -m tfgan_image.sample --workdir=CONDITIONAL_RUN --output=classes.png  # per class

``.npy`` holds float32 [N, H, W, C] in [-1, 1]; ``.png`` a grid, or for one texture sample the
image itself at its size (a texture run given ``--size`` makes one sample unless ``--num`` says
otherwise). An existing output file is never replaced unless ``--overwrite``. The generator
is the one the run exported at its last checkpoint (RUN/generator.keras), or a pretrained
model (``--model``). Texture runs (spatial noise in) make images of any ``--size``;
latent-vector GANs have a fixed size. Class-conditional runs make ``--num`` samples of
``--label`` (a class index, or its name from the run's classes.json), or without ``--label``
``--num`` samples (default 8) of every class: a grid with one row per class.
"""

import json
import os
from typing import List, Optional, Union

import numpy as np
from absl import app, flags

from tfgan_image import export
from tfgan_image.errors import RunError
from tfgan_image.evaluation.base import generator_classes

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Run directory of a trained run (or --model).")
flags.DEFINE_string("model", None, "A pretrained model shipped with the package, by name "
                    "(python -m tfgan_image.pretrained lists them), instead of --workdir.")
flags.DEFINE_integer("num", None, "Number of samples (default: 64; 1 for a texture run given "
                    "--size: the one image of that size; per class for a conditional run "
                    "without --label, default 8).", lower_bound=1)
flags.DEFINE_string("label", None, "Class of the samples of a class-conditional run: its "
                    "index or name (classes.json in the run directory).")
flags.DEFINE_string("output", None, "Output file: .npy or .png.", required=True)
flags.DEFINE_integer("seed", 0, "Noise seed.")
flags.DEFINE_integer("batch_size", 500, "Samples per generator call.", lower_bound=1)
flags.DEFINE_string("size", None, "HxW of each sample, for texture runs (e.g. 512x768).")
flags.DEFINE_boolean("overwrite", False, "Replace an existing output file.")

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
           size: Optional[tuple] = None, label: Union[int, str, None] = None) -> np.ndarray:
    """num samples [num, H, W, C] float32 in [-1, 1] from the run's generator; ``size``
    (height, width) for generators of spatial noise (texture runs); ``label`` (index or
    class name) for class-conditional runs, whose samples without one cycle through the
    classes (see ``sample_generator``)."""
    return sample_generator(export.load_generator(workdir), num, seed, batch_size, size,
                            f"--workdir={workdir}", label, class_names(workdir))


def class_names(workdir: str) -> Optional[List[str]]:
    """The class names a conditional run recorded (RUN/classes.json), else None."""
    from tfgan_image.image_gan import CLASSES_FILE

    path = os.path.join(workdir, CLASSES_FILE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def class_index(label: Union[int, str], count: int, names: Optional[List[str]],
                source: str) -> int:
    """A --label value (index or class name) -> the class index; SampleError if unknown."""
    if isinstance(label, str) and names and label in names:
        return names.index(label)
    try:
        index = int(label)
    except ValueError:
        known = f" ({', '.join(names)})" if names else ""
        raise SampleError(f"{source} has no class named {label!r}; use an index 0-{count - 1}"
                          f"{known}.") from None
    if not 0 <= index < count:
        raise SampleError(f"--label {index} is out of range: {source} has {count} classes "
                          f"(0-{count - 1}).")
    return index


def sample_generator(generator, num: int, seed: int = 0, batch_size: int = 500,
                     size: Optional[tuple] = None, source: str = "the model",
                     label: Union[int, str, None] = None,
                     names: Optional[List[str]] = None) -> np.ndarray:
    """``sample`` for a loaded generator; ``source`` names it in messages. A conditional
    generator makes ``num`` samples of ``label``, or without one ``num`` of each class in
    order (class 0's first): [num * classes, H, W, C]."""
    from tfgan_image.evaluation.base import generate

    spatial = len(generator.inputs[0].shape) == 4
    if spatial and generator.inputs[0].shape[-1] == 3:
        raise SampleError(f"{source} is an image-to-image model (restoration, "
                          f"super-resolution or style), which transforms images rather than "
                          f"sampling them: use python -m tfgan_image.apply {source}.")
    classes = generator_classes(generator)
    if label is not None and not classes:
        raise SampleError(f"{source} is not class-conditional: --label needs a run of "
                          f"image_gan --conditional or mnist_conditional.")
    if spatial:
        from tfgan_image.texture_synthesis import generate as generate_texture

        height, width = size or (256, 256)
        return np.concatenate([
            generate_texture(generator, height, width, min(batch_size, num - start),
                             seed + start) for start in range(0, num, batch_size)])
    if size is not None:
        raise SampleError(f"{source} has a fixed-size generator (latent vectors in); --size is "
                          f"for texture runs.")
    if classes:
        labels = (np.full(num, class_index(label, classes, names, source), np.int32)
                  if label is not None else np.repeat(np.arange(classes, dtype=np.int32), num))
        num = len(labels)
    latent_dim = generator.inputs[0].shape[-1]
    latents = np.random.default_rng(seed).standard_normal((num, latent_dim)).astype(np.float32)
    return generate(generator, (latents, labels) if classes else latents, batch_size)


def write_samples(images: np.ndarray, output: str, title: str, one_image: bool,
                  columns: Optional[int] = None,
                  row_labels: Optional[List[str]] = None) -> None:
    """Writes ``images`` [N, H, W, C] in [-1, 1] to ``output`` atomically: .npy as they are,
    .png as the one image (``one_image``) or a titled grid (``columns`` wide, else square;
    ``row_labels`` left of its rows); an ImageFileError (a SampleError) when it cannot."""
    from tfgan_image.image_files import atomic_output

    with atomic_output(output) as tmp:
        if output.lower().endswith(".npy"):
            with open(tmp, "wb") as f:
                np.save(f, images)
        elif one_image:
            from PIL import Image

            from tfgan_image.data.pipeline import from_unit_range
            Image.fromarray(from_unit_range(images[0])).save(tmp)
        else:
            from tfgan_image.runlog import save_image_grid
            save_image_grid(images, tmp, title=title, columns=columns,
                            row_labels=row_labels)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    output = FLAGS.output
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise app.UsageError(f"--output must end in one of {OUTPUT_SUFFIXES}, got {output!r}")
    if os.path.isdir(output) or (os.path.exists(output) and not FLAGS.overwrite):
        raise app.UsageError(f"--output {output} exists; pass --overwrite to replace it.")
    if (FLAGS.workdir is None) == (FLAGS.model is None):
        raise app.UsageError("Name the generator with --workdir=RUN or --model=NAME (one).")
    size = parse_size(FLAGS.size) if FLAGS.size else None
    if FLAGS.model:
        from tfgan_image import pretrained

        generator, names, source = pretrained.load(FLAGS.model), None, f"--model={FLAGS.model}"
    else:
        generator, source = export.load_generator(FLAGS.workdir), f"--workdir={FLAGS.workdir}"
        names = class_names(FLAGS.workdir)
    per_class = generator_classes(generator) and FLAGS.label is None
    num = FLAGS.num or (1 if size else 8 if per_class else 64)
    images = sample_generator(generator, num, FLAGS.seed, FLAGS.batch_size, size, source,
                              FLAGS.label, names)
    title = f"{len(images)} samples of {FLAGS.workdir or FLAGS.model}"
    rows = None
    if per_class:
        rows = names or [str(k) for k in range(generator_classes(generator))]
        title += ", one row per class"
    elif FLAGS.label is not None:
        title += f", class {FLAGS.label}"
    write_samples(images, output, title, one_image=len(images) == 1 and size is not None,
                  columns=num if per_class else None, row_labels=rows)
    print(f"Wrote {len(images)} samples {images.shape[1:]} to {output}")


if __name__ == "__main__":
    from tfgan_image import cli

    cli.run(main)
