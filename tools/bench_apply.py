"""Seconds per photo of ``pretrained.apply`` by the precision it computes in, and what the
precision does to the result.

    python tools/bench_apply.py [--models=denoise,sr_x4] [--out=FILE.md]

Each shipped model runs on scikit-image's astronaut (a 320x480 crop, never trained on), with
Gaussian noise of sigma 25 for ``denoise`` and other restorers, downscaled x``scale`` by
bicubic for super-resolution; "float32" and "auto" (mixed_bfloat16 on a CPU with AMX /
AVX512_BF16, else float32) side by side in one process, each the median of ``--repeats``
calls after one warm-up call. PSNR against the clean photo (RGB; SR: the luma Y, ``scale``
pixels shaved) and the largest difference between the two outputs in 8-bit levels.
"""

import statistics
import time

import numpy as np
from absl import app, flags
from PIL import Image
from run_helpers import print_report

from tfgan_image import inference, metrics, pretrained

FLAGS = flags.FLAGS
flags.DEFINE_list("models", ["denoise", "sr_x4"], "Shipped image-to-image models to time.")
flags.DEFINE_integer("repeats", 5, "Timed calls per setting (the median is reported).")
flags.DEFINE_string("out", "", "Optional Markdown file for the table.")
PRECISIONS = ("float32", "auto")


def photo_pair(scale: int):
    """(clean uint8 [320, 480, 3], the model's input)."""
    import skimage.data

    clean = skimage.data.astronaut()[:320, :480]
    if scale > 1:
        small = Image.fromarray(clean).resize((480 // scale, 320 // scale), Image.BICUBIC)
        return clean, np.asarray(small)
    noise = np.random.default_rng(25).normal(0, 25, clean.shape)
    return clean, np.clip(np.round(clean + noise), 0, 255).astype(np.uint8)


def main(argv):
    del argv
    lines = [f"`pretrained.apply` on a 320x480 photo (output size), median of {FLAGS.repeats} "
             f"calls, 2 CPU cores; auto computed in "
             f"{inference.inference_precision(pretrained.load(FLAGS.models[0]))} here.", "",
             "| model | precision | seconds | speed vs float32 | PSNR (dB) |",
             "|---|---|---|---|---|"]
    notes = []
    for name in FLAGS.models:
        model = pretrained.load(name)
        scale = pretrained.entry(name)["scale"]
        clean, model_input = photo_pair(scale)
        outputs, seconds = {}, {}
        for precision in PRECISIONS:
            pretrained.apply(model, model_input[:64, :64], precision=precision)   # warm-up
            times = []
            for _ in range(FLAGS.repeats):
                start = time.perf_counter()
                outputs[precision] = pretrained.apply(model, model_input, precision=precision)
                times.append(time.perf_counter() - start)
            seconds[precision] = statistics.median(times)
        for precision in PRECISIONS:
            psnr = (metrics.super_resolution_psnr(clean, outputs[precision], scale) if scale > 1
                    else metrics.image_psnr(clean, outputs[precision]))
            lines.append(f"| {name} | {precision} | {seconds[precision]:.3f} | "
                         f"{seconds['float32'] / seconds[precision]:.2f}x | {psnr:.3f} |")
        difference = np.abs(outputs["auto"].astype(int) - outputs["float32"])
        notes.append(f"- {name}: the auto output differs from the float32 one by at most "
                     f"{difference.max()} levels (mean {difference.mean():.3f}).")
    text = "\n".join(lines + [""] + notes)
    print_report(text, FLAGS.out)


if __name__ == "__main__":
    app.run(main)
