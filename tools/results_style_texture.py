"""Regenerates the style-transfer and texture sections of tools/RESULTS.md
(results_style_texture.md).

    python tools/results_style_texture.py [--runs=runs/results_style]
        [--only=style,style_seed1,apply_large,texture,texture_pixels]

Runs each default experiment as a user would (``python -m tfgan_image.experiments.<name>`` in
a subprocess, fresh run directory), timed end to end (RUNS/timings.json); then renders
tools/results_style_texture.md from the run directories (summary.json) and copies their
figures to tools/figures/. Both are the default commands with nothing changed (the
issue's 20-minute budget each); ``style_seed1`` repeats the style run with ``--seed=1``, to
show how much the outcome varies. ``apply_large``: ``python -m tfgan_image.apply`` with the
style network on a 4000x3000 photo (chelsea upscaled; tiles with whole-image normalisation
statistics): wall time and peak memory. ``texture_pixels``: the texture run with
``--generator=pixels`` (the spatial GAN that draws every pixel, the default before the patch
generator) for its 4,000 steps, as the reference the default is measured against. Total:
about 30 minutes on a 2-core CPU (twice that on the slower machine of earlier records).
"""

import functools
import json
import os
import shutil

import run_helpers
from absl import app, flags
from run_helpers import run_apply, run_each, run_module, timings, write_report

from tfgan_image import style_transfer

FLAGS = flags.FLAGS
flags.DEFINE_string("runs", "runs/results_style", "Where the run directories go.")
flags.DEFINE_list("only", ["style", "style_seed1", "apply_large", "texture", "texture_pixels"],
                  "Which runs to make; empty: only re-render the report.")

HERE = os.path.dirname(os.path.abspath(__file__))
FIGURES = os.path.join(HERE, "figures")
RUNS = {"style": ("tfgan_image.experiments.style_transfer", []),
        "style_seed1": ("tfgan_image.experiments.style_transfer", ["--seed=1"]),
        "texture": ("tfgan_image.experiments.texture_synthesis", []),
        "texture_pixels": ("tfgan_image.experiments.texture_synthesis",
                           ["--generator=pixels", "--steps=4000"])}


def _workdir(name):
    return os.path.join(FLAGS.runs, name)


def _summary(name):
    with open(os.path.join(_workdir(name), "summary.json")) as f:
        return json.load(f)


def run_one(name):
    shutil.rmtree(_workdir(name), ignore_errors=True)
    module, args = RUNS[name]
    _, seconds = run_module(module, [f"--workdir={_workdir(name)}", *args], name)
    timings(FLAGS.runs, {name: seconds, f"{name}_cpu_steal": run_helpers.last_cpu_steal})
    print(f"  {seconds / 60:.1f} min", flush=True)


LARGE_PHOTO = (4000, 3000)


def run_apply_large():
    """The style network on chelsea upscaled to LARGE_PHOTO, under GNU time; also a
    downscaled view of the result (tools/figures/style_large_apply.png)."""
    import skimage.data
    from PIL import Image

    photo = os.path.join(FLAGS.runs, "large_input.png")
    output = os.path.join(FLAGS.runs, "large_output.png")
    Image.fromarray(skimage.data.chelsea()).resize(LARGE_PHOTO, Image.BICUBIC).save(photo)
    seconds, peak_gb = run_apply([f"--workdir={_workdir('style')}", photo, output],
                                 "apply_large")
    timings(FLAGS.runs, {"style_apply_large": seconds, "style_apply_large_peak_gb": peak_gb})
    with Image.open(output) as image:
        image.resize((LARGE_PHOTO[0] // 5, LARGE_PHOTO[1] // 5), Image.LANCZOS).save(
            os.path.join(FLAGS.runs, "large_output_view.png"))


def _figure(name, source, target):
    os.makedirs(FIGURES, exist_ok=True)
    shutil.copy(os.path.join(_workdir(name), source), os.path.join(FIGURES, target))
    return f"figures/{target}"


def _steal_note(recorded, name):
    steal = recorded.get(f"{name}_cpu_steal")
    return (f"; the host stole {100 * steal:.0f}% of the CPU time meanwhile, which slowed "
            f"the run" if steal and steal > run_helpers.NOTABLE_CPU_STEAL else "")


def _second_seed_line(network):
    """The style_seed1 run's held-out losses next to seed 0's, if it was run."""
    if not os.path.exists(os.path.join(_workdir("style_seed1"), "summary.json")):
        return []
    scores = _summary("style_seed1")["scores"]
    other = scores[style_transfer.NETWORK]
    return [f"The same command with `--seed=1`: content {other['content_loss']:.4f}, style "
            f"{other['style_loss']:.4f} (seed 0: {network['content_loss']:.4f}, "
            f"{network['style_loss']:.4f}).", "",
            *[f"- {line}" for line in style_transfer.speed_comparison(scores)], ""]


def _pixel_generator_lines(recorded):
    """The texture_pixels run (the SGAN generator) beside the default, if it was run."""
    if not os.path.exists(os.path.join(_workdir("texture_pixels"), "summary.json")):
        return []
    distances = _summary("texture_pixels")["gram_distance"]
    figure = _figure("texture_pixels", "source_vs_generated.png",
                     "texture_pixels_source_vs_generated.png")
    return [f"The same texture with `python -m {RUNS['texture_pixels'][0]} "
            f"{' '.join(RUNS['texture_pixels'][1])}` (the spatial GAN that draws every pixel; "
            f"{recorded['texture_pixels'] / 60:.1f} min{_steal_note(recorded, 'texture_pixels')})"
            f": Gram distance {distances['spatial GAN']:.4f} (untrained "
            f"{distances['untrained generator']:.4f}). Source and a generated texture:", "",
            f"![pixel generator]({figure})", ""]


def render():
    recorded = timings(FLAGS.runs)
    lines = []
    if os.path.exists(os.path.join(_workdir("style"), "summary.json")):
        summary = _summary("style")
        scores = summary["scores"]
        network = scores[style_transfer.NETWORK]
        with open(os.path.join(_workdir("style"), "config.json")) as f:
            config = json.load(f)
        target = ("the mean Gram matrices of the style image's 8 flips and 90-degree "
                  "rotations" if config.get("orientation_free_style")
                  else "the style image's Gram matrices")
        steal = _steal_note(recorded, "style")
        lines += ["## Style transfer", "",
                  f"Regenerated by `python tools/results_style_texture.py`. "
                  f"`python -m {RUNS['style'][0]}` ({recorded['style'] / 60:.1f} min end to end "
                  f"on 2 CPU cores, including the baselines{steal}), "
                  f"style {summary['style_image']}, "
                  f"losses on {summary['feature_backbone']}; held-out content photos "
                  f"{', '.join(summary['held_out'])} (centre crops). Content: relative squared "
                  f"error of the VGG {config['content_stage']} features (its last relu); "
                  f"style: `losses.gram_distance` to {target}, averaged over relu1_2 ... "
                  f"relu4_x (see "
                  f"`style_losses.StyleLosses`; lower is closer); "
                  f"seconds per 512x512 image (the network's call and the baseline's step "
                  f"at 512x512 timed in turns, medians of 9, so a busy host slows both alike; "
                  f"a baseline's time is its step time times its steps). The network first "
                  f"moves each photo's colours to the style image's colour mean and "
                  f"covariance (`--colour_transfer`); the second baseline starts from that "
                  f"recoloured photo instead of the photo, the same head start.", "",
                  "| method | content loss | style loss | s / 512x512 image |", "|---|---|---|---|"]
        for method, values in scores.items():
            lines.append(f"| {method} | {values['content_loss']:.4f} | "
                         f"{values['style_loss']:.4f} | {values['seconds_per_512px']:.3f} |")
        lines += ["", *[f"- {line}" for line in style_transfer.speed_comparison(scores)], "",
                  *_second_seed_line(network),
                  "![style transfer]("
                  + _figure("style", "comparison.png", "style_comparison.png") + ")",
                  ""]
        if "style_apply_large" in recorded:
            width, height = LARGE_PHOTO
            lines += [f"`python -m tfgan_image.apply` with this network on a {width}x{height} "
                      f"photo (chelsea upscaled; 512 px tiles normalised with the whole "
                      f"image's statistics): {recorded['style_apply_large']:.0f} s end to end, "
                      f"peak RSS {recorded['style_apply_large_peak_gb']:.2f} GB. The result, "
                      f"shown at 1/5 scale:", "",
                      "![large photo stylised](" + _figure(".", "large_output_view.png",
                                                            "style_large_apply.png") + ")", ""]
    if os.path.exists(os.path.join(_workdir("texture"), "summary.json")):
        summary = _summary("texture")
        lines += ["## Texture synthesis", "",
                  f"`python -m {RUNS['texture'][0]}` ({recorded['texture'] / 60:.1f} min end to "
                  f"end{_steal_note(recorded, 'texture')}), texture {summary['texture']} "
                  f"resized to {summary['source_size'][1]}x{summary['source_size'][0]}. "
                  f"Gram-matrix "
                  f"distance to the source (`losses.gram_distance` averaged over relu1_2 ... "
                  f"relu4_x; lower is closer), 8 images of 128x128 each:", "",
                  "| images | Gram distance |", "|---|---|"]
        for name, value in summary["gram_distance"].items():
            lines.append(f"| {name} | {value:.4f} |")
        width, height = 4 * summary["source_size"][1], 4 * summary["source_size"][0]
        sample = _figure("texture", f"texture_4x_{width}x{height}.png", "texture_4x.png")
        side_by_side = _figure("texture", "source_vs_generated.png",
                               "texture_source_vs_generated.png")
        lines += ["", "The source beside a generated texture of its size, at the same scale:",
                  "", f"![source and generated texture]({side_by_side})", "",
                  f"A sample at 4x the source size ({width}x{height}), one pass:", "",
                  f"![texture]({sample})", ""]
        lines += _pixel_generator_lines(recorded)
    write_report("results_style_texture.md", "\n".join(lines))


def main(argv):
    del argv
    os.makedirs(FLAGS.runs, exist_ok=True)
    run_each(FLAGS.only, {**{name: functools.partial(run_one, name) for name in RUNS},
                          "apply_large": run_apply_large})
    render()


if __name__ == "__main__":
    app.run(main)
