"""Apply a trained image-to-image generator (restoration, super-resolution, style transfer)
to image files of any size.

    python -m tfgan_image.apply --workdir=runs/restoration_denoise noisy.png restored.png
    python -m tfgan_image.apply --workdir=runs/restoration_denoise photos/ restored/
    python -m tfgan_image.apply --workdir=runs/superres_x4 --stage=1 small.png large.png
    python -m tfgan_image.apply --model=denoise noisy.png restored.png   # shipped, pretrained

Images are processed in overlapping tiles of ``--tile`` output pixels (``--margin`` input
pixels of context), so memory stays bounded and there are no seams: see
``tfgan_image.inference``.

Files are read and written by ``tfgan_image.image_files``: EXIF orientation applied; colour
(RGB), greyscale (L and 16-bit, processed as neutral RGB and returned as greyscale) and
alpha (LA, RGBA: alpha copied unchanged) kept; inputs never overwritten, existing files only
with ``--overwrite``; unsupported files (animations, float pixels, above ``--max_megapixels``)
refused with the reason, and skipped in a folder.
"""

import os
import sys
from typing import Optional

from tfgan_image import progress
from tfgan_image.export import load_generator
from tfgan_image.image_files import DEFAULT_MAX_MEGAPIXELS
from tfgan_image.inference import (
    INFERENCE_PRECISIONS,
    ApplyError,
    check_mixing,
    restore_array,
    takes_noise_level,
)


# ----------------------------------------------------------------------------- files
def check_image_to_image(model, source: str) -> None:
    """ApplyError unless ``model`` maps RGB images to images (restoration, super-resolution,
    style; a denoiser may read a noise-level map beside them): latent-vector GANs and
    texture generators are sampled, not applied. ``source``:
    the flag that named the model, e.g. "--workdir=RUN"."""
    shape = model.inputs[0].shape
    if len(shape) == 4 and (shape[-1] == 3 or takes_noise_level(model)):
        return
    kind = "a latent-vector GAN" if len(shape) == 2 else "a texture generator (noise in)"
    raise ApplyError(f"{source} is {kind}, which makes images from noise rather than "
                     f"transforming them: use python -m tfgan_image.sample {source}.")


def plan_outputs(input_path: str, output_path: str) -> list:
    """[(input file, output file)] for a file -> file, file -> folder or folder -> folder call
    (a folder's files keep their relative paths and names); ApplyError for a missing input
    or an output folder that is a file or the input folder itself."""
    from tfgan_image.data.sources import DataError, list_image_files

    if os.path.isdir(input_path):
        if os.path.isfile(output_path):
            raise ApplyError(f"Input {input_path} is a folder, so the output must be a folder, "
                             f"but {output_path} is a file.")
        if _same_file(input_path, output_path):
            raise ApplyError(f"Output folder {output_path} is the input folder; the restored "
                             f"images would overwrite the originals. Choose another folder.")
        try:
            files = list_image_files(input_path)
        except DataError as error:
            raise ApplyError(str(error)) from None
        return [(f, os.path.join(output_path, os.path.relpath(f, input_path))) for f in files]
    if os.path.isfile(input_path):
        target = (os.path.join(output_path, os.path.basename(input_path))
                  if os.path.isdir(output_path) else output_path)
        return [(input_path, target)]
    raise ApplyError(f"Input does not exist: {input_path}")


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def output_problem(target: str, inputs: set, overwrite: bool) -> Optional[str]:
    """Why ``target`` must not be written (it is an input, or exists and ``overwrite`` is
    off, or its extension has no writer), or None. ``inputs``: real paths of every input."""
    from tfgan_image import image_files

    if os.path.realpath(target) in inputs:
        return f"output {target} is an input file; refusing to overwrite it"
    try:
        image_files.check_writable(target, "RGB", overwrite)
    except image_files.ImageFileError as error:
        return str(error)
    return None


def apply_files(workdir: str, input_path: str, output_path: str, tile: int = 512,
                margin: Optional[int] = None, model=None, stage: Optional[int] = None,
                overwrite: bool = False, max_megapixels: float = DEFAULT_MAX_MEGAPIXELS,
                model_name: Optional[str] = None, precision: str = "auto",
                noise_level: Optional[float] = None, strength: float = 1.0,
                keep_colours: bool = False) -> list:
    """Restores (or upscales, or stylises) every input image and writes it; returns
    [(input, output path or "skipped: reason")]. The model: ``model``, else the pretrained
    ``model_name``, else the generator of the run ``workdir`` (``stage`` picks the generator
    of a staged run: super-resolution). ``precision``: what the model computes in
    (``inference.INFERENCE_PRECISIONS``; "auto": bfloat16 on CPUs that compute it natively).
    ``noise_level``: a denoiser with a noise-level input removes noise of this std (8-bit
    units) instead of the std it estimates per image. ``strength``, ``keep_colours``: the
    output mixed with the input (``inference.mix_with_input``; models of scale 1).

    Never writes over an input file, nor over an existing file unless ``overwrite``; every
    output is checked before the model runs. In a folder, a file that cannot be read
    (corrupt, too large, animated, float pixels) or written is reported and skipped; a
    single bad input raises ApplyError.
    """
    from tfgan_image import image_files

    pairs = plan_outputs(input_path, output_path)
    inputs = {os.path.realpath(source) for source, _ in pairs}
    report, todo = [], []
    for source, target in pairs:
        problem = output_problem(target, inputs, overwrite)
        if problem is None:
            todo.append((source, target))
        elif len(pairs) == 1:
            raise ApplyError(problem)
        else:
            report.append((source, f"skipped: {problem}"))
    if not todo:
        return report
    if model is None and model_name:
        from tfgan_image import pretrained

        model = pretrained.load(model_name)
    model = model or load_generator(workdir, stage)
    source = f"--model={model_name}" if model_name else f"--workdir={workdir}"
    check_image_to_image(model, source)
    if noise_level is not None and not takes_noise_level(model):
        raise ApplyError(f"{source} takes no --noise_level (only a denoiser trained with a "
                         f"noise-level map does, e.g. --model=denoise).")
    check_mixing(model, strength, keep_colours)
    for source, target in progress.bar(todo, hidden=len(todo) == 1, desc="images", unit="img"):
        try:
            image = image_files.read(source, max_megapixels)
            for text in image.notes:
                image_files.note(text)
            result = restore_array(model, image.pixels, tile, margin, progress=True,
                                   precision=precision, noise_level=noise_level,
                                   strength=strength, keep_colours=keep_colours)
            report.append((source, image_files.write(result, image.mode, target, overwrite)))
        except image_files.ImageFileError as error:
            if len(pairs) == 1:
                raise ApplyError(str(error)) from None
            report.append((source, f"skipped: {error}"))
    return report


def main(argv):
    from absl import app, flags

    flags_ = flags.FLAGS
    if flags_.list_models:
        from tfgan_image import pretrained

        print(pretrained.listing())
        return
    if len(argv) != 3 or (flags_.workdir is None) == (flags_.model is None):
        raise app.UsageError("Usage: python -m tfgan_image.apply --workdir=RUN|--model=NAME "
                             "INPUT OUTPUT (files or folders).")
    if flags_.model:
        from tfgan_image import pretrained

        pretrained.entry(flags_.model)   # an unknown name fails before any file is read
    report = apply_files(flags_.workdir, argv[1], argv[2], flags_.tile, flags_.margin,
                         stage=flags_.stage, overwrite=flags_.overwrite,
                         max_megapixels=flags_.max_megapixels, model_name=flags_.model,
                         precision=flags_.precision, noise_level=flags_.noise_level,
                         strength=flags_.strength, keep_colours=flags_.keep_colours)
    skipped = 0
    for source, outcome in report:
        skipped += outcome.startswith("skipped")
        print(f"{source} -> {outcome}")
    if skipped:
        print(f"{skipped} of {len(report)} file(s) skipped (reasons above).", file=sys.stderr)
        sys.exit(1)


def _define_flags():
    from absl import flags

    flags.DEFINE_string("workdir", None, "Run directory holding generator.keras (or --model).")
    flags.DEFINE_string("model", None, "A pretrained model shipped with the package, by name "
                        "(see --list_models), instead of --workdir.")
    flags.DEFINE_boolean("list_models", False, "List the pretrained models and exit.")
    flags.DEFINE_integer("tile", 512, "Tile size in output pixels (memory ~ tile^2).",
                         lower_bound=16)
    flags.DEFINE_integer("margin", None, "Context input pixels around each tile (default: 64 "
                         "for restoration, 24 for super-resolution; style models: their "
                         "receptive radius, always).", lower_bound=0)
    flags.DEFINE_integer("stage", None, "Super-resolution runs: which stage's generator "
                         "(1: SRResNet, PSNR-oriented; 2: SRGAN). Default: the last trained.",
                         lower_bound=1)
    flags.DEFINE_enum("precision", "auto", INFERENCE_PRECISIONS,
                      "What the model computes in. auto: mixed_bfloat16 on a CPU with AMX / "
                      "AVX512_BF16 (2-3x faster than float32, within 0.02 dB on the "
                      "pretrained models), else the model's own (float32 for --model); own: the "
                      "model's own always (style models always do).")
    flags.DEFINE_float("noise_level", None, "Denoisers with a noise-level input (--model="
                       "denoise): the noise std to remove, in 8-bit units (e.g. 15 light, 50 "
                       "heavy; larger removes more). Default: estimated per image.",
                       lower_bound=0, upper_bound=255)
    flags.DEFINE_float("strength", 1.0, "Models whose output is the input's size (style "
                       "transfer): 1 the model's output, 0 the input, between a blend.",
                       lower_bound=0, upper_bound=1)
    flags.DEFINE_boolean("keep_colours", False, "Models whose output is the input's size "
                         "(style transfer): the output's luminance with the input's colours.")
    flags.DEFINE_boolean("overwrite", False, "Replace existing output files (input files are "
                         "never replaced).")
    flags.DEFINE_float("max_megapixels", DEFAULT_MAX_MEGAPIXELS,
                       "Refuse input images larger than this (protects against decompression "
                       "bombs); raise it for trusted large files.", lower_bound=0)


if __name__ == "__main__":
    from tfgan_image import cli

    _define_flags()
    cli.run(main)
