"""Running an image-to-image generator on a numpy image of any size: tiling, whole-image
statistics, strides and scales. The library behind ``python -m tfgan_image.apply`` and
``pretrained.apply``; evaluation code uses it too.

Images are processed in overlapping tiles of ``tile`` output pixels, so memory stays bounded
on large photos: each tile is extended by ``margin`` input pixels of real context on every
side and only its centre is kept, so the result matches whole-image inference to within the
network's receptive field, with no seams. The default margin covers the receptive field of the
library's models (64 px for the restoration U-Net; 24 px for super-resolution, whose radius is
20 input pixels); tiling is then exact. Memory grows with the tile's area (oneDNN's conv
workspace), so ``tile`` counts output pixels: tools/results_superres.py measures time and peak
memory of a large upscale.

Models with instance normalisation or colour statistics transfer (style transfer) need more:
each output pixel depends on statistics of the whole image, so tiles normalised with their
own statistics would show seams, and one pass over a large photo needs tens of GB (oneDNN's
workspace for the 9x9 convs). So an image larger than one tile is tiled
with the whole image's statistics: ``whole_image_normalisation`` first gathers every
normalisation layer's mean and variance (the colour transfer's colour mean and covariance)
over all tiles (one pass per layer, each up to that layer), then the tiles run with them,
their windows stopping at the image's edges as one whole-image pass would see them; the
margin is the network's receptive radius (``receptive_radius``). The result is one
whole-image pass's to within rounding, in a tile's memory
(tools/results_style_texture.py measures a 4000x3000 photo).

Precision (``restore_array(..., precision=)``): "auto" runs a float32 model in mixed_bfloat16
on a CPU with native bfloat16 (AMX / AVX512_BF16; ``cpu_computes_bfloat16_natively``), else as
it is ("own": always as it is); the model runs in a ``tf.function``.
tools/bench_apply.py times both on the pretrained models (bfloat16 2-3x faster
than float32, within 0.02 dB). Models with whole-image statistics (style transfer) always run
as they are, eagerly.
"""

import contextlib
import weakref
from typing import Callable, List, NamedTuple, Optional, Tuple

import numpy as np

from tfgan_image.errors import RunError
from tfgan_image.progress import bar as progress_bar


class ApplyError(RunError):
    """A refusal to apply a model: the message says what is wrong and with which input."""


INFERENCE_PRECISIONS = ("auto", "own", "float32", "mixed_bfloat16", "mixed_float16")
# model -> {precision: the model's call in a tf.function, on a copy in that precision}
_COMPILED = weakref.WeakKeyDictionary()


def inference_precision(model, precision: str = "auto") -> str:
    """The dtype policy ``restore_array`` runs ``model`` in: ``precision``; for "auto",
    mixed_bfloat16 for a float32 model on a CPU that computes bfloat16 natively, else the
    model's own policy; for "own", the model's own policy."""
    from tfgan_image.precision import cpu_computes_bfloat16_natively

    if precision not in INFERENCE_PRECISIONS:
        raise ApplyError(f"Unknown precision {precision!r}; choose one of "
                         f"{', '.join(INFERENCE_PRECISIONS)}.")
    own = model.dtype_policy.name
    if precision != "auto":
        return own if precision == "own" else precision
    return "mixed_bfloat16" if own == "float32" and cpu_computes_bfloat16_natively() else own


def compiled_call(model, precision: str = "auto") -> Callable:
    """``model(x, training=False)`` [1, h, w, 3] float32 -> float32, in a ``tf.function`` that
    serves every window shape, computing in ``inference_precision(model, precision)``: a copy
    of the model (given the model's current weights on every call to this function) whose
    ``image_path_layers`` stay float32, so the image a residual model passes through is exact."""
    import tensorflow as tf

    from tfgan_image.precision import copy_with_policy, image_path_layers

    policy = inference_precision(model, precision)
    compiled = _COMPILED.setdefault(model, {})
    if policy not in compiled:
        copy = (None if policy == model.dtype_policy.name else
                copy_with_policy(model, policy, float32_layers=image_path_layers(model)))
        # A weak reference to the model itself, so this cache does not keep it alive.
        target = weakref.ref(model) if copy is None else (lambda: copy)
        sync = None if copy is None else _weight_copier(model.weights, copy.weights)
        compiled[policy] = (sync, tf.function(
            lambda x: tf.cast(target()(x, training=False), tf.float32), reduce_retracing=True))
    sync, function = compiled[policy]
    if sync is not None:
        sync()   # the model may have trained since
    return function


def _weight_copier(sources, targets) -> Callable:
    """A ``tf.function`` assigning the ``sources`` variables to ``targets`` (in-graph: a
    numpy round trip through get_weights / set_weights took ~40 ms per call for 1.2 M
    parameters). Holds the variables, not their model."""
    import tensorflow as tf

    pairs = list(zip(sources, targets))

    @tf.function
    def copy():
        for source, target in pairs:
            target.assign(tf.cast(source, target.dtype))

    return copy


def takes_noise_level(model) -> bool:
    """Whether an image-to-image model reads a noise-level map: one input channel more than
    it outputs (``models.restoration.build_generator(noise_map=True)``)."""
    return (len(model.inputs) == 1 and len(model.inputs[0].shape) == 4
            and model.inputs[0].shape[-1] == model.outputs[0].shape[-1] + 1)


def with_noise_level_map(batch: np.ndarray, noise_level: float) -> np.ndarray:
    """float32 [N, H, W, C] on [-1, 1] -> [N, H, W, C + 1]: the input of a model with a
    noise-level input, the std ``noise_level`` (8-bit units) as a constant last channel on
    the [-1, 1] scale (2 * noise_level / 255)."""
    level = np.full(batch.shape[:-1] + (1,), 2.0 * noise_level / 255.0, np.float32)
    return np.concatenate([batch.astype(np.float32), level], axis=-1)


def estimate_noise_level(image: np.ndarray, peak: float = 255.0) -> float:
    """The std of white Gaussian noise in ``image`` [H, W, C] (values 0..``peak``), in 8-bit
    units: scikit-image's wavelet estimate (Donoho's median of the finest diagonal
    coefficients), averaged over the channels."""
    from skimage.restoration import estimate_sigma

    sigma = estimate_sigma(image.astype(np.float64) * (255.0 / peak), channel_axis=-1,
                           average_sigmas=True)
    return float(sigma)


def model_stride(model) -> int:
    """The factor input sizes must be multiples of: the product of its conv strides."""
    import keras

    stride = 1
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(
                layer, keras.layers.Conv2DTranspose):
            stride *= int(layer.strides[0])
    return stride


def _is_statistics_layer(layer) -> bool:
    from tfgan_image.layers import ColourStatisticsTransfer, InstanceNormalization

    return isinstance(layer, (InstanceNormalization, ColourStatisticsTransfer))


def uses_image_statistics(model) -> bool:
    """Whether ``model`` (or a model nested in it) has a layer whose output depends on
    statistics of the whole image: instance normalisation or colour statistics transfer."""
    import keras

    return any(_is_statistics_layer(layer) or
               (isinstance(layer, keras.Model) and uses_image_statistics(layer))
               for layer in model.layers)


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def model_scale(model, stride: int = 1) -> int:
    """Output size / input size of an image-to-image model (1 for restoration, the upscaling
    factor for super-resolution), from its output shape for a small input (symbolic: nothing
    is computed)."""
    size = 4 * stride
    output_shape = model.compute_output_shape((1, size, size, model.inputs[0].shape[-1]))
    return int(output_shape[1]) // size


class _Tile(NamedTuple):
    """One tile: its core (the part kept), core_h x core_w at (y, x) of the image, computed
    from the window padded[top:bottom, left:right] of ``_plan_tiles``'s padded image, in which
    the core starts at (inset_y, inset_x)."""
    y: int
    x: int
    core_h: int
    core_w: int
    top: int
    left: int
    bottom: int
    right: int
    inset_y: int
    inset_x: int


def _plan_tiles(image: np.ndarray, tile: int, margin: int, multiple: int, mirror: bool
                ) -> Tuple[np.ndarray, List[_Tile]]:
    """(padded image, tiles) for ``tiled_apply``: the image padded up to a multiple of
    ``multiple`` (and by ``margin`` on every side when ``mirror``); cores of ``tile`` pixels
    covering it, each with a window ``margin`` pixels larger on every side (clipped to the
    image when not ``mirror``)."""
    height, width = image.shape[:2]
    tile = _round_up(max(tile, multiple), multiple)
    margin = _round_up(margin, multiple)
    padded_h, padded_w = _round_up(height, multiple), _round_up(width, multiple)
    pad = margin if mirror else 0
    padded = np.pad(image, [(pad, pad + padded_h - height), (pad, pad + padded_w - width),
                            (0, 0)], mode="symmetric")
    tiles = []
    for y in range(0, padded_h, tile):
        for x in range(0, padded_w, tile):
            core_h, core_w = min(tile, padded_h - y), min(tile, padded_w - x)
            # The window in padded coordinates (the image starts at (pad, pad) there).
            top, left = max(0, y + pad - margin), max(0, x + pad - margin)
            bottom = min(padded.shape[0], y + pad + core_h + margin)
            right = min(padded.shape[1], x + pad + core_w + margin)
            tiles.append(_Tile(y, x, core_h, core_w, top, left, bottom, right,
                               y + pad - top, x + pad - left))
    return padded, tiles


def tiled_apply(fn: Callable, image: np.ndarray, tile: int = 512, margin: int = 64,
                multiple: int = 1, scale: int = 1, progress: bool = False,
                mirror: bool = True) -> np.ndarray:
    """Runs ``fn`` ([h, w, C] window of ``image`` -> [h * scale, w * scale, C'] output) over
    ``image`` [H, W, C] in tiles; returns [H * scale, W * scale, C'] of ``fn``'s dtype.

    The image is padded up to a multiple of ``multiple``; tiles of ``tile`` x ``tile`` input
    pixels start at multiples of ``tile`` (itself rounded up to a multiple of ``multiple``,
    so every tile sees the same down-sampling grid as the whole image) and are computed from a
    window ``margin`` pixels larger on every side, of which only the centre is kept. At the
    image's edges the window's context is the image mirrored (``mirror``) or the window stops
    at the edge (not ``mirror``: then each kept pixel is computed exactly as in one pass over
    the whole image, when ``margin`` covers the receptive field). Memory: the image, the
    output, and one window.
    """
    height, width = image.shape[:2]
    padded, tiles = _plan_tiles(image, tile, margin, multiple, mirror)
    output = None
    s = scale
    for t in progress_bar(tiles, hidden=not progress or len(tiles) == 1, desc="tiles",
                          unit="tile", leave=False):
        result = fn(padded[t.top:t.bottom, t.left:t.right])
        if output is None:
            output = np.empty((_round_up(height, multiple) * s,
                               _round_up(width, multiple) * s, result.shape[-1]), result.dtype)
        output[t.y * s:(t.y + t.core_h) * s, t.x * s:(t.x + t.core_w) * s] = result[
            t.inset_y * s:(t.inset_y + t.core_h) * s, t.inset_x * s:(t.inset_x + t.core_w) * s]
    return output[:height * s, :width * s]


def image_statistics_layers(model) -> list:
    """``model``'s own instance-normalisation and colour-transfer layers (not those of nested
    models), in order."""
    return [layer for layer in model.layers if _is_statistics_layer(layer)]


def receptive_radius(model) -> int:
    """Input pixels on each side that one output pixel of a conv chain depends on, at most:
    the convs' half kernels in layer order, each at its input's spacing (strides widen it,
    resize upsamplings narrow it), plus one spacing per resize for nearest-neighbour rounding.
    Exact for the style transformer (a chain with residual adds)."""
    import keras

    from tfgan_image.layers import ResizeUpsampling

    radius, spacing = 0.0, 1.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(
                layer, keras.layers.Conv2DTranspose):
            radius += (layer.kernel_size[0] // 2) * spacing
            spacing *= layer.strides[0]
        elif isinstance(layer, ResizeUpsampling):
            radius += spacing
            spacing /= layer.factor
    return int(np.ceil(radius))


@contextlib.contextmanager
def whole_image_normalisation(model, image: np.ndarray, to_input: Callable, tile: int,
                              margin: int, multiple: int, progress: bool = False):
    """Within the block, every InstanceNormalization layer of ``model`` normalises with the
    mean and variance of its input over the whole ``image`` [H, W, C] (uint8), and every
    ColourStatisticsTransfer layer uses the whole image's colour mean and covariance,
    gathered over the tiles ``tiled_apply(..., mirror=False)`` uses with the same ``tile``,
    ``margin`` and ``multiple``: so that tiled call gives what one pass over the whole image
    gives, with a tile's memory. One pass over the tiles per layer, each up to that layer (the
    statistics of a layer depend on those before it): about half as many network passes as
    layers; none when there is only one tile. ``to_input``: window -> the model's input
    [1, h, w, 3]. The layers are reset on exit.
    """
    import keras
    import tensorflow as tf

    from tfgan_image.layers import ColourStatisticsTransfer

    layers = image_statistics_layers(model)
    padded, tiles = _plan_tiles(image, tile, margin, multiple, mirror=False)
    if len(tiles) == 1:   # the one window is the whole image: its own statistics are right
        yield
        return
    try:
        for layer in progress_bar(layers, hidden=not progress, desc="normalisation statistics",
                                  unit="layer", leave=False):
            covariance = isinstance(layer, ColourStatisticsTransfer)
            head = (keras.Model(model.inputs[0], layer.input)
                    if layer.input is not model.inputs[0] else lambda x, training: x)
            total = total_of_products = 0.0
            count = 0
            for t in tiles:
                window = padded[t.top:t.bottom, t.left:t.right]
                maps = tf.cast(head(to_input(window), training=False), tf.float64)[0].numpy()
                step = window.shape[0] // maps.shape[0]   # the map's spacing in pixels
                core = maps[t.inset_y // step:(t.inset_y + t.core_h) // step,
                            t.inset_x // step:(t.inset_x + t.core_w) // step]
                total = total + core.sum((0, 1))
                total_of_products = total_of_products + (
                    np.einsum("hwi,hwj->ij", core, core) if covariance
                    else np.square(core).sum((0, 1)))
                count += core.shape[0] * core.shape[1]
            mean = total / count
            if covariance:
                second = total_of_products / count - np.outer(mean, mean)
            else:
                second = np.maximum(total_of_products / count - np.square(mean), 0.0)
            layer.fixed_moments = (tf.constant(mean, tf.float32),
                                   tf.constant(second, tf.float32))
        yield
    finally:
        for layer in layers:
            layer.fixed_moments = None


DEFAULT_MARGIN = 64                 # input pixels: the restoration U-Net's receptive field
SUPER_RESOLUTION_MARGIN = 24        # the SRResNet-lite's radius is 20 input pixels


def mix_with_input(output: np.ndarray, photo: np.ndarray, strength: float = 1.0,
                   keep_colours: bool = False) -> np.ndarray:
    """A model's ``output`` mixed with its input ``photo`` (both float [..., H, W, 3] in
    [-1, 1], the same shape), pixel by pixel: with ``keep_colours`` the output's luminance with
    the photo's chrominance (Gatys et al. 2016, "Preserving color in neural artistic style
    transfer": Y of YIQ from the output, I and Q from the photo); then ``strength`` * that +
    (1 - ``strength``) * photo (0: the photo, 1: the output)."""
    from skimage.color import rgb2yiq, yiq2rgb

    if keep_colours:   # YIQ is linear: [-1, 1] maps through [0, 1] and back
        luminance = rgb2yiq((output + 1.0) / 2.0)[..., :1]
        chrominance = rgb2yiq((photo + 1.0) / 2.0)[..., 1:]
        output = yiq2rgb(np.concatenate([luminance, chrominance], -1)) * 2.0 - 1.0
    return (strength * output + (1.0 - strength) * photo).astype(np.float32)


def check_mixing(model, strength: float, keep_colours: bool) -> bool:
    """Whether ``restore_array`` mixes the output with the input (``mix_with_input``);
    ApplyError for a strength outside [0, 1] or a mix asked of a super-resolution model."""
    if not 0 <= strength <= 1:
        raise ApplyError(f"strength must be between 0 and 1, got {strength:g}.")
    mixes = strength != 1.0 or keep_colours
    scale = model_scale(model, model_stride(model))
    if mixes and scale != 1:
        raise ApplyError(f"strength and keep_colours need a model whose output is the input's "
                         f"size; {model.name!r} upscales x{scale}.")
    return mixes


def restore_array(model, image: np.ndarray, tile: int = 512, margin: Optional[int] = None,
                  progress: bool = False, precision: str = "auto",
                  noise_level: Optional[float] = None, strength: float = 1.0,
                  keep_colours: bool = False) -> np.ndarray:
    """Applies ``model`` (a Keras image-to-image generator on [-1, 1] RGB: restoration, or
    super-resolution by an integer factor) to a uint8 or uint16 image [H, W] or [H, W, C]
    with C = 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA); returns [H * s, W * s(, C)]
    of the input's dtype and channels (s: the model's scale, 1 for restoration).
    ``tile``: output pixels per tile side; ``margin``: input pixels of context (default:
    DEFAULT_MARGIN, SUPER_RESOLUTION_MARGIN for s > 1). Tiles are converted to the output
    dtype one by one, so memory is the input, the output and one tile. A model with instance
    normalisation or colour transfer (style transfer) runs on the whole image in one pass
    when it fits in a tile, else in tiles normalised with the whole image's statistics, with
    its receptive radius as the margin (``margin`` is ignored; see the module docstring).
    ``precision``: one of INFERENCE_PRECISIONS (see the module docstring). ``noise_level``:
    for a model with a noise-level input (``takes_noise_level``), the noise std in 8-bit
    units (25 means 25/255 of the range, also for uint16 images); omitted, it is estimated
    from the image (``estimate_noise_level``). A larger value removes more. ``strength`` and
    ``keep_colours`` (models of scale 1, e.g. style transfer): see ``mix_with_input``.

    Greyscale is processed as neutral RGB and averaged back; an alpha channel is kept (and
    upscaled with nearest-neighbour repetition by a super-resolution model).
    """
    image = np.asarray(image)
    floating = np.issubdtype(image.dtype, np.floating)
    if image.dtype not in (np.uint8, np.uint16) and not floating:
        raise ApplyError(f"Expected a uint8, uint16 or float image, got {image.dtype}.")
    output_dtype = np.dtype(np.uint8) if floating else image.dtype
    squeeze = image.ndim == 2
    pixels = image[..., None] if squeeze else image
    if pixels.ndim != 3 or pixels.shape[-1] not in (1, 2, 3, 4):
        raise ApplyError(f"Expected an image [H, W] or [H, W, 1|2|3|4], got shape "
                         f"{image.shape}.")
    channels = pixels.shape[-1]
    grey, alpha = channels in (1, 2), channels in (2, 4)
    half_range = np.iinfo(output_dtype).max / 2.0
    if noise_level is not None and not takes_noise_level(model):
        raise ApplyError(f"Model {model.name!r} takes no noise level (only a denoiser trained "
                         f"with a noise-level map does).")
    if noise_level is not None and not 0 <= noise_level <= 255:
        raise ApplyError(f"noise_level must be between 0 and 255 (8-bit units), got "
                         f"{noise_level:g}.")
    if takes_noise_level(model) and noise_level is None:
        noise_level = estimate_noise_level(pixels[..., :1 if grey else 3], 2 * half_range)
    stride = model_stride(model)
    scale = model_scale(model, stride)
    mixes = check_mixing(model, strength, keep_colours)
    if margin is None:
        margin = DEFAULT_MARGIN if scale == 1 else SUPER_RESOLUTION_MARGIN
    whole_image_statistics = False
    statistics = uses_image_statistics(model)
    policy = inference_precision(model, precision)   # refuses an unknown one for every model
    # The statistics layers read the whole image's moments when called: those models eagerly.
    run = (lambda x: model(x, training=False)) if statistics else compiled_call(model, policy)
    if statistics:
        # Each output pixel depends on statistics of the whole image: tiles normalised with
        # statistics gathered over all of them (one pass when the image fits in a tile).
        if any(uses_image_statistics(layer) for layer in model.layers
               if hasattr(layer, "layers")):   # not reachable by whole_image_normalisation
            tile, margin = max(pixels.shape[:2]) * scale, 0
        else:
            whole_image_statistics = True
            margin = receptive_radius(model)

    def model_input(window):
        colour = window[..., :1 if grey else 3]
        rgb = np.repeat(colour, 3, axis=-1) if grey else colour
        rgb = rgb[None].astype(np.float32) / half_range - 1.0
        return rgb if noise_level is None else with_noise_level_map(rgb, noise_level)

    def apply_window(window):
        inputs = model_input(window)
        output = np.asarray(run(inputs))[0]
        if mixes:
            output = mix_with_input(np.clip(output, -1.0, 1.0), inputs[0, ..., :3], strength,
                                    keep_colours)
        output = np.clip((output + 1.0) * half_range, 0, 2 * half_range)
        if grey:
            output = output.mean(-1, keepdims=True)
        output = np.round(output).astype(output_dtype)
        if alpha:
            alpha_channel = np.repeat(np.repeat(window[..., -1:], scale, 0), scale, 1)
            output = np.concatenate([output, alpha_channel.astype(output_dtype)], axis=-1)
        return output

    tile = max(1, tile // scale)
    if whole_image_statistics:
        with whole_image_normalisation(model, pixels, model_input, tile, margin, stride,
                                       progress):
            result = tiled_apply(apply_window, pixels, tile, margin, stride, scale, progress,
                                 mirror=False)
    else:
        result = tiled_apply(apply_window, pixels, tile, margin, stride, scale, progress)
    return result[..., 0] if squeeze else result
