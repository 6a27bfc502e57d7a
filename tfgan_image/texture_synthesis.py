"""Texture synthesis with a spatial GAN trained on one texture image.

``run(config)`` trains a ``models.texture_synthesis`` generator (spatial noise in, texture out; D on
random patches of the source texture; with ``style_weight`` > 0 also the Gram distance of G's
patches to the source in G's loss) with the shared GANTrainer. ``config.generator`` picks it
(GENERATORS): "patches", the default, places learned patches that start as crops of the
source (``models.texture_synthesis.build_patch_generator``); "pixels" is the SGAN that draws every
pixel. The run then evaluates the EMA generator (its batch-norm statistics first recalibrated
on noise batches: ``training.ema.recalibrate_batch_norm``): the Gram-matrix (style) distance
of generated textures to the source texture -- the style loss of ``style_losses.StyleLosses``
(``losses.gram_distance`` over relu1_2 ... relu4_x) -- next to three references computed in
the same run:

* random crops of the source itself (the floor: what a perfect generator would score);
* a shuffled-patch baseline: the source cut into tiles and reassembled in random order
  (right colours and local texture, broken structure at the seams);
* the same generator before training (what the GAN adds; for the patch generator, a
  cross-faded random quilt of source crops).

It writes sample PNGs at 2x and 4x the source size (one noise tensor each: the output is
seamless because the whole image comes from one fully convolutional pass), the source beside a
generated texture of its size at the same scale (source_vs_generated.png), RUN/summary.json
and generator.keras / SavedModel. ``python -m tfgan_image.sample --workdir=RUN --size=HxW``
makes textures of any size later.
"""

import dataclasses
from typing import Dict, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan_image import experiment, export, features, inference, losses, precision, settings
from tfgan_image.data import pipeline, sources
from tfgan_image.models import texture_synthesis as models
from tfgan_image.runlog import print_paths, save_image_grid
from tfgan_image.settings import setting
from tfgan_image.style_losses import StyleLosses, load_style_image
from tfgan_image.training import GANTrainer, ema

DEFAULT_TEXTURE = "grass"   # scikit-image's grass photo (greyscale, 512x512)
STYLE_STAGES = ("block1", "block2", "block3", "block4")
STYLE_LOSS_PATCHES = 4   # generated patches per step in G's Gram-distance term
BN_RECALIBRATION_BATCHES = 32   # noise batches that set the sampling generator's BN statistics
# "patches": a selection network places learned patches (initialised as crops of the source)
# with cross-faded seams (models.texture_synthesis.build_patch_generator); "pixels": the spatial GAN
# that draws every pixel (models.texture_synthesis.build_generator, Jetchev et al.).
GENERATORS = ("patches", "pixels")
UPSAMPLING = models.UPSAMPLING   # (the config's ``texture`` field hides the module there)


@dataclasses.dataclass(frozen=True, kw_only=True)
class TextureConfig(settings.RunSettings):
    """Everything one texture run depends on (one ``setting`` per field: the flags of
    ``experiments.texture_synthesis`` derive from it); written to RUN/config.json."""
    workdir: str = setting("runs/texture_synthesis")
    texture: Optional[str] = setting(None, f"Texture image file (default: scikit-image's "
                                     f"{DEFAULT_TEXTURE}).")
    texture_size: int = setting(256, "Shorter side the texture is resized to (at most 1024: "
                                "the evaluation's feature maps of a much larger texture "
                                "exhaust memory).", lower=16, upper=1024)
    steps: int = setting(1500, lower=0)
    batch_size: int = setting(16, lower=1)
    generator: str = setting("patches", "patches: a selection network places learned patches "
                             "(initialised as crops of the texture) with cross-faded seams; "
                             "pixels: the spatial GAN that draws every pixel (Jetchev et al.).",
                             choices=GENERATORS)
    noise_size: int = setting(4, "Spatial noise positions per training-patch side (patch = "
                              "noise_size * 16 px).", lower=1)
    noise_channels: int = setting(32, "Noise channels per position.", lower=1)
    generator_widths: Tuple[int, ...] = setting(
        (256, 128, 64), "Generator hidden channels (patches: the selection network's 3x3 "
        "convs).", lower=1)
    generator_upsampling: str = setting(
        "resize", "generator=pixels: hidden x2 steps: nearest resize + 3x3 conv, 4x4 "
        "transposed convs, or sub-pixel convs.", choices=UPSAMPLING)
    generator_output_upsampling: str = setting(
        "subpixel", "generator=pixels: the last x2 step, to RGB.", choices=UPSAMPLING)
    patches: int = setting(256, "generator=patches: atoms in the dictionary.", lower=1)
    patch_stride: int = setting(16, "generator=patches: output pixels per noise position "
                                "(atoms are twice this).", lower=2)
    seam: int = setting(3, "generator=patches: cross-fade band between neighbouring atoms, "
                        "pixels (1..patch_stride).", lower=1)
    selection_temperature: float = setting(
        16.0, "generator=patches: scale of the selection noise (higher: closer to one atom "
        "per position).", lower=0)
    atom_edit_scale: float = setting(
        0.3, "generator=patches: how fast the atoms may change (their edits' scale; 0: they "
        "stay crops of the texture).", lower=0)
    discriminator_widths: Tuple[int, ...] = setting((32, 64, 128, 256),
                                                    "Discriminator widths.", lower=1)
    loss: str = setting("non_saturating", choices=sorted(losses.ADVERSARIAL_LOSSES))
    learning_rate: float = setting(2e-4, "Adam learning rate of G and D.", lower=0, resumable=True)
    beta_1: float = setting(0.5, lower=0, upper=1)
    ema_decay: float = setting(0.999, lower=0, upper=1)
    r1_weight: float = setting(0.1, "R1 gradient penalty weight on D (Mescheder et al. 2018; "
                               "0: off).", lower=0, resumable=True)
    style_weight: float = setting(0.0, "Weight of the Gram distance to the source in G's loss "
                                  "(texture-network loss next to the adversarial one; 0: pure "
                                  "GAN).", lower=0, resumable=True)
    eval_every: int = setting(1000, lower=0)
    eval_samples: int = setting(8, "Generated textures per evaluation.", lower=1, resumable=True)
    eval_size: int = setting(128, "Side of the generated / cropped images compared.",
                             lower=16, resumable=True)
    shuffle_tile: int = setting(16, "Tile side of the shuffled-patch baseline.", lower=1)
    feature_backbone: str = setting("auto", "VGG for the Gram distance.",
                                    choices=features.BACKBONES)
    sample_every: int = setting(500, lower=0)

    def __post_init__(self):
        settings.check(self)
        if self.seam > self.patch_stride:
            raise ValueError(f"seam ({self.seam}) must not exceed patch_stride "
                             f"({self.patch_stride}).")

    @property
    def scale(self) -> int:
        """Output pixels per noise position along each axis."""
        if self.generator == "patches":
            return self.patch_stride
        return models.output_scale(self.generator_widths)

    @property
    def patch_size(self) -> int:
        """Side of the training patches (D's real and generated inputs)."""
        return self.noise_size * self.scale

    @property
    def noise_input_channels(self) -> int:
        """Channels of the generator's spatial noise (every scale's noise maps, or the
        selection noise, included)."""
        if self.generator == "patches":
            return models.patch_input_channels(self.noise_channels, self.patches)
        return models.input_channels(self.noise_channels, self.generator_widths)


def load_texture(path: Optional[str], size: int) -> np.ndarray:
    """uint8 RGB [H, W, 3], shorter side ``size``; scikit-image's DEFAULT_TEXTURE for None."""
    if path is None:
        import skimage.data

        grey = getattr(skimage.data, DEFAULT_TEXTURE)()
        return sources.resize_shorter_side(np.repeat(grey[..., None], 3, axis=-1), size)
    return load_style_image(path, size)


def spatial_noise(shape, seed: int) -> np.ndarray:
    """Standard normal noise [N, h, w, C] float32 from a seed."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def generate(generator: keras.Model, height: int, width: int, count: int = 1,
             seed: int = 0, margin: int = 2) -> np.ndarray:
    """``count`` textures [count, height, width, 3] in [-1, 1] of any size: noise of
    ceil(size / scale) + 2 * ``margin`` positions, the output's centre cropped to the requested
    size. The margin drops the generator's border (its convs zero-pad at the edges of the
    whole image; inside it there are no seams)."""
    noise_channels = generator.inputs[0].shape[-1]
    scale = inference.model_scale(generator)
    noise = spatial_noise((count, -(-height // scale) + 2 * margin,
                           -(-width // scale) + 2 * margin, noise_channels), seed)
    start = margin * scale
    return np.asarray(generator(noise, training=False))[:, start:start + height,
                                                         start:start + width]


def shuffled_patches(source: np.ndarray, size: int, tile: int, seed: int) -> np.ndarray:
    """A [size, size, 3] image of ``tile``-pixel tiles cut from random places of ``source``."""
    rng = np.random.default_rng(seed)
    out = np.empty((size, size, 3), source.dtype)
    for top in range(0, size, tile):
        for left in range(0, size, tile):
            y = rng.integers(0, source.shape[0] - tile + 1)
            x = rng.integers(0, source.shape[1] - tile + 1)
            h, w = min(tile, size - top), min(tile, size - left)
            out[top:top + h, left:left + w] = source[y:y + h, x:x + w]
    return out


class GramDistance:
    """Gram-matrix distance to a source texture (0: same style statistics)."""

    def __init__(self, source: np.ndarray, backbone: str):
        with precision.precision_policy("float32"):
            self.losses = StyleLosses(source, STYLE_STAGES[2], STYLE_STAGES,
                                                     (0.0, 1.0, 0.0), backbone)

    def __call__(self, images_uint8: np.ndarray) -> float:
        """Mean over images [N, H, W, 3] uint8 of the style loss against the source."""
        return float(np.mean([self.losses.style_distance(image) for image in images_uint8]))


def build_generator(config: TextureConfig, source: np.ndarray) -> keras.Model:
    """The generator ``config.generator`` names; a patch generator's atoms are crops of
    ``source`` (uint8 [H, W, 3])."""
    if config.generator == "pixels":
        return models.build_generator(config.noise_channels, config.generator_widths,
                                       config.generator_upsampling,
                                       config.generator_output_upsampling)
    generator = models.build_patch_generator(
        config.noise_channels, config.generator_widths, config.patches, config.patch_stride,
        config.seam, config.selection_temperature, config.atom_edit_scale)
    models.init_patch_dictionary(generator, source, config.seed)
    return generator


def build_trainer(config: TextureConfig, strategy, source: np.ndarray) -> GANTrainer:
    """Batch = random patches of the texture; G gets spatial noise sized to the patches.
    ``config.style_weight`` > 0 adds the Gram distance of G's patches to the whole
    ``source`` (uint8 [H, W, 3]) to G's loss: Ulyanov et al.'s texture-network loss next to
    the adversarial one. Call inside ``strategy.scope()`` and the config's precision policy
    (``experiment.run`` does)."""
    adversarial = losses.adversarial_loss(config.loss)
    extra_losses = {}
    if config.style_weight:
        style_losses = StyleLosses(source, STYLE_STAGES[2], STYLE_STAGES, (0.0, 1.0, 0.0),
                                   config.feature_backbone)

        @tf.autograph.experimental.do_not_convert
        def gram_distance(batch, generated):
            # A few patches suffice for the Gram statistics; VGG on the whole batch would
            # cost more than the GAN step itself.
            return style_losses.style_loss(generated[:STYLE_LOSS_PATCHES])

        extra_losses["style"] = (config.style_weight, gram_distance)

    @tf.autograph.experimental.do_not_convert
    def noise(batch):
        return tf.random.normal([tf.shape(batch)[0], config.noise_size, config.noise_size,
                                 config.noise_input_channels])

    return GANTrainer(
        generator=build_generator(config, source),
        discriminator=models.build_discriminator(config.discriminator_widths),
        generator_optimizer=precision.make_adam(config.learning_rate, config.beta_1,
                                                0.999, config.precision, "g_adam"),
        discriminator_optimizer=precision.make_adam(config.learning_rate, config.beta_1,
                                                    0.999, config.precision, "d_adam"),
        generator_loss=adversarial.generator, discriminator_loss=adversarial.discriminator,
        generator_inputs=noise, extra_generator_losses=extra_losses,
        r1_weight=config.r1_weight, update="joint", ema_decay=config.ema_decay or None,
        jit_compile=config.jit, strategy=strategy)


def print_summary(result: Dict) -> None:
    print(f"\nGram-matrix distance to the source texture ({result['texture']}; lower is "
          f"closer):")
    for name, value in result["gram_distance"].items():
        print(f"  {name:22s} {value:.4f}")
    print(f"Training speed: {result['images_per_second']:.0f} patches/s")
    print_paths(result["paths"])


@experiment.register
class TextureSynthesis(experiment.Family):
    """Trains the spatial GAN on random patches of one texture and scores generated
    textures by their Gram-matrix distance to the source, next to simple references."""
    name = "texture_synthesis"
    config_class = TextureConfig

    def load_data(self, config: TextureConfig) -> np.ndarray:
        source = load_texture(config.texture, config.texture_size)
        atom_size = 2 * config.patch_stride if config.generator == "patches" else 0
        if min(source.shape[:2]) < max(config.patch_size, config.eval_size, atom_size):
            raise sources.DataError(
                f"The texture ({source.shape[1]}x{source.shape[0]}) is smaller than the "
                f"training patch ({config.patch_size}), the evaluation size "
                f"({config.eval_size}) or a dictionary atom ({atom_size}).")
        return source

    def stages(self, run: experiment.Run) -> list:
        config, source = run.config, run.data
        save_image_grid(source[None].astype(np.float32) / 127.5 - 1.0, run.path("source.png"),
                        title="source texture")
        distance = GramDistance(source, config.feature_backbone)
        self.scores = {
            "source crops (floor)": distance(pipeline.random_crops(
                source, config.eval_size, config.eval_samples, config.seed)),
            "shuffled patches": distance(np.stack([
                shuffled_patches(source, config.eval_size, config.shuffle_tile, config.seed + i)
                for i in range(config.eval_samples)]))}

        def dataset_for_step(step):
            return pipeline.crop_batches(source[None], config.patch_size, config.batch_size,
                                         config.seed + step)

        def recalibrate(generator):
            ema.recalibrate_batch_norm(generator, (
                spatial_noise((config.batch_size, config.noise_size, config.noise_size,
                               config.noise_input_channels), config.seed + 1000 + i)
                for i in range(BN_RECALIBRATION_BATCHES)))

        def evaluate(generator):
            recalibrate(generator)
            images = pipeline.from_unit_range(generate(
                generator, config.eval_size, config.eval_size, config.eval_samples,
                seed=config.seed + 1))
            return {"gram_distance": distance(images)}

        def untrained_score(trainer, run):
            # What training adds: the same generator before its first step (for the patch
            # generator, a cross-faded random quilt of source crops). Seeded, so a resumed run
            # gets the same.
            self.scores["untrained generator"] = evaluate(
                trainer.sampling_generator)["gram_distance"]

        sample_noise = spatial_noise((4, 2 * config.noise_size, 2 * config.noise_size,
                                      config.noise_input_channels), config.seed)
        return [experiment.Stage(lambda: build_trainer(config, run.strategy, source),
                                 dataset_for_step, sample_noise, evaluate,
                                 before_training=untrained_score)]

    def finish(self, run: experiment.Run, results: list) -> Dict:
        from PIL import Image

        config, source, result = run.config, run.data, results[0]
        generator = result["trainer"].sampling_generator   # recalibrated by the evaluation
        self.scores["spatial GAN"] = result["metrics"]["gram_distance"]
        paths = {"workdir": run.workdir, "source": run.path("source.png"),
                 **export.export_all(generator, run.workdir, tflite=False)}
        for factor in (2, 4):
            height, width = factor * source.shape[0], factor * source.shape[1]
            path = run.path(f"texture_{factor}x_{width}x{height}.png")
            texture_image = generate(generator, height, width, seed=config.seed + factor)[0]
            Image.fromarray(pipeline.from_unit_range(texture_image)).save(path)
            paths[f"sample_{factor}x"] = path
        paths["source_vs_generated"] = save_image_grid(
            np.stack([pipeline.to_unit_range(source).numpy(),
                      generate(generator, *source.shape[:2], seed=config.seed + 1)[0]]),
            run.path("source_vs_generated.png"), columns=2,
            title="the source (left) and a generated texture of its size (right), same scale")
        paths["tensorboard"] = result["tensorboard"]
        return {"gram_distance": self.scores,
                "texture": config.texture or f"skimage.data.{DEFAULT_TEXTURE}",
                "source_size": list(source.shape[:2]),
                "images_per_second": result["images_per_second"], "paths": paths}

    report = staticmethod(print_summary)


def run(config: TextureConfig) -> Dict:
    """Trains (or resumes) a texture run; returns {"gram_distance", "paths", ...} (also in
    RUN/summary.json)."""
    return experiment.run(TextureSynthesis(), config)
