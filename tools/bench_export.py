"""Exported image-to-image models against Keras: fidelity and speed of each export format.

    python tools/bench_export.py [--models=denoise,sr_x4] [--out=tools/bench_export.md]

For each shipped image-to-image model (default: all of them): the Keras model in float32
(``tf.function``, the reference), its SavedModel (``serve`` signature), and its TFLite models
with float32 and float16 weights (``export.export_tflite``), all run in this process on the
same photo crops at two sizes (height and width set at run time: the exports take any size).
Reported per format: PSNR of its output against the Keras output (8-bit images; "identical"
when equal), milliseconds per output megapixel (median of --repeats calls after warm-up, batch
1, all CPU cores), and the file size. The photos are scikit-image's astronaut and coffee; the
denoiser gets sigma-25 noise and its noise-level map.
"""

import os
import statistics
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import app, flags
from run_helpers import print_report

from tfgan_image import export, inference, metrics, pretrained
from tfgan_image.data import pipeline

FLAGS = flags.FLAGS
flags.DEFINE_list("models", None, "Shipped image-to-image models (default: all).")
flags.DEFINE_list("sizes", ["256x256", "320x448"], "Input sizes HxW (multiples of the models' "
                  "strides; the exports are built once and resized).")
flags.DEFINE_integer("repeats", 3, "Timed calls per format and size (the median is used).",
                     lower_bound=1)
flags.DEFINE_string("out", "", "Optional Markdown file for the report.")

FORMATS = ("Keras float32", "SavedModel", "TFLite float32", "TFLite float16")


def inputs(model, size):
    """A photo crop of ``size`` (h, w) as the model's float32 input [1, h, w, C] in [-1, 1]."""
    import skimage.data

    photo = skimage.data.astronaut() if size[1] <= 512 else skimage.data.coffee()
    crop = pipeline.centre_crop(photo, max(size))[:size[0], :size[1]]
    batch = (crop.astype(np.float32) / 127.5 - 1.0)[None]
    if inference.takes_noise_level(model):
        noisy = crop + np.random.default_rng(0).normal(0, 25, crop.shape)
        batch = np.clip(noisy, 0, 255).astype(np.float32)[None] / 127.5 - 1.0
        batch = inference.with_noise_level_map(batch, 25.0)
    return batch


def median_ms(fn, batch) -> float:
    fn(batch)
    times = []
    for _ in range(FLAGS.repeats):
        start = time.perf_counter()
        np.asarray(fn(batch))
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def tflite_runner(path):
    interpreter = tf.lite.Interpreter(model_path=path, num_threads=os.cpu_count())
    index = interpreter.get_input_details()[0]["index"]
    shape = [None]

    def run(batch):
        if shape[0] != batch.shape:
            interpreter.resize_tensor_input(index, batch.shape)
            interpreter.allocate_tensors()
            shape[0] = batch.shape
        interpreter.set_tensor(index, batch)
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])

    return run


def size_mb(path) -> float:
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path)
                   for f in files) / 1e6
    return os.path.getsize(path) / 1e6


def bench_model(name):
    """{format: {"psnr": [...per size], "ms_per_mp": [...], "mb": float}} or an error text."""
    model = export.float32_copy(pretrained.load(name))
    folder = tempfile.mkdtemp()
    keras_file = os.path.join(folder, "model.keras")
    model.save(keras_file)
    saved_model = export.export_saved_model(model, folder)
    serve = tf.saved_model.load(saved_model).signatures["serve"]
    runners = {"Keras float32": (tf.function(lambda x: model(x, training=False)), keras_file),
               "SavedModel": (lambda x: list(serve(tf.constant(x)).values())[0], saved_model)}
    for label, half in (("TFLite float32", False), ("TFLite float16", True)):
        try:
            path = export.export_tflite(model, folder, saved_model, float16=half)
            runners[label] = (tflite_runner(path), path)
        except Exception as error:   # report a format that does not convert, keep going
            runners[label] = (None, str(error).strip().splitlines()[0][:120])
    rows = {label: {"psnr": [], "ms_per_mp": [], "mb": None, "error": None}
            for label in FORMATS}
    for text in FLAGS.sizes:
        size = tuple(int(v) for v in text.split("x"))
        batch = inputs(model, size)
        reference = None
        for label in FORMATS:
            fn, where = runners[label]
            row = rows[label]
            if fn is None:
                row["error"] = where
                continue
            output = np.asarray(fn(batch))
            pixels = pipeline.from_unit_range(np.clip(output[0], -1, 1))
            reference = pixels if reference is None else reference
            row["psnr"].append(float("inf") if np.array_equal(pixels, reference)
                               else metrics.image_psnr(reference, pixels))
            megapixels = output.shape[1] * output.shape[2] / 1e6
            row["ms_per_mp"].append(median_ms(fn, batch) / megapixels)
            row["mb"] = size_mb(where)
        print(f"{name} {text}: " + ", ".join(
            f"{k} {v['ms_per_mp'][-1]:.0f} ms/MP" for k, v in rows.items() if v["ms_per_mp"]),
            flush=True)
    return rows


def report(results) -> str:
    sizes = " / ".join(FLAGS.sizes)
    lines = [f"Each shipped image-to-image model and its exports on the same photo crops of "
             f"{sizes} px (one export per format, resized at run time), CPU, batch 1. PSNR: "
             f"the export's 8-bit output against the Keras float32 output at each size "
             f"(higher is closer; identical: equal pixels). Speed: milliseconds per output "
             f"megapixel, median of {FLAGS.repeats} calls after warm-up, at each size; ratio: "
             f"against Keras float32 at the larger size.", "",
             "| model | format | PSNR vs Keras (dB) | ms / megapixel | vs Keras | file MB |",
             "|---|---|---|---|---|---|"]
    for name, rows in results.items():
        keras_ms = rows["Keras float32"]["ms_per_mp"][-1]
        for label in FORMATS:
            row = rows[label]
            if row["error"]:
                lines.append(f"| {name} | {label} | did not convert: {row['error']} | | | |")
                continue
            psnr = " / ".join("identical" if p == float("inf") else f"{p:.1f}"
                              for p in row["psnr"])
            speed = " / ".join(f"{v:.0f}" for v in row["ms_per_mp"])
            lines.append(f"| {name} | {label} | {psnr} | {speed} | "
                         f"{keras_ms / row['ms_per_mp'][-1]:.2f}x | {row['mb']:.1f} |")
    return "\n".join(lines)


def main(argv):
    del argv
    names = FLAGS.models or [n for n, e in pretrained.registry().items()
                             if e["kind"] == "image_to_image"]
    print_report(report({name: bench_model(name) for name in names}), FLAGS.out)


if __name__ == "__main__":
    app.run(main)
