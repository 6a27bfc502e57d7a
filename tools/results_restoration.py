"""Regenerates the restoration section of tools/RESULTS.md (results_restoration.md).

    python tools/results_restoration.py [--runs=runs/results] [--only=denoise,jpeg,...]

Runs each experiment as a user would (``python -m tfgan_image.experiments.restoration`` in a
subprocess, fresh run directory) and times it end to end (RUNS/timings.json); then renders
tools/results_restoration.md from every finished run directory: the evaluations of the
EMA generator (metrics.jsonl), the classical references computed in the same run
(references.json), and comparison.png / degradations.png copied to tools/figures/.
Runs:

* ``denoise``: the default command, nothing changed (the issue's 20-minute budget).
* ``denoise_l1``: the same without the adversarial term (the U-Net trained on L1 alone), to
  show what the GAN term costs or gains in PSNR; ``denoise_adv0.001``: a 10x weaker one.
* ``desharpen``, ``deblur``, ``jpeg``, ``detexture``, ``mixed``: 1,000 steps each (under a third
  of the default), so all tasks fit in one sitting.
* ``apply_large``: ``python -m tfgan_image.apply`` with the denoise run on a 4000x3000 noisy
  photo: wall time and peak memory.

Total: about 100 minutes on a 2-core CPU.
"""

import json
import os
import shutil

import run_helpers
from absl import app, flags
from run_helpers import final_evaluation, run_module, write_report

FLAGS = flags.FLAGS
flags.DEFINE_string("runs", "runs/results", "Where the run directories go (recreated).")
flags.DEFINE_list("only", ["denoise", "denoise_l1", "denoise_adv0.001", "desharpen", "deblur",
                           "jpeg", "detexture", "mixed", "apply_large"],
                  "Which runs to make; the report then covers every run in --runs (a run made "
                  "earlier keeps its row). Empty: only re-render the report.")

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = os.path.join(HERE, "figures")
SHORT = ["--steps=1000", "--eval_every=0"]
RUNS = {
    "denoise": ["--task=denoise"],
    "denoise_l1": ["--task=denoise", "--adversarial_weight=0"],
    "denoise_adv0.001": ["--task=denoise", "--adversarial_weight=0.001"],
    "desharpen": ["--task=desharpen", *SHORT],
    "deblur": ["--task=deblur", *SHORT],
    "jpeg": ["--task=jpeg", *SHORT],
    "detexture": ["--task=detexture", *SHORT],
    "mixed": ["--task=mixed", *SHORT],
}
MODULE = "tfgan_image.experiments.restoration"


TIMINGS = "timings.json"  # in --runs: {run name: wall seconds}, written by the run phase


def _update_timings(key, value):
    return run_helpers.timings(FLAGS.runs, {key: value})


def run_one(name):
    """Runs one experiment in a fresh run directory; records its wall time."""
    workdir = os.path.join(FLAGS.runs, f"restoration_{name}")
    shutil.rmtree(workdir, ignore_errors=True)
    _, seconds = run_module(MODULE, [f"--workdir={workdir}", *RUNS[name]], name)
    _update_timings(name, seconds)
    print(f"  {seconds / 60:.1f} min, GAN PSNR {final_evaluation(workdir)['psnr']:.2f}",
          flush=True)


def read_row(name, seconds):
    """The figures of a finished run directory, its figures copied to tools/figures."""
    workdir = os.path.join(FLAGS.runs, f"restoration_{name}")
    with open(os.path.join(workdir, "metrics.jsonl")) as f:
        curve = [e for e in map(json.loads, f) if "psnr" in e]  # step 0: the references
    with open(os.path.join(workdir, "references.json")) as f:
        references = json.load(f)
    references.pop("evaluation")
    os.makedirs(FIGURES, exist_ok=True)
    figures = {}
    for kind in ("comparison", "degradations"):
        figures[kind] = os.path.join(FIGURES, f"restoration_{name}_{kind}.png")
        shutil.copy(os.path.join(workdir, f"{kind}.png"), figures[kind])
    return dict(name=name, command=" ".join(["python -m", MODULE, *RUNS[name]]),
                seconds=seconds, final=curve[-1], curve=curve, references=references,
                figures={k: os.path.relpath(v, HERE) for k, v in figures.items()})


def apply_large_photo(workdir):
    """Times ``python -m tfgan_image.apply`` on a 4000x3000 noisy photo; its peak memory (max
    RSS, from GNU time)."""
    import numpy as np
    import skimage.data
    from PIL import Image

    big = np.asarray(Image.fromarray(skimage.data.coffee()).resize((4000, 3000)), np.float64)
    noisy = np.clip(big + np.random.default_rng(0).normal(0, 25, big.shape), 0, 255)
    source = os.path.join(FLAGS.runs, "large_noisy.png")
    Image.fromarray(np.round(noisy).astype(np.uint8)).save(source)
    out, seconds = run_module("tfgan_image.apply", [
        f"--workdir={workdir}", "--overwrite", source,
        os.path.join(FLAGS.runs, "large_restored.png")],
        "apply", wrapper=("/usr/bin/time", "-f", "PEAK_KB %M"))
    peak_kb = int(out.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    return seconds, peak_kb / 2 ** 20


def table(row):
    methods = dict(row["references"])
    methods["**GAN (EMA generator)**"] = row["final"]
    images = [k[5:] for k in row["final"] if k.startswith("psnr/")]
    lines = [f"| method | PSNR (dB) | SSIM | PSNR-Y (dB) | s / image | "
             f"{' | '.join(f'PSNR {i}' for i in images)} |",
             "|---|---|---|---|---|" + "---|" * len(images)]
    for name, m in methods.items():
        lines.append(f"| {name} | {m['psnr']:.2f} | {m['ssim']:.4f} | {m['psnr_y']:.2f} | "
                     f"{m['seconds_per_image']:.3f} | "
                     + " | ".join(f"{m[f'psnr/{i}']:.2f}" for i in images) + " |")
    return lines


def render(timings):
    """results_restoration.md from every run in --runs that has a recorded wall time."""
    rows = [read_row(name, timings[name]) for name in RUNS if name in timings]
    lines = ["Held-out photos: astronaut, chelsea, coffee (whole images, never trained on), each "
             "degraded once with a fixed seed. PSNR / SSIM on 8-bit RGB (SSIM: Gaussian "
             "window 11, sigma 1.5), PSNR-Y on the BT.601 luma. Seconds per image on this "
             "2-core CPU (GAN: tiled inference of the EMA generator in mixed_bfloat16, "
             "in memory; classical: scikit-image / bm3d).", ""]
    for row in rows:
        lines += [f"### {row['name']}: `{row['command']}`", "",
                  f"Wall time {row['seconds'] / 60:.1f} min end to end (training "
                  f"{row['final']['step']} steps, references, evaluation, export).", ""]
        lines += table(row)
        if len(row["curve"]) > 1:
            lines += ["", "GAN PSNR during training: " + ", ".join(
                f"{e['psnr']:.2f} dB at step {e['step']}" for e in row["curve"]) + "."]
        if "bm3d" in row["references"]:
            ratio = (row["references"]["bm3d"]["seconds_per_image"]
                     / row["final"]["seconds_per_image"])
            gap = row["final"]["psnr"] - row["references"]["bm3d"]["psnr"]
            lines += ["", f"GAN - BM3D: {gap:+.2f} dB; the GAN is {ratio:.0f}x faster per image."]
        lines += ["", f"![{row['name']}]({row['figures']['comparison']})  ",
                  f"*{row['name']}: clean, degraded, best classical method, GAN (centre crops; "
                  f"PSNR of the whole photo). Training pairs: "
                  f"[{row['figures']['degradations']}]({row['figures']['degradations']}).*", ""]
    if "apply_large" in timings:
        seconds, peak_gb = timings["apply_large"]
        lines += ["### Applying the denoiser to a 4000x3000 photo", "",
                  f"`python -m tfgan_image.apply --workdir=RUN large_noisy.png "
                  f"large_restored.png` (512 px tiles, 64 px margins): {seconds:.0f} s end to "
                  f"end including start-up, peak memory (RSS) {peak_gb:.1f} GB.", ""]
    write_report("results_restoration.md", "\n".join(lines) + "\n")


def main(argv):
    del argv
    os.makedirs(FLAGS.runs, exist_ok=True)
    timings = {}
    for name in FLAGS.only:
        if name == "apply_large":
            timings = _update_timings(name, apply_large_photo(
                os.path.join(FLAGS.runs, "restoration_denoise")))
        else:
            run_one(name)
    path = os.path.join(FLAGS.runs, TIMINGS)
    if os.path.exists(path):
        with open(path) as f:
            timings = json.load(f)
    render(timings)


if __name__ == "__main__":
    app.run(main)
