"""Reading and writing the image files of ``apply`` and ``sample``: pixels as a viewer shows
them, modes kept, nothing overwritten, and a clear refusal for what is not supported.

* Read: EXIF orientation applied (a portrait phone photo stays upright); modes kept: ``L``,
  ``LA``, ``RGB``, ``RGBA`` at 8 bits, greyscale at 16 bits (``I;16``) and 16-bit colour
  TIFFs (``RGB;16``, ``RGBA;16``, read with tifffile); palette images become RGB(A), CMYK
  and other colour spaces RGB, 1-bit L (each with a note). Refused with the reason:
  animations and multi-page files, float or 32-bit integer pixels, and images above a pixel
  limit (decompression bombs; ``max_megapixels``, a flag of the CLIs). 16-bit colour PNGs are
  read at 8 bits per channel (Pillow has no 16-bit colour mode), with a note.
* Write: the mode is kept where the format stores it, else the nearest it stores, with a note
  (JPEG has no alpha and no 16 bits); checked before any work (``check_writable``); written
  atomically (a temporary file, then a rename) and never over an existing file unless asked.
"""

import contextlib
import io
import os
import sys
from typing import List, NamedTuple, Optional

import numpy as np

from tfgan_image.atomic import replacing
from tfgan_image.errors import RunError

DEFAULT_MAX_MEGAPIXELS = 100.0
# Mode -> (array channels, bits per channel) of the modes kept from input to output.
KEPT_MODES = {"L": (1, 8), "LA": (2, 8), "RGB": (3, 8), "RGBA": (4, 8), "I;16": (1, 16),
              "RGB;16": (3, 16), "RGBA;16": (4, 16)}
# Modes a format may not store, and the mode written instead (alpha or depth dropped).
FALLBACK_MODES = {"LA": "L", "RGBA": "RGB", "I;16": "L", "RGB;16": "RGB", "RGBA;16": "RGBA"}
SIXTEEN_BIT_COLOUR = ("RGB;16", "RGBA;16")   # Pillow has no such modes: TIFF via tifffile
# EXIF orientation -> the numpy steps that show the stored pixels upright.
_ORIENTATIONS = {2: ["flip_lr"], 3: ["rot180"], 4: ["flip_ud"], 5: ["transpose"],
                 6: ["rot270"], 7: ["transverse"], 8: ["rot90"]}


class ImageFileError(RunError):
    """One file that cannot be read or written; the message names it and the reason."""


class ImageFile(NamedTuple):
    """Pixels of one image file: uint8 (or uint16 for ``I;16``) [H, W, channels], its mode
    (a key of KEPT_MODES) and notes about what reading changed."""
    pixels: np.ndarray
    mode: str
    notes: List[str]


def note(message: str) -> None:
    print(f"Note: {message}", file=sys.stderr, flush=True)


def _png_bit_depth(path: str) -> Optional[int]:
    with open(path, "rb") as f:
        header = f.read(25)
    return header[24] if header[:8] == b"\x89PNG\r\n\x1a\n" and len(header) == 25 else None


def _sixteen_bit_colour(image, path: str) -> bool:
    if image.format == "PNG":
        return image.mode in ("RGB", "RGBA") and _png_bit_depth(path) == 16
    if image.format == "TIFF":
        bits = image.tag_v2.get(258, (8,))
        return image.mode in ("RGB", "RGBA") and max(np.atleast_1d(bits)) > 8
    return False


def read(path: str, max_megapixels: float = DEFAULT_MAX_MEGAPIXELS) -> ImageFile:
    """The pixels of ``path`` as a viewer shows them; ImageFileError (naming the file) for a
    missing, corrupt, too large or unsupported file. See the module docstring."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not os.path.isfile(path):
        raise ImageFileError(f"Input file does not exist: {path}")
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # our own limit below names the flag that raises it
    notes = []
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_megapixels * 1e6:
                raise ImageFileError(
                    f"{path} is too large: {width}x{height} = {width * height / 1e6:.0f} "
                    f"megapixels, above the limit of {max_megapixels:g} (raise it with "
                    f"--max_megapixels if the file is trusted).")
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                raise ImageFileError(
                    f"{path} has {frames} frames (an animation or a multi-page file); only "
                    f"single images are supported: save the frame you want as its own file.")
            if image.mode == "F" or (image.mode == "I" and image.format != "PNG"):
                raise ImageFileError(
                    f"{path} has {'float' if image.mode == 'F' else '32-bit integer'} pixels, "
                    f"which are not supported: convert it to 8 or 16 bits per channel.")
            if _sixteen_bit_colour(image, path):
                if image.format == "TIFF":
                    return _read_sixteen_bit_tiff(path, image.getexif().get(0x0112, 1))
                notes.append(f"{path} has 16-bit colour, read at 8 bits per channel.")
            image = ImageOps.exif_transpose(image)
            mode = _kept_mode(image, notes, path)
            if mode == "I;16":
                image = image if image.mode == "I;16" else image.convert("I;16")
                pixels = np.asarray(image, np.uint16)
            else:
                pixels = np.asarray(image.convert(mode), np.uint8)
    except ImageFileError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageFileError(f"Cannot read image {path}: corrupt or not an image ({error})") \
            from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    channels = KEPT_MODES[mode][0]
    return ImageFile(pixels.reshape(pixels.shape[0], pixels.shape[1], channels), mode, notes)


def _orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    for step in _ORIENTATIONS.get(orientation, []):
        if step == "flip_lr":
            pixels = pixels[:, ::-1]
        elif step == "flip_ud":
            pixels = pixels[::-1]
        elif step == "rot180":
            pixels = pixels[::-1, ::-1]
        elif step == "transpose":
            pixels = pixels.transpose(1, 0, 2)
        elif step == "transverse":
            pixels = pixels[::-1, ::-1].transpose(1, 0, 2)
        else:
            pixels = np.rot90(pixels, 1 if step == "rot90" else 3)
    return np.ascontiguousarray(pixels)


def _read_sixteen_bit_tiff(path: str, orientation: int) -> ImageFile:
    import tifffile

    pixels = tifffile.imread(path)
    if pixels.dtype != np.uint16 or pixels.ndim != 3 or pixels.shape[-1] not in (3, 4):
        raise ImageFileError(f"{path}: unsupported TIFF layout {pixels.dtype} "
                             f"{pixels.shape}; save it as 8 or 16-bit RGB(A).")
    mode = "RGB;16" if pixels.shape[-1] == 3 else "RGBA;16"
    return ImageFile(_orient(pixels, orientation), mode, [])


def _kept_mode(image, notes: list, path: str) -> str:
    """The KEPT_MODES mode ``image`` is read in (notes say what that changes)."""
    mode = image.mode
    if mode in KEPT_MODES:
        return mode
    if mode.startswith("I;16") or mode == "I":
        return "I;16"
    if mode == "1":
        return "L"
    if mode in ("La",):
        return "LA"
    if mode in ("RGBa", "PA"):
        return "RGBA"
    if mode == "P":
        has_alpha = "transparency" in image.info
        notes.append(f"{path} is a palette image, processed and written as "
                     f"{'RGBA' if has_alpha else 'RGB'}.")
        return "RGBA" if has_alpha else "RGB"
    notes.append(f"{path} is in {mode}, converted to RGB.")
    return "RGB"


# ----------------------------------------------------------------------------- writing
def _format_of(path: str) -> Optional[str]:
    from PIL import Image

    return Image.registered_extensions().get(os.path.splitext(path)[1].lower())


def _can_store(mode: str, image_format: str) -> bool:
    from PIL import Image

    if mode in SIXTEEN_BIT_COLOUR:
        return image_format == "TIFF"
    try:
        Image.new(mode, (1, 1)).save(io.BytesIO(), format=image_format)
        return True
    except (OSError, KeyError, ValueError, TypeError):
        return False


def written_mode(mode: str, path: str) -> str:
    """The mode ``path``'s format stores ``mode`` in: the same, or FALLBACK_MODES' choice;
    ImageFileError for an extension no writer handles."""
    from PIL import Image

    image_format = _format_of(path)
    if image_format is None or image_format not in Image.SAVE:
        raise ImageFileError(f"Cannot write {path}: unknown image file extension (use e.g. "
                             f".png, .jpg, .tif, .webp, .bmp).")
    while not _can_store(mode, image_format):
        if mode not in FALLBACK_MODES:
            raise ImageFileError(f"Cannot write {path}: {image_format} cannot store "
                                 f"{mode} images.")
        mode = FALLBACK_MODES[mode]
    return mode


def check_writable(path: str, mode: str, overwrite: bool = False) -> str:
    """Checks before any work that ``path`` can be written for an image of ``mode``; returns
    the mode it will be written in. ImageFileError for an existing file (unless
    ``overwrite``), a folder in the way, or an extension no writer handles."""
    if os.path.isdir(path):
        raise ImageFileError(f"Output {path} is a folder; name a file.")
    if os.path.exists(path) and not overwrite:
        raise ImageFileError(f"Output {path} exists; pass --overwrite to replace it.")
    return written_mode(mode, path)


def to_mode(pixels: np.ndarray, mode: str, target: str) -> np.ndarray:
    """Pixels of ``mode`` as ``target`` (one of FALLBACK_MODES' values for it)."""
    if mode == target:
        return pixels
    if KEPT_MODES[mode][1] == 16:
        pixels = np.round(pixels.astype(np.float64) / 257.0).astype(np.uint8)
        return to_mode(pixels, FALLBACK_MODES[mode], target)
    return pixels[..., :-1]  # LA -> L, RGBA -> RGB: the alpha channel dropped


def write(pixels: np.ndarray, mode: str, path: str, overwrite: bool = False) -> str:
    """Writes ``pixels`` (uint8, or uint16 for ``I;16``, [H, W, channels]) of ``mode`` to
    ``path`` (format from the extension), atomically, in the nearest mode the format stores
    (a note says what was dropped). Never replaces an existing file unless ``overwrite``."""
    from PIL import Image

    target = check_writable(path, mode, overwrite)
    if target != mode:
        note(f"{path}: its format cannot store {mode}; written as {target}.")
    pixels = to_mode(pixels, mode, target)
    if pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    with atomic_output(path) as tmp:
        if target in SIXTEEN_BIT_COLOUR:
            import tifffile

            tifffile.imwrite(tmp, pixels, photometric="rgb",
                             extrasamples=["unassalpha"] if target == "RGBA;16" else None)
        else:
            Image.fromarray(pixels).save(tmp)  # mode from dtype and channels: == target
    return path


@contextlib.contextmanager
def atomic_output(path: str):
    """Yields a unique temporary path beside ``path`` (same extension) to write to; on success it
    becomes ``path`` (a rename: never a half-written file), on any failure it is removed.
    A failure to write (unwritable folder, full disk) is an ImageFileError naming ``path``."""
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with replacing(path) as tmp:
            yield tmp
    except OSError as error:
        raise ImageFileError(f"Cannot write {path}: {error.strerror or error}.") from None
