"""MATLAB's ``imresize(image, scale, 'bicubic')`` in NumPy: how the published
super-resolution tables made their low-resolution inputs and their bicubic rows.

Keys' cubic kernel (a = -0.5); when shrinking, the kernel is stretched by 1 / scale
(antialiasing); pixels beyond the border are mirrored (MATLAB's symmetric padding); rows are
resized first, then columns, in float64; uint8 results are rounded and clipped. TensorFlow's
antialiased bicubic renormalises the kernel at the borders instead of mirroring, and PIL
rounds to 8 bits between the two passes, so both differ from MATLAB's pixels near the edges,
which moves a bicubic baseline by a few hundredths of a dB; the published rows are MATLAB's.
"""

import numpy as np

KERNEL_WIDTH = 4.0


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's and PIL's bicubic)."""
    absx = np.abs(x)
    absx2, absx3 = absx ** 2, absx ** 3
    return ((1.5 * absx3 - 2.5 * absx2 + 1.0) * (absx <= 1)
            + (-0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0) * ((absx > 1) & (absx <= 2)))


def contributions(in_length: int, out_length: int, scale: float):
    """(weights [out_length, taps], source indices [out_length, taps]) of one axis, as
    MATLAB's ``contributions`` computes them (0-based indices, mirrored at the borders)."""
    if scale < 1:   # antialiasing: the kernel widens as the image shrinks
        width = KERNEL_WIDTH / scale

        def kernel(x):
            return scale * cubic(scale * x)
    else:
        width, kernel = KERNEL_WIDTH, cubic
    out = np.arange(1, out_length + 1, dtype=np.float64)
    centre = out / scale + 0.5 * (1.0 - 1.0 / scale)   # 1-based input coordinate
    left = np.floor(centre - width / 2.0)
    taps = int(np.ceil(width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]   # 1-based
    weights = kernel(centre[:, None] - indices)
    weights /= weights.sum(axis=1, keepdims=True)
    mirrored = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = mirrored[np.mod(indices.astype(np.int64) - 1, len(mirrored))]
    used = np.any(weights != 0, axis=0)
    return weights[:, used], indices[:, used]


def _resize_axis(image: np.ndarray, axis: int, out_length: int, scale: float) -> np.ndarray:
    weights, indices = contributions(image.shape[axis], out_length, scale)
    moved = np.moveaxis(image, axis, 0)                       # [in, ...]
    gathered = moved[indices]                                 # [out, taps, ...]
    shape = weights.shape + (1,) * (moved.ndim - 1)
    return np.moveaxis(np.sum(gathered * weights.reshape(shape), axis=1), 0, axis)


def imresize(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` [H, W] or [H, W, C] (uint8, or float on any range) resized by ``scale``
    (e.g. 1/4 or 4) to [ceil(H * scale), ceil(W * scale)(, C)], MATLAB's bicubic; uint8 in,
    uint8 out (rounded, clipped), else float64."""
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"Expected an image [H, W] or [H, W, C], got shape {image.shape}.")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}.")
    result = image.astype(np.float64)
    for axis in (0, 1):
        result = _resize_axis(result, axis, int(np.ceil(image.shape[axis] * scale)), scale)
    if image.dtype == np.uint8:
        return np.clip(np.round(result), 0, 255).astype(np.uint8)
    return result


def downscale(image_uint8: np.ndarray, scale: int) -> np.ndarray:
    """The low-resolution input of x``scale`` super-resolution: uint8 [H, W(, C)], H and W
    multiples of ``scale`` -> uint8 [H / scale, W / scale(, C)]."""
    height, width = image_uint8.shape[:2]
    if height % scale or width % scale:
        raise ValueError(f"Image sides {height}x{width} are not multiples of {scale}: "
                         f"modcrop it first.")
    return imresize(image_uint8, 1.0 / scale)


def upscale(image_uint8: np.ndarray, scale: int) -> np.ndarray:
    """The bicubic baseline of the published tables: uint8 [h, w(, C)] -> uint8
    [h * scale, w * scale(, C)]."""
    return imresize(image_uint8, float(scale))
