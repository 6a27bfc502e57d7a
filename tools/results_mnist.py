"""Regenerates the MNIST section of tools/RESULTS.md: every figure the README quotes.

    python tools/results_mnist.py [--runs=runs/results] [--only=dcgan,mlp,tutorial]

Runs each experiment as a user would (``python -m ...`` in a subprocess, fresh run directory),
times it end to end, reads its final evaluation from metrics.jsonl, copies its last sample grid
to tools/figures/, and writes tools/results_mnist.md with the table. Runs:

* ``dcgan``: the default ``mnist_dcgan`` command (with InfoGAN's code), nothing changed.
* ``tutorial``: the TensorFlow DCGAN tutorial's settings through the same trainer (reference
  widths, batch 256, float32, Adam 1e-4 / beta_1 0.9, no DiffAugment, no EMA, no InfoGAN
  code), 400 steps: about the default run's wall-clock time, so the two compare at equal cost.
* ``mlp``: the default ``mnist_gan`` command (the original paper's MLP GAN and minimax loss).

Total: about 30 minutes on a 2-core CPU.
"""

import os
import re
import shutil

from absl import app, flags
from run_helpers import final_evaluation, run_module, write_report

FLAGS = flags.FLAGS
flags.DEFINE_string("runs", "runs/results", "Where the run directories go (recreated).")
flags.DEFINE_list("only", ["dcgan", "tutorial", "mlp"], "Which runs to make.")

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = os.path.join(HERE, "figures")

RUNS = {
    "dcgan": ("tfgan_image.experiments.mnist_dcgan", []),
    # the TF tutorial's networks and settings (tfgan_image/configs/mnist/dcgan_tutorial.py)
    "tutorial": ("tfgan_image.train", ["mnist", "--config=dcgan_tutorial"]),
    "mlp": ("tfgan_image.experiments.mnist_gan", []),
}
DESCRIPTIONS = {
    "dcgan": "mnist_dcgan, defaults",
    "tutorial": "mnist_dcgan with the TF tutorial's settings",
    "mlp": "mnist_gan (MLP, minimax), defaults",
}

METHOD = (
    "Each row is the command a user types, run end to end in a fresh run directory (wall time "
    "includes start-up and the final evaluation, not the one-off training of the evaluation "
    "classifier, which is cached). Evaluation: 5,000 samples of the EMA generator (the raw "
    "generator where EMA is off) against the 1,000 held-out embedded digits, on the features "
    "of the library's digit classifier. **These distances are on that classifier's features, "
    "not Inception's, and not comparable with numbers from another classifier**: compare them "
    "with the real-data floor below the table. The second judge (a residual CNN with batch "
    "normalisation trained with rotations, zoom and shifts; never used for training or "
    "choosing) scores the same generator on 5,000 samples; judges disagree: the share of "
    "samples the two put in different classes.")


def run_one(name, workdir, judges):
    module, args = RUNS[name]
    out, seconds = run_module(module, [*args, f"--workdir={workdir}"], name)
    stdout = out.stdout
    final = final_evaluation(workdir)
    reference = dict(re.findall(r"^\s+(frechet_distance|classifier_score)\s+([\d.]+)$",
                                stdout.split("Real training digits")[-1], re.M))
    speed = re.search(r"Training speed: (\d+) img/s", stdout)
    grids = sorted(n for n in os.listdir(os.path.join(workdir, "samples"))
                   if n.startswith("samples_"))
    os.makedirs(FIGURES, exist_ok=True)
    figure = os.path.join(FIGURES, f"mnist_{name}_samples.png")
    shutil.copy(os.path.join(workdir, "samples", grids[-1]), figure)
    return dict(name=name, command="python -m " + " ".join([module, *args]), seconds=seconds,
                final=final, reference=reference, speed=speed.group(1) if speed else "?",
                figure=os.path.relpath(figure, HERE),
                second=second_judge(judges, os.path.join(workdir, "generator.keras")))


def both_judges():
    """Both digit judges with their held-out features, loaded once for every row."""
    from tfgan_image.data import sources
    from tfgan_image.evaluation.digits import BothJudges

    return BothJudges.load(sources.load_mnist("embedded").held_out)


def second_judge(judges, generator_file: str = "") -> dict:
    """The second digit judge's scores (another architecture, trained with augmentation) of
    the run's EMA generator on 5,000 samples, or of real training digits without a file."""
    from tfgan_image import pretrained
    from tfgan_image.data import sources
    from tfgan_image.evaluation.digits import generator_samples, real_digit_subset

    images = (generator_samples(pretrained.load_file(generator_file)) if generator_file
              else real_digit_subset(sources.load_mnist("embedded").train))
    return judges.score(images)["second"]


def main(argv):
    del argv
    shutil.rmtree(FLAGS.runs, ignore_errors=True)
    judges = both_judges()
    rows = [run_one(name, os.path.join(FLAGS.runs, name), judges) for name in FLAGS.only]
    lines = [
        "| run | command | wall time | steps | img/s | Frechet dist. | KID | classifier score "
        "| rarest / commonest class | second judge: Frechet dist. / classifier score / "
        "rarest / commonest class | judges disagree |",
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        f, j = r["final"], r["second"]
        lines.append(
            f"| {DESCRIPTIONS[r['name']]} | `{r['command']}` | {r['seconds'] / 60:.1f} min | "
            f"{f['step']} | {r['speed']} | {f['frechet_distance']:.2f} | "
            f"{f['kernel_distance']:.3f} | {f['classifier_score']:.2f} | "
            f"{f['class_fraction_min']:.3f} / {f['class_fraction_max']:.3f} | "
            f"{j['frechet_distance']:.2f} / {j['classifier_score']:.2f} / "
            f"{j['class_fraction_min']:.3f} / {j['class_fraction_max']:.3f} | "
            f"{100 * j['judges_disagree']:.1f}% |")
    reference, real = rows[0]["reference"], second_judge(judges)
    text = METHOD + "\n\n" + "\n".join(lines) + (
        f"\n\nReal training digits vs. the held-out digits (the floor): Frechet distance "
        f"{float(reference.get('frechet_distance', 'nan')):.2f}, classifier score "
        f"{float(reference.get('classifier_score', 'nan')):.2f}; by the second judge "
        f"{real['frechet_distance']:.2f} / {real['classifier_score']:.2f} (the judges "
        f"disagree on {100 * real['judges_disagree']:.1f}% of real digits).\n\n")
    text += "\n".join(f"![{DESCRIPTIONS[r['name']]}]({r['figure']})  \n"
                      f"*{DESCRIPTIONS[r['name']]}: final EMA samples (fixed noise).*\n"
                      for r in rows)
    print(text)
    write_report("results_mnist.md", text)


if __name__ == "__main__":
    app.run(main)
