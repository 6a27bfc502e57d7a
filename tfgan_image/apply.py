"""Apply a trained image-to-image generator (restoration, super-resolution) to image files
of any size.

    python -m tfgan_image.apply --workdir=runs/restore_denoise noisy.png restored.png
    python -m tfgan_image.apply --workdir=runs/restore_denoise photos/ restored/
    python -m tfgan_image.apply --workdir=runs/srgan_x4 --stage=1 small.png large.png

Images are processed in overlapping tiles of ``--tile`` output pixels, so memory stays bounded
on large photos: each tile is extended by ``--margin`` input pixels of real context on every
side and only its centre is kept, so the result matches whole-image inference to within the
network's receptive field, with no seams. The default margin covers the receptive field of the
library's models (64 px for the restoration U-Net; 24 px for super-resolution, whose radius is
20 input pixels); tiling is then exact. Measured (experiments/results_superres.py): x4
super-resolution of a 1000x750 photo to 4000x3000 in 41 s with a 1.16 GB peak; a 512 px
*input* tile peaked at 5 GB (oneDNN's conv workspace grows with the tile area).

Models with instance normalisation (style transfer) are the exception: their output depends
on statistics of the whole image, so tiles would show seams (a 640x427 photo in two tiles had
a visible step in the sky). They run on the whole image in one pass up to
INSTANCE_NORM_WHOLE_PIXELS (4 megapixels; measured by hand with /usr/bin/time on the default
style network: 7.2 GB peak for 2400x1600, 20.8 GB for 4000x3000, most of it oneDNN's
workspace for the 9x9 convs), and in tiles of that size beyond, with a warning. Exact tiling
would need the whole image's normalisation statistics gathered first, one pass per
normalisation layer: not done yet.

Colour (RGB), greyscale (L, processed as neutral RGB and returned as L) and RGBA (alpha copied
unchanged) files are supported; 16-bit greyscale is read as 8 bits.
"""

import os
import sys
from typing import Callable, Optional

import numpy as np

from tfgan_image.export import RunError, load_generator

INSTANCE_NORM_WHOLE_PIXELS = 4_000_000


class ApplyError(RunError):
    """A refusal of the apply CLI: the message says what is wrong and with which file."""


def model_stride(model) -> int:
    """The factor input sizes must be multiples of: the product of its conv strides."""
    import keras

    stride = 1
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(
                layer, keras.layers.Conv2DTranspose):
            stride *= int(layer.strides[0])
    return stride


def uses_instance_norm(model) -> bool:
    """Whether ``model`` (or a model nested in it) has an InstanceNormalization layer."""
    import keras

    from tfgan_image.layers import InstanceNormalization

    return any(isinstance(layer, InstanceNormalization) or
               (isinstance(layer, keras.Model) and uses_instance_norm(layer))
               for layer in model.layers)


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def model_scale(model, stride: int = 1) -> int:
    """Output size / input size of an image-to-image model (1 for restoration, the upscaling
    factor for super-resolution), found by running it once on a small input."""
    size = 4 * stride
    output = model(np.zeros((1, size, size, model.inputs[0].shape[-1]), np.float32),
                   training=False)
    return int(output.shape[1]) // size


def tiled_apply(fn: Callable, image: np.ndarray, tile: int = 512, margin: int = 64,
                multiple: int = 1, scale: int = 1, progress: bool = False) -> np.ndarray:
    """Runs ``fn`` ([h, w, C] window of ``image`` -> [h * scale, w * scale, C'] output) over
    ``image`` [H, W, C] in tiles; returns [H * scale, W * scale, C'] of ``fn``'s dtype.

    The image is mirror-padded by ``margin`` (and up to a multiple of ``multiple``); tiles of
    ``tile`` x ``tile`` input pixels start at multiples of ``tile`` (itself rounded up to a
    multiple of ``multiple``, so every tile sees the same down-sampling grid as the whole
    image) and are computed from a window ``margin`` pixels larger on every side, of which
    only the centre is kept. Memory: the image, the output, and one window.
    """
    from tqdm.auto import tqdm

    height, width = image.shape[:2]
    tile = _round_up(max(tile, multiple), multiple)
    margin = _round_up(margin, multiple)
    padded_h, padded_w = _round_up(height, multiple), _round_up(width, multiple)
    padded = np.pad(image, [(margin, margin + padded_h - height),
                            (margin, margin + padded_w - width), (0, 0)], mode="symmetric")
    corners = [(y, x) for y in range(0, padded_h, tile) for x in range(0, padded_w, tile)]
    output = None
    s = scale
    for y, x in tqdm(corners, desc="tiles", unit="tile", disable=not progress or
                     len(corners) == 1, leave=False):
        core_h, core_w = min(tile, padded_h - y), min(tile, padded_w - x)
        result = fn(padded[y:y + core_h + 2 * margin, x:x + core_w + 2 * margin])
        if output is None:
            output = np.empty((padded_h * s, padded_w * s, result.shape[-1]), result.dtype)
        output[y * s:(y + core_h) * s, x * s:(x + core_w) * s] = result[
            margin * s:(margin + core_h) * s, margin * s:(margin + core_w) * s]
    return output[:height * s, :width * s]


DEFAULT_MARGIN = 64                 # input pixels: the restoration U-Net's receptive field
SUPER_RESOLUTION_MARGIN = 24        # the SRResNet-lite's radius is 20 input pixels


def restore_array(model, image: np.ndarray, tile: int = 512, margin: Optional[int] = None,
                  progress: bool = False) -> np.ndarray:
    """Applies ``model`` (a Keras image-to-image generator on [-1, 1] RGB: restoration, or
    super-resolution by an integer factor) to a uint8 image [H, W], [H, W, 1], [H, W, 3] or
    [H, W, 4]; returns uint8 [H * s, W * s(, C)] with the input's channels (s: the model's
    scale, 1 for restoration). ``tile``: output pixels per tile side; ``margin``: input
    pixels of context (default: DEFAULT_MARGIN, SUPER_RESOLUTION_MARGIN for s > 1). Tiles
    are converted to uint8 one by one, so memory is the input, the output and one tile.
    A model with instance normalisation ignores ``tile`` and ``margin``: its output depends on
    the whole image's statistics, so it runs on the whole image up to
    INSTANCE_NORM_WHOLE_PIXELS, in tiles of that area beyond (see the module docstring).

    Greyscale is processed as neutral RGB and averaged back; an alpha channel is kept (and
    upscaled with nearest-neighbour repetition by a super-resolution model).
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ApplyError(f"Expected a uint8 image, got {image.dtype}.")
    squeeze = image.ndim == 2
    pixels = image[..., None] if squeeze else image
    if pixels.ndim != 3 or pixels.shape[-1] not in (1, 3, 4):
        raise ApplyError(f"Expected an image [H, W] or [H, W, 1|3|4], got shape {image.shape}.")
    channels = pixels.shape[-1]
    stride = model_stride(model)
    scale = model_scale(model, stride)
    if margin is None:
        margin = DEFAULT_MARGIN if scale == 1 else SUPER_RESOLUTION_MARGIN
    if uses_instance_norm(model):
        height, width = pixels.shape[:2]
        if height * width <= INSTANCE_NORM_WHOLE_PIXELS:
            tile, margin = max(height, width) * scale, 0
        else:
            tile = int(INSTANCE_NORM_WHOLE_PIXELS ** 0.5) * scale
            print(f"Warning: a {width}x{height} image is larger than "
                  f"{INSTANCE_NORM_WHOLE_PIXELS / 1e6:.0f} megapixels; this instance-normalised "
                  f"(style) network runs on it in {tile} px tiles, whose seams may show.",
                  file=sys.stderr)

    def apply_window(window):
        rgb = np.repeat(window, 3, axis=-1) if channels == 1 else window[..., :3]
        output = np.asarray(model(rgb[None].astype(np.float32) / 127.5 - 1.0,
                                  training=False))[0]
        output = np.clip((output + 1.0) * 127.5, 0, 255)
        if channels == 1:
            output = output.mean(-1, keepdims=True)
        output = np.round(output).astype(np.uint8)
        if channels == 4:
            alpha = np.repeat(np.repeat(window[..., 3:], scale, 0), scale, 1)
            output = np.concatenate([output, alpha], axis=-1)
        return output

    result = tiled_apply(apply_window, pixels, max(1, tile // scale), margin, stride, scale,
                         progress)
    return result[..., 0] if squeeze else result


# ----------------------------------------------------------------------------- files
def read_image_file(path: str) -> np.ndarray:
    """uint8 [H, W] (greyscale), [H, W, 3] or [H, W, 4] (with alpha) from an image file."""
    from PIL import Image, UnidentifiedImageError

    from tfgan_image.data.sources import DataError, read_image

    if not os.path.isfile(path):
        raise ApplyError(f"Input file does not exist: {path}")
    try:
        with Image.open(path) as image:
            mode, has_transparency = image.mode, "transparency" in image.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ApplyError(f"Cannot read image {path}: corrupt or not an image ({error})") from None
    channels = 4 if ("A" in mode or has_transparency) else (
        1 if mode in ("1", "L", "F") or mode.startswith("I") else 3)
    try:
        array = read_image(path, channels=channels)
    except DataError as error:
        raise ApplyError(str(error)) from None
    return array[..., 0] if channels == 1 else array


def write_image_file(image: np.ndarray, path: str) -> None:
    """Writes uint8 [H, W(, C)] to ``path`` (format from the extension), atomically."""
    from PIL import Image

    if image.ndim == 3 and image.shape[-1] == 4 and path.lower().endswith((".jpg", ".jpeg")):
        print(f"Note: JPEG has no alpha channel; {path} is written without it.", file=sys.stderr)
        image = image[..., :3]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    root, extension = os.path.splitext(path)
    tmp = f"{root}.tmp{extension}"
    Image.fromarray(image).save(tmp)
    os.replace(tmp, path)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def plan_outputs(input_path: str, output_path: str) -> list:
    """[(input file, output file)] for a file -> file, file -> folder or folder -> folder call;
    ApplyError for a missing input or an output that would overwrite an input."""
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
        pairs = [(f, os.path.join(output_path, os.path.relpath(f, input_path))) for f in files]
    elif os.path.isfile(input_path):
        target = (os.path.join(output_path, os.path.basename(input_path))
                  if os.path.isdir(output_path) else output_path)
        pairs = [(input_path, target)]
    else:
        raise ApplyError(f"Input does not exist: {input_path}")
    for source, target in pairs:
        if _same_file(source, target):
            raise ApplyError(f"Output {target} is the input file; refusing to overwrite it.")
    return pairs


def apply_files(workdir: str, input_path: str, output_path: str, tile: int = 512,
                margin: Optional[int] = None, model=None, stage: Optional[int] = None) -> list:
    """Restores (or upscales) every input image and writes it; returns [(input, output or
    error message)]. ``stage`` picks the generator of a staged run (super-resolution).

    A corrupt file among many is reported and skipped; a single bad input raises ApplyError.
    """
    from tqdm.auto import tqdm

    pairs = plan_outputs(input_path, output_path)
    model = model or load_generator(workdir, stage)
    report = []
    for source, target in tqdm(pairs, desc="images", unit="img", disable=len(pairs) == 1):
        try:
            image = read_image_file(source)
        except ApplyError as error:
            if len(pairs) == 1:
                raise
            report.append((source, f"skipped: {error}"))
            continue
        write_image_file(restore_array(model, image, tile, margin, progress=True), target)
        report.append((source, target))
    return report


def main(argv):
    from absl import app, flags

    flags_ = flags.FLAGS
    if len(argv) != 3:
        raise app.UsageError("Usage: python -m tfgan_image.apply --workdir=RUN INPUT OUTPUT "
                             "(files or folders).")
    try:
        report = apply_files(flags_.workdir, argv[1], argv[2], flags_.tile, flags_.margin,
                             stage=flags_.stage)
    except RunError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)
    failed = 0
    for source, outcome in report:
        failed += outcome.startswith("skipped")
        print(f"{source} -> {outcome}")
    if failed:
        sys.exit(1)


def _define_flags():
    from absl import flags

    flags.DEFINE_string("workdir", None, "Run directory holding generator.keras.")
    flags.DEFINE_integer("tile", 512, "Tile size in output pixels (memory ~ tile^2); style "
                         "models (instance normalisation) run on the whole image up to 4 "
                         "megapixels.",
                         lower_bound=16)
    flags.DEFINE_integer("margin", None, "Context input pixels around each tile (default: 64 "
                         "for restoration, 24 for super-resolution; style models run whole).",
                         lower_bound=0)
    flags.DEFINE_integer("stage", None, "Super-resolution runs: which stage's generator "
                         "(1: SRResNet, PSNR-oriented; 2: SRGAN). Default: the last trained.",
                         lower_bound=1)
    flags.mark_flag_as_required("workdir")


if __name__ == "__main__":
    from absl import app

    _define_flags()
    app.run(main)
