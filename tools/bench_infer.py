"""Seconds to upscale one 128x128 image to 512x512 (x4) on this CPU, by how it is run.

    python tools/bench_infer.py [--model=sr_x4 | --workdir=RUN --stage=1] [--out=FILE.md]

The model is a shipped one (``--model``, default sr_x4), a trained run's stage generator
(``--workdir``; speed does not depend on the weights) or, with ``--model=""``, the default
SRResNet-lite x4 as initialised. Settings, all in the same
process on the same image: Keras float32 in ``tf.function`` (the reference the ratios use),
mixed_bfloat16 (AMX), each with and without XLA (``jit_compile``), the exported TFLite model in
the TFLite interpreter (float32), and TensorFlow's bicubic resize (the baseline). Each time is
the median of ``--repeats`` calls after warm-up, one image per call (batch 1), model only (no
file I/O). The issue's goal: <= 0.5 s for stage 1 at x4.
"""

import os
import statistics
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import app, flags
from run_helpers import print_report

from tfgan_image import export, precision
from tfgan_image.models import superres as superres_models

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "sr_x4", "A shipped super-resolution model ('' for an untrained "
                    "default x4 model).")
flags.DEFINE_string("workdir", None, "A super-resolution run instead of --model.")
flags.DEFINE_integer("stage", 1, "Which stage's generator of --workdir.")
flags.DEFINE_integer("size", 128, "Input side (output: size * scale).")
flags.DEFINE_integer("repeats", 10, "Timed calls per setting (the median is reported).")
flags.DEFINE_string("out", "", "Optional Markdown file for the table.")


def median_seconds(fn, image, repeats: int) -> float:
    for _ in range(2):
        np.asarray(fn(image))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.asarray(fn(image))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tflite_fn(model, image_shape):
    path = export.export_tflite(model, tempfile.mkdtemp())
    interpreter = tf.lite.Interpreter(model_path=path, num_threads=os.cpu_count())
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, image_shape)
    interpreter.allocate_tensors()
    output_index = interpreter.get_output_details()[0]["index"]

    def run(image):
        interpreter.set_tensor(index, image)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)

    return run


def main(argv):
    del argv
    if FLAGS.workdir:
        model = export.load_generator(FLAGS.workdir, FLAGS.stage)
        source = f"{FLAGS.workdir} stage {FLAGS.stage}"
    elif FLAGS.model:
        from tfgan_image import pretrained

        model = pretrained.load(FLAGS.model)
        source = f"the shipped `{FLAGS.model}`"
    else:
        model = superres_models.build_generator(4)
        source = "default SRResNet-lite x4 (untrained)"
    model = export.float32_copy(model)
    image = np.random.default_rng(0).uniform(-1, 1, (1, FLAGS.size, FLAGS.size, 3)).astype(
        np.float32)
    scale = int(model(image[:, :8, :8]).shape[1]) // 8
    bf16 = precision.copy_with_policy(model, "mixed_bfloat16")
    out_size = FLAGS.size * scale
    settings = {
        "float32, tf.function": tf.function(lambda x: model(x, training=False)),
        "float32, XLA": tf.function(lambda x: model(x, training=False), jit_compile=True),
        "mixed_bfloat16, tf.function": tf.function(lambda x: bf16(x, training=False)),
        "mixed_bfloat16, XLA": tf.function(lambda x: bf16(x, training=False),
                                           jit_compile=True),
        "TFLite interpreter, float32": tflite_fn(model, image.shape),
        "bicubic (tf.image.resize)": tf.function(
            lambda x: tf.image.resize(x, [out_size, out_size], method="bicubic")),
    }
    seconds = {}
    for name, fn in settings.items():
        seconds[name] = median_seconds(fn, image, FLAGS.repeats)
        print(f"{name:30s} {seconds[name]:8.4f} s", flush=True)
    reference = seconds["float32, tf.function"]
    lines = [f"Upscaling one {FLAGS.size}x{FLAGS.size} image to {out_size}x{out_size} "
             f"(x{scale}), {source}; median of {FLAGS.repeats} calls, batch 1, 2 CPU cores.",
             "", "| setting | seconds | speed vs float32 tf.function |", "|---|---|---|"]
    for name, value in seconds.items():
        lines.append(f"| {name} | {value:.4f} | {reference / value:.2f}x |")
    best = min((v, k) for k, v in seconds.items() if not k.startswith("bicubic"))
    lines += ["", f"Fastest network setting: {best[1]}, {best[0]:.3f} s "
                  f"({'meets' if best[0] <= 0.5 else 'misses'} the 0.5 s goal); bicubic is "
                  f"{best[0] / seconds['bicubic (tf.image.resize)']:.0f}x faster still."]
    text = "\n".join(lines)
    print_report(text, FLAGS.out)


if __name__ == "__main__":
    app.run(main)
