"""Pretrained models shipped with the package: load one by name, apply or sample it in one call.

    from tfgan_image import pretrained
    model = pretrained.load("mnist_dcgan")            # a keras.Model, float32
    digits = pretrained.sample("mnist_dcgan", 16)     # float32 [16, 28, 28, 1] in [-1, 1]
    sevens = pretrained.sample("mnist_conditional", 16, label=7)
    restored = pretrained.apply("denoise", photo)     # uint8 image of any size, tiled

    python -m tfgan_image.pretrained                  # the list, with held-out scores
    python -m tfgan_image.apply --model=denoise IN OUT
    python -m tfgan_image.sample --model=mnist_dcgan --num=64 --output=grid.png

The weights are package data (``tfgan_image/pretrained/<name>.keras``), so nothing is
downloaded. ``models.json`` beside them lists each model's task, kind, terms, scores on the
standard test sets and on its validation split, and ``<name>.md`` is its card, rendered from
that entry (``cards``): the command that trained it, its data and their terms, and its scores
next to the published and classical ones. ``tools/zoo.py`` retrains every model
and rewrites the weights, ``models.json`` and the cards.

Terms: the photo models were trained on research-only data (BSDS: non-commercial research
and education only; T91: no stated terms), so their weights are for research use only
(``terms(name)``, the listing, each card and the NOTICE file beside them say so).
"""

import json
import os
from typing import Dict, Optional

import numpy as np

from tfgan_image.errors import RunError

FOLDER = os.path.dirname(os.path.abspath(__file__))
REGISTRY_FILE = os.path.join(FOLDER, "models.json")
# What a model does with its input: "image_to_image" (apply) or "latent" (sample).
KINDS = ("image_to_image", "latent")


class UnknownModelError(RunError):
    """A model name that is not shipped; the message lists the names that are."""


def registry() -> Dict[str, dict]:
    """{name: {"task", "kind", "scale", "parameters", "scores", ...}} of the shipped models."""
    if not os.path.exists(REGISTRY_FILE):
        return {}
    with open(REGISTRY_FILE) as f:
        return json.load(f)


def weights_path(name: str) -> str:
    return os.path.join(FOLDER, f"{name}.keras")


def card_path(name: str) -> str:
    return os.path.join(FOLDER, f"{name}.md")


def entry(name: str) -> dict:
    """The registry entry of ``name``; UnknownModelError naming the shipped models."""
    models = registry()
    if name not in models:
        raise UnknownModelError(f"No pretrained model named {name!r}; shipped: "
                                f"{', '.join(sorted(models)) or 'none'} "
                                f"(python -m tfgan_image.pretrained lists them).")
    return models[name]


def terms(name: str) -> str:
    """The terms of use of ``name``'s weights (what it was trained on and what that allows)."""
    return entry(name)["terms"]


def load(name: str):
    """The pretrained model ``name`` as a keras.Model computing in float32 (any input size
    for image-to-image models; latent vectors [N, latent_dim] for ``latent`` ones). Its
    weights carry the terms of the data they were trained on: ``terms(name)`` (research use
    only for the photo models)."""
    entry(name)
    return load_file(weights_path(name))


def load_file(path: str):
    """A shipped ``.keras`` file as a float32 keras.Model; weights stored in float16 (to
    halve the package) are widened to float32."""
    from tfgan_image.export import float32_copy, load_model_file

    model = load_model_file(path)
    if any(w.dtype == "float16" for w in model.weights):
        model = float32_copy(model)
    return model


def apply(name_or_model, image: np.ndarray, tile: int = 512, precision: str = "auto",
          noise_level: Optional[float] = None, strength: float = 1.0,
          keep_colours: bool = False) -> np.ndarray:
    """``image`` (uint8 or uint16 [H, W] or [H, W, 1|2|3|4]) through an image-to-image model
    (a shipped name, or a loaded model), in tiles of ``tile`` output pixels: an array of the
    input's dtype and channels, ``scale`` times larger for super-resolution. ``precision``:
    what the model computes in, one of ``inference.INFERENCE_PRECISIONS`` ("auto":
    mixed_bfloat16 on CPUs that compute it natively, else float32). ``noise_level``: for a
    denoiser with a noise-level input, the noise std to remove in 8-bit units (larger removes
    more); estimated from the image when omitted. ``strength`` (0: the input ... 1: the
    model's output) and ``keep_colours`` (the output's luminance, the input's colours): for
    models whose output is the input's size, e.g. ``style_starry_night``."""
    from tfgan_image.inference import restore_array

    model = load(name_or_model) if isinstance(name_or_model, str) else name_or_model
    return restore_array(model, image, tile, precision=precision, noise_level=noise_level,
                         strength=strength, keep_colours=keep_colours)


def sample(name_or_model, num: int, seed: int = 0, label: Optional[int] = None
           ) -> np.ndarray:
    """``num`` samples float32 [num, H, W, C] in [-1, 1] of a latent-vector model (a shipped
    name, or a loaded model), from seeded Gaussian latents. A class-conditional model
    (e.g. ``mnist_conditional``) makes ``num`` samples of class ``label``, or without one
    the classes in turn (0, 1, ..., 0, 1, ...)."""
    from tfgan_image.evaluation.base import generate, generator_classes

    model = load(name_or_model) if isinstance(name_or_model, str) else name_or_model
    latents = np.random.default_rng(seed).standard_normal(
        (num, model.inputs[0].shape[-1])).astype(np.float32)
    classes = generator_classes(model)
    if label is not None and not 0 <= label < classes:
        raise RunError(f"label {label} is not a class of this model (classes: "
                       f"{f'0-{classes - 1}' if classes else 'none, it is unconditional'}).")
    if not classes:
        return generate(model, latents)
    labels = (np.full(num, label) if label is not None else np.arange(num) % classes)
    return generate(model, (latents, labels.astype(np.int32)))


def check_output(model, kind: str) -> np.ndarray:
    """The model's output on a fixed input, recorded when a model is shipped and compared by
    the tests: 4 seeded samples (``latent``), or a 56x48 crop of scikit-image's astronaut
    with seeded Gaussian noise of sigma 25 (``image_to_image``, uint8 out, computed in float32
    on every machine)."""
    if kind == "latent":
        return sample(model, 4, seed=0)
    return apply(model, check_input(), precision="float32")


def check_input() -> np.ndarray:
    """The fixed input of ``check_output`` for image-to-image models: uint8 [48, 56, 3]."""
    import skimage.data

    photo = skimage.data.astronaut()[200:248, 180:236].astype(np.float64)
    noisy = np.clip(np.round(photo + np.random.default_rng(0).normal(0, 25, photo.shape)),
                    0, 255)
    return noisy.astype(np.uint8)


def listing(models: Optional[Dict[str, dict]] = None) -> str:
    """A table of the shipped models: name, task, scale, parameters, size on disk, scores
    (standard test sets where the model has them, else validation), then each model's
    terms."""
    from tfgan_image.pretrained import cards

    models = registry() if models is None else models
    rows = [("name", "task", "scale", "parameters", "size", "scores")]
    for name, info in sorted(models.items()):
        size = os.path.getsize(weights_path(name)) / 2 ** 20
        rows.append((name, info["task"], f"x{info['scale']}" if info.get("scale") else "-",
                     f"{info['parameters']:,}", f"{size:.1f} MB",
                     cards.summary(dict(info, name=name))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
             for row in rows]
    if len(rows) == 1:
        lines.append("(no pretrained models are shipped with this installation)")
    lines += ["", "Terms of the weights:"] + [f"  {name}: {info['terms']}"
                                             for name, info in sorted(models.items())]
    lines.append("Cards (recipe, data and its terms, scores): "
                 f"{os.path.join(FOLDER, '<name>.md')}")
    return "\n".join(lines)
