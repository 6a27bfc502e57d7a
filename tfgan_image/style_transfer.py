"""Style transfer: a feed-forward transformation network (Johnson et al. 2016) trained on the
perceptual losses of Gatys et al., with an optional adversarial term; and the Gatys
optimisation baseline on the same losses.

Losses (``style_losses.StyleLosses``), on the frozen VGG of ``tfgan_image.features``, each
*relative* so the weights mean the same whatever the backbone's feature scale:

* content: mean squared difference of one feature map (default relu2_x, as Johnson et al.;
  a deeper stage leaves colour and fine texture freer), divided by the mean square of the
  content image's features;
* style: for several layers (relu1_2 ... relu4_x), ``losses.gram_distance`` between the
  Gram matrices (``losses.gram_matrix``) of the image and of the style image (by default
  averaged over its 8 flips and 90-degree rotations, so no one stroke direction is rewarded
  over the others), averaged over layers -- the relative squared Gram error near the target,
  but without its fourth-power growth with contrast, so no single high-contrast training crop
  carries most of a batch's gradient (tools/diagnose_style_loss.py);
* total variation (``losses.total_variation_loss``), on images in [-1, 1].

The scale of the strokes is set by ``style_size``: the style image's shorter side in pixels,
against content photos at their own resolution (a larger style image, larger strokes).

With ``colour_transfer`` (default) the network first gives each photo the style image's
colour mean and covariance (``models.style_transfer``); the content loss still compares with the
original photo. The run then also reports a second baseline that starts from the recoloured
photo: Gatys et al.'s method with the same head start.

In training the losses score (content, output) cropped at a random offset
(``losses.crop_at_random_offset``), so that no pattern locked to VGG's pooling grid pays.

``run(config)``: ``method="feed_forward"`` trains the network (GANTrainer; adversarial weight
0 by default, > 0 adds a patch discriminator on random crops of the style image: the GAN
variant) and evaluates it on the held-out content photos against the optimisation baseline
computed in the same run; ``method="optimize"`` only runs the baseline.
"""

import dataclasses
import json
import os
import time
from typing import Callable, Dict, List, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan_image import (
    experiment,
    export,
    features,
    inference,
    losses,
    metrics,
    precision,
    settings,
)
from tfgan_image.atomic import write_json
from tfgan_image.data import pipeline, sources
from tfgan_image.models import style_transfer as models
from tfgan_image.progress import bar as progress_bar
from tfgan_image.runlog import print_paths
from tfgan_image.settings import setting
from tfgan_image.style_losses import DEFAULT_STYLE, StyleLosses, load_style_image
from tfgan_image.training import GANTrainer
from tfgan_image.training import trainer as trainer_lib

METHODS = ("feed_forward", "optimize")
OPTIMIZE_METHODS = ("lbfgs", "adam")
NETWORK = "feed-forward network"
BASELINE = "optimisation (Gatys)"
RECOLOURED_BASELINE = "optimisation from the recoloured photo"
BASELINES = (BASELINE, RECOLOURED_BASELINE)


@dataclasses.dataclass(frozen=True, kw_only=True)
class StyleTransferConfig(settings.ImageToImageSettings):
    """Everything one style-transfer run depends on (one ``setting`` per field: the flags of
    ``experiments.style_transfer`` derive from it); written to RUN/config.json."""
    workdir: Optional[str] = setting(None, "Run directory (default: runs/style_transfer_METHOD; an "
                                     "existing one resumes).")
    style_image: Optional[str] = setting(None, f"Style image file (default: scikit-image's "
                                         f"{DEFAULT_STYLE}).", cache_key=True)
    method: str = setting("feed_forward", "feed_forward: train the network (and compare with "
                          "the baseline); optimize: only the Gatys baseline.", choices=METHODS)
    steps: int = setting(2200, lower=0)
    batch_size: int = setting(4, lower=1)
    crop_size: int = setting(96, f"Content training crop (multiple of {models.STRIDE}).",
                             lower=8)
    style_size: int = setting(256, "Shorter side the style image is resized to.", lower=16,
                              cache_key=True)
    data: str = setting("embedded", sources.PHOTO_DATA_HELP + " Content images.", cache_key=True)
    data_dir: Optional[str] = setting(None, resumable=True, cache_key=True)
    eval_every: int = setting(800, lower=0)
    width: int = setting(16, "Transformer channels at full resolution.", lower=1)
    residual_blocks: int = setting(3, "Transformer residual blocks (Johnson: 5).", lower=0)
    content_stage: str = setting("block2", "VGG stage of the content loss.",
                                 choices=features.VGG_STAGES, cache_key=True)
    style_stages: Tuple[str, ...] = setting(("block1", "block2", "block3", "block4"),
                                            "VGG stages of the style loss.",
                                            choices=features.VGG_STAGES, cache_key=True)
    content_weight: float = setting(5.0, "Weight of the (relative) content loss.", lower=0,
                                    resumable=True, cache_key=True)
    style_weight: float = setting(10.0, "Weight of the (relative) style loss.", lower=0,
                                  resumable=True, cache_key=True)
    orientation_free_style: bool = setting(
        True, "Style target: the mean Gram matrix of the style image's 8 flips and 90-degree "
        "rotations (no one stroke direction favoured); false: the image as it is.", cache_key=True)
    colour_transfer: bool = setting(
        True, "The network first moves each photo's colours to the style image's colour mean "
        "and covariance and restyles that (the baseline starts from the recoloured photo "
        "too); false: the photo as it is.")
    photo_shortcut: bool = setting(
        True, "The network's output is added to the (recoloured) photo, so the untrained "
        "network is the identity; false: Johnson et al.'s network, whose tanh output is the "
        "image.")
    normalization: str = setting(
        "instance", "The transformer's normalisation: instance (Johnson et al.: after every "
        "conv but the last) or weight (weight-normalised convs: no image statistics, which "
        "the network could steer with a local blob).",
        choices=models.NORMALIZATIONS)
    tv_weight: float = setting(1e-3, "Weight of the total-variation loss.", lower=0,
                               resumable=True, cache_key=True)
    loss_offset_range: int = setting(
        8, "Training: the losses see (content, output) cropped at a random offset below "
        "this, so the network cannot lock patterns to VGG's pooling grid (0: off).", lower=0)
    adversarial_weight: float = setting(
        0.0, "> 0: the GAN variant, a patch discriminator on style-image crops.", lower=0,
                                        resumable=True)
    discriminator_widths: Tuple[int, ...] = setting((32, 64, 128),
                                                    "Patch discriminator widths.", lower=1)
    learning_rate: float = setting(1e-3, "Adam learning rate of the network (cosine-decayed "
                                   "to 10%).", lower=0, resumable=True)
    d_learning_rate: float = setting(2e-4, lower=0, resumable=True)
    ema_decay: float = setting(0.0, "EMA decay of the evaluated network (0: off).", lower=0,
                               upper=1)
    feature_backbone: str = setting("auto", "VGG for the losses.", choices=features.BACKBONES,
                                    cache_key=True)
    eval_size: int = setting(256, "Held-out content photos: centre crops of this size.",
                             lower=16, resumable=True, cache_key=True)
    eval_photos: int = setting(8, "How many held-out content photos (the first by name) the "
                               "network and the optimisation baselines are scored on (0: all).",
                               lower=0, resumable=True, cache_key=True)
    optimize_method: str = setting("lbfgs", "Optimiser of the optimisation baseline: lbfgs "
                                   "(Gatys et al.'s, converged by ~300 evaluations) or adam.",
                                   choices=OPTIMIZE_METHODS, resumable=True, cache_key=True)
    optimize_steps: int = setting(300, "Loss-and-gradient evaluations of the optimisation "
                                  "baseline per photo.", lower=1, resumable=True, cache_key=True)
    optimize_learning_rate: float = setting(0.02, "Adam's learning rate in the optimisation "
                                            "baseline (on the pixels; --optimize_method=adam).",
                                            lower=0, resumable=True, cache_key=True)
    sample_every: int = setting(800, lower=0)
    checkpoint_every: int = setting(500, lower=1)

    def __post_init__(self):
        check_config(self)
        settings.derive_workdir(self, f"runs/style_transfer_{self.method}")


# ----------------------------------------------------------------------------- data
def training_batches(photos: List[np.ndarray], style_image: np.ndarray, crop_size: int,
                     batch_size: int, seed: int) -> tf.data.Dataset:
    """(content crops, style crops), each float32 [batch_size, crop, crop, 3] in [-1, 1]:
    random flipped/rotated crops of the content photos and of the style image. The content
    crops come from square patches that overlap by half and cover every photo at least
    ``crop_size`` on its shorter side (smaller ones are left out): twice the crop's size, or
    as large as the smallest such photo allows. ValueError when no photo is that large."""
    sides = [min(p.shape[:2]) for p in photos if min(p.shape[:2]) >= crop_size]
    if not sides:
        raise ValueError(f"No content photo is at least crop_size={crop_size} pixels on its "
                         f"shorter side.")
    bank_size = min(2 * crop_size, min(sides))
    content = pipeline.crop_batches(pipeline.patch_bank(photos, bank_size, bank_size // 2),
                                    crop_size, batch_size, seed)
    style_crops = pipeline.crop_batches(style_image[None], crop_size, batch_size, seed + 1)
    return tf.data.Dataset.zip((content, style_crops))


# ----------------------------------------------------------------------------- baseline
def pixel_objective(content_uint8: np.ndarray, style_losses: StyleLosses,
                    recolour: Optional[Callable] = None
                    ) -> Tuple[tf.Tensor, Callable[[tf.Tensor], Tuple[tf.Tensor, Dict]]]:
    """What Gatys et al.'s optimisation minimises for one content photo (uint8 [H, W, 3]):
    (the starting pixels [1, H, W, 3] in [-1, 1] -- the photo, or the ``recolour``ed photo --
    and pixels -> (the weighted content + style + TV loss, the unweighted ``parts``)). The
    content target is always the photo; its features are computed once."""
    content = tf.constant(content_uint8[None].astype(np.float32) / 127.5 - 1.0)
    content_maps = style_losses.content_features(content)
    start = content if recolour is None else tf.clip_by_value(recolour(content), -1.0, 1.0)

    def objective(image):
        parts = style_losses.parts(content, image, content_maps)
        return tf.add_n(list(style_losses.weighted(parts).values())), parts

    return start, objective


def gatys_step(content_uint8: np.ndarray, style_losses: StyleLosses,
               learning_rate: float = 0.02, recolour: Optional[Callable] = None
               ) -> Tuple[Callable[[], tf.Tensor], tf.Variable]:
    """Gatys et al.'s method: the pixels themselves, started from the content photo, minimise
    the weighted content + style + TV loss by Adam. ``recolour``: None, or the network's
    colour transfer (images [N, H, W, 3] in [-1, 1] -> the same): the pixels then start from
    the recoloured photo (the content target stays the photo, as in the network's training).

    Returns (step, image): each ``step()`` call (a tf.function) is one Adam step and returns
    the unweighted style loss before it; ``image`` is the pixel variable [1, H, W, 3] in
    [-1, 1]."""
    start, objective = pixel_objective(content_uint8, style_losses, recolour)
    image = tf.Variable(start)
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            total, parts = objective(image)
        optimizer.apply_gradients([(tape.gradient(total, image), image)])
        image.assign(tf.clip_by_value(image, -1.0, 1.0))
        return parts["style"]

    return step, image


def optimize_image(content_uint8: np.ndarray, style_losses: StyleLosses, steps: int,
                   learning_rate: float = 0.02, recolour: Optional[Callable] = None,
                   progress: bool = True, method: str = "lbfgs"
                   ) -> Tuple[np.ndarray, List[float]]:
    """Gatys et al.'s optimisation of the pixels, ``steps`` loss-and-gradient evaluations:
    ``method`` "lbfgs" (their optimiser; scipy's L-BFGS-B with the pixels bounded to [-1, 1],
    converges in a few hundred evaluations) or "adam" (``gatys_step``, ``learning_rate``).
    Returns (the stylised image, uint8; the unweighted style loss at each evaluation)."""
    if method == "adam":
        step, image = gatys_step(content_uint8, style_losses, learning_rate, recolour)
        style_curve = [float(step()) for _ in progress_bar(
            range(steps), hidden=not progress, desc="optimising pixels", unit="step",
            leave=False)]
        return pipeline.from_unit_range(image.numpy()[0]), style_curve
    return _lbfgs_image(content_uint8, style_losses, steps, recolour, progress)


def _lbfgs_image(content_uint8, style_losses, steps, recolour, progress):
    import scipy.optimize

    start, objective = pixel_objective(content_uint8, style_losses, recolour)

    @tf.function
    def loss_and_gradient(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            total, parts = objective(image)
        return total, tape.gradient(total, image), parts["style"]

    style_curve, best = [], {}
    bar = progress_bar(total=steps, hidden=not progress, desc="optimising pixels (L-BFGS)",
                       unit="eval", leave=False)

    class Done(Exception):
        """``steps`` evaluations made (scipy's maxfun may be overrun by a line search)."""

    def fun(flat):
        if len(style_curve) == steps:
            raise Done
        total, gradient, style = loss_and_gradient(
            tf.constant(flat.reshape(start.shape), tf.float32))
        style_curve.append(float(style))
        bar.update()
        if float(total) < best.get("total", np.inf):
            best.update(total=float(total), image=flat.copy())
        return float(total), gradient.numpy().astype(np.float64).ravel()

    with bar:
        try:
            scipy.optimize.minimize(
                fun, start.numpy().astype(np.float64).ravel(), jac=True, method="L-BFGS-B",
                bounds=scipy.optimize.Bounds(-1.0, 1.0), options={"maxfun": steps})
        except Done:
            pass
    # L-BFGS-B may stop before ``steps`` (converged, or a line search that cannot progress):
    # its image then stays, and the curve repeats its last value up to ``steps``, so every
    # photo's curve has the same length (their mean is the baseline's curve)
    style_curve += style_curve[-1:] * (steps - len(style_curve))
    image = np.clip(best["image"].reshape(start.shape), -1.0, 1.0).astype(np.float32)
    return pipeline.from_unit_range(image[0]), style_curve


def time_side_by_side(functions: Dict[str, Callable[[], object]], rounds: int = 9
                      ) -> Dict[str, float]:
    """Median seconds per call of each function, timed in turns (one call of each per
    round, after one warm-up call each), so that a busy spell of the host -- a shared VM
    can lose a fifth of its CPU for minutes -- slows all of them alike and their ratios hold."""
    for fn in functions.values():
        fn()
    times = {name: [] for name in functions}
    for _ in range(rounds):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


# ----------------------------------------------------------------------------- run
def build_trainer(config: StyleTransferConfig, style_losses: StyleLosses,
                  style_image: np.ndarray, strategy) -> GANTrainer:
    """Batch = (content crops, style crops), a pair as in restoration: G stylises the
    content; D (GAN variant) tells style crops from stylised images. With
    ``config.colour_transfer`` G first moves the photo's colours to the style image's
    (uint8 [H, W, 3]). Call inside ``strategy.scope()`` and the config's precision policy
    (``experiment.run`` does)."""
    adversarial = losses.adversarial_loss("non_saturating")

    @tf.autograph.experimental.do_not_convert
    def perceptual(batch, generated):
        return style_losses(*losses.crop_at_random_offset((batch[0], generated),
                                                          config.loss_offset_range))

    return GANTrainer(
        generator=models.build_transformer(
            config.width, config.residual_blocks,
            colour_target=(pipeline.to_unit_range(style_image) if config.colour_transfer
                           else None),
            photo_shortcut=config.photo_shortcut, normalization=config.normalization),
        discriminator=models.build_patch_discriminator(config.discriminator_widths),
        generator_optimizer=precision.make_adam(
            precision.cosine_to_tenth(config.learning_rate, config.steps), 0.9, 0.999,
            config.precision, "g_adam"),
        discriminator_optimizer=precision.make_adam(config.d_learning_rate, 0.5, 0.999,
                                                    config.precision, "d_adam"),
        generator_loss=adversarial.generator, discriminator_loss=adversarial.discriminator,
        generator_inputs=trainer_lib.pair_input, real_images=trainer_lib.pair_target,
        extra_generator_losses={"perceptual": (1.0, perceptual)},
        adversarial_weight=config.adversarial_weight, update="joint",
        ema_decay=config.ema_decay or None, jit_compile=config.jit, strategy=strategy)


def check_config(config: StyleTransferConfig) -> None:
    """ValueError for the first setting a run cannot use, its message starting with the
    setting's name."""
    settings.check(config)
    if config.crop_size % models.STRIDE:
        raise ValueError(f"crop_size must be a multiple of {models.STRIDE}, got "
                         f"{config.crop_size}")
    losses.check_offset_range("loss_offset_range", config.loss_offset_range, config.crop_size)


@dataclasses.dataclass
class StyleData:
    style_image: np.ndarray   # uint8 [H, W, 3]
    photos: sources.PhotoSplits


def print_summary(result: Dict) -> None:
    scores = result["scores"]
    if scores:
        print(f"\nHeld-out content ({', '.join(result['held_out'])}), style "
              f"{result['style_image']}; losses on {result['feature_backbone']}:")
        print(f"  {'method':40s} {'content':>8s} {'style':>8s} {'blobs %':>8s} "
              f"{'s/512px':>9s}")
        for method, values in scores.items():
            print(f"  {method:40s} {values['content_loss']:8.4f} {values['style_loss']:8.4f} "
                  f"{values.get('invented_extremes', float('nan')):8.3f} "
                  f"{values['seconds_per_512px']:9.3f}")
        for line in speed_comparison(scores):
            print(f"  {line}")
    print_paths(result["paths"])


@experiment.register
class StyleTransfer(experiment.Family):
    """Trains the feed-forward network (``method`` feed_forward) and runs the optimisation
    baseline (Gatys et al.) on the held-out content photos; scores and times both."""
    name = "style_transfer"
    config_class = StyleTransferConfig

    def load_data(self, config: StyleTransferConfig) -> StyleData:
        return StyleData(load_style_image(config.style_image, config.style_size),
                         sources.load_photos(config.data, config.data_dir))

    def stages(self, run: experiment.Run) -> list:
        config, data = run.config, run.data
        with precision.precision_policy(config.precision):
            self.style_losses = StyleLosses(
                data.style_image, config.content_stage, config.style_stages,
                (config.content_weight, config.style_weight, config.tv_weight),
                config.feature_backbone, config.orientation_free_style)
        self.names = sorted(data.photos.held_out_names)[:config.eval_photos or None]
        held_out = dict(zip(data.photos.held_out_names, data.photos.held_out))
        self.content = [c[:c.shape[0] // 4 * 4, :c.shape[1] // 4 * 4]
                        for c in (pipeline.centre_crop(held_out[name], config.eval_size)
                                  for name in self.names)]
        self.outputs = {}
        if config.method != "feed_forward":
            return []

        def dataset_for_step(step):
            return training_batches(data.photos.train, data.style_image, config.crop_size,
                                    config.batch_size, config.seed + step)

        def evaluate(generator):
            stylised = [inference.restore_array(generator, c) for c in self.content]
            self.outputs[NETWORK] = stylised
            return _mean_scores(self.style_losses, self.content, stylised)

        sample_inputs = (np.stack([pipeline.centre_crop(c, 128) for c in self.content[:4]])
                         .astype(np.float32) / 127.5 - 1.0) if self.content else None
        return [experiment.Stage(
            lambda: build_trainer(config, self.style_losses, data.style_image, run.strategy),
            dataset_for_step, sample_inputs, evaluate if self.content else None)]

    def finish(self, run: experiment.Run, results: list) -> Dict:
        config, content, outputs = run.config, self.content, self.outputs
        paths = {"workdir": run.workdir, "tensorboard": run.path("tensorboard")}
        scores, generator = {}, None
        if results:
            generator = results[0]["trainer"].sampling_generator
            paths.update(export.export_all(generator, run.workdir))
            if content:
                scores[NETWORK] = results[0]["metrics"]
        if content:
            scores[BASELINE], outputs[BASELINE] = _baseline(config, self.style_losses, content,
                                                            None, run.runlog)
            if config.colour_transfer:
                scores[RECOLOURED_BASELINE], outputs[RECOLOURED_BASELINE] = _baseline(
                    config, self.style_losses, content,
                    models.colour_transfer(pipeline.to_unit_range(run.data.style_image)),
                    run.runlog)
            _time_512px(config, self.style_losses, generator, scores)
            paths["comparison"] = comparison_figure(
                run.data.style_image, content, outputs, self.names, scores,
                run.path("comparison.png"))
        return {"scores": scores, "held_out": self.names,
                "style_image": config.style_image or f"skimage.data.{DEFAULT_STYLE}",
                "feature_backbone": self.style_losses.extractor.name, "paths": paths}

    report = staticmethod(print_summary)


def run(config: StyleTransferConfig) -> Dict:
    """Trains (or resumes) a feed-forward run, or runs the optimisation baseline; evaluates
    both on the held-out content photos. Returns {"scores", "paths", ...} (also in
    RUN/summary.json)."""
    return experiment.run(StyleTransfer(), config)


def invented_extremes(content: np.ndarray, stylised: np.ndarray) -> float:
    """Percent of pixels made near black (luma below 0.06) where the photo is not (above
    0.15), or near white (above 0.94) where it is not (below 0.85): blobs and blotches that
    come from no part of the photo. ``content``, ``stylised``: uint8 [H, W, 3], the same
    size."""
    # BT.601 luma on [0, 1]: metrics.rgb_to_y's [16, 235] rescaled
    luma = [(metrics.rgb_to_y(image) - 16.0) / 219.0 for image in (content, stylised)]
    made_dark = (luma[1] < 0.06) & (luma[0] > 0.15)
    made_bright = (luma[1] > 0.94) & (luma[0] < 0.85)
    return float(np.mean(made_dark | made_bright) * 100.0)


def _mean_scores(style_losses, content, stylised) -> Dict[str, float]:
    per_image = [{**style_losses.evaluate(c, s), "invented_extremes": invented_extremes(c, s)}
                 for c, s in zip(content, stylised)]
    return {key: float(np.mean([p[key] for p in per_image])) for key in per_image[0]}


def _baseline(config, style_losses, content, recolour, runlog
              ) -> Tuple[Dict[str, float], list]:
    """The optimisation baseline on the held-out content (cached in RUN/optimized/, or
    RUN/optimized_recoloured/ when it starts from the ``recolour``ed photo: see
    ``gatys_step``)."""
    from PIL import Image

    folder = os.path.join(config.workdir,
                          "optimized" if recolour is None else "optimized_recoloured")
    os.makedirs(folder, exist_ok=True)
    cache = os.path.join(folder, "scores.json")
    # the settings declared with cache_key=True: a run that changes one (say, a new style
    # image in the same workdir) recomputes the baseline
    key = {name: getattr(config, name)
           for name in sorted(settings.marked(type(config), "cache_key"))}
    key["style_stages"] = list(key["style_stages"])   # as JSON reads it back
    if os.path.exists(cache):
        with open(cache) as f:
            cached = json.load(f)
        if cached.pop("key") == key:
            images = [np.asarray(Image.open(os.path.join(folder, f"{i}.png")))
                      for i in range(len(content))]
            return cached, images
    runs = [optimize_image(c, style_losses, config.optimize_steps,
                           config.optimize_learning_rate, recolour,
                           method=config.optimize_method) for c in content]
    images = [r[0] for r in runs]
    values = _mean_scores(style_losses, content, images)
    values["style_loss_by_step"] = [float(v) for v in np.mean([r[1] for r in runs], axis=0)]
    for i, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(folder, f"{i}.png"))
    write_json(cache, {"key": key, **values})
    prefix = "baseline" if recolour is None else "baseline_recoloured"
    runlog.evaluation(0, {f"{prefix}/{k}": v for k, v in values.items()
                          if not isinstance(v, list)})
    return values, images


def _time_512px(config, style_losses, generator, scores) -> None:
    """Adds seconds per 512x512 image to ``scores``: the network's (one call in tf.function,
    in the run's precision) and each baseline's (the step time at 512x512, timed in turn with
    the network, times its steps; the steps run in the same precision), and how long each
    baseline takes to reach the network's style loss."""
    step, _ = gatys_step(np.zeros((512, 512, 3), np.uint8), style_losses,
                         config.optimize_learning_rate)
    functions = {"baseline": lambda: float(step())}
    if generator is not None:
        stylise = tf.function(lambda x: generator(x, training=False))
        probe = np.zeros((1, 512, 512, 3), np.float32)
        functions["network"] = lambda: np.asarray(stylise(probe))
    seconds = time_side_by_side(functions)
    if generator is not None:
        scores[NETWORK]["seconds_per_512px"] = seconds["network"]
    for method in BASELINES:
        if method in scores:
            baseline = scores[method]
            baseline["seconds_per_step_512px"] = seconds["baseline"]
            baseline["seconds_per_512px"] = seconds["baseline"] * config.optimize_steps
            if generator is not None:
                baseline.update(_time_to_match(baseline, scores[NETWORK]["style_loss"]))


def _time_to_match(baseline: Dict, network_style_loss: float) -> Dict[str, float]:
    """Steps (and seconds per 512x512 image) the optimisation needs before its mean style loss
    is as low as the network's; NaN when it never gets there within its steps."""
    curve = baseline["style_loss_by_step"]
    steps = next((i + 1 for i, value in enumerate(curve) if value <= network_style_loss),
                 float("nan"))
    return {"steps_to_match_network_style": steps,
            "seconds_to_match_network_style_512px": steps * baseline["seconds_per_step_512px"]}


def comparison_figure(style_image, content, outputs: Dict[str, list], names, scores,
                      path: str) -> str:
    """Photo | each method's output (the network, then the optimisations) | the painting,
    one row per held-out photo; each output titled with its content and style losses."""
    from matplotlib.figure import Figure

    columns = [("photo", content)] + list(outputs.items())
    width = len(columns) + 1
    figure = Figure(figsize=(3 * width, 3.2 * len(content)), dpi=100)
    for row, name in enumerate(names):
        for col, (label, images) in enumerate(columns):
            axes = figure.add_subplot(len(content), width, row * width + col + 1)
            axes.imshow(images[row])
            title = name if label == "photo" else (
                f"{label}\nmean content {scores[label]['content_loss']:.3f}, "
                f"style {scores[label]['style_loss']:.3f}")
            axes.set_title(title, fontsize=8)
            axes.set_axis_off()
        axes = figure.add_subplot(len(content), width, row * width + width)
        axes.imshow(style_image)
        axes.set_title("painting", fontsize=9)
        axes.set_axis_off()
    figure.tight_layout()
    figure.savefig(path)
    return path


def speed_comparison(scores: Dict) -> List[str]:
    """Sentences comparing the network's time per 512x512 image with each baseline's in
    ``scores`` (none without the network's): how much faster than all of a baseline's steps,
    and than the steps it needs to reach the network's style loss."""
    if NETWORK not in scores:
        return []
    network = scores[NETWORK]
    lines = []
    for method in BASELINES:
        if method not in scores:
            continue
        baseline = scores[method]
        speedup = baseline["seconds_per_512px"] / network["seconds_per_512px"]
        line = (f"{method}: the network is {speedup:.0f}x faster per 512x512 image than its "
                f"{len(baseline['style_loss_by_step'])} steps; ")
        matched = baseline["seconds_to_match_network_style_512px"]
        if np.isfinite(matched):
            line += (f"it reaches the network's style loss after "
                     f"{baseline['steps_to_match_network_style']} steps ({matched:.1f} s per "
                     f"512x512 image, {matched / network['seconds_per_512px']:.0f}x the "
                     f"network's time)")
        else:
            line += "it does not reach the network's style loss within its steps"
        lines.append(line)
    return lines
