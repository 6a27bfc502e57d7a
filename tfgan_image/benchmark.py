"""Scores a model on a folder of images with the published conventions and prints the table
the papers print, with the published rows when the folder is a standard set.

    python -m tfgan_image.benchmark --model=sr_x4 --data=folder:benchmarks/set5
    python -m tfgan_image.benchmark --model=sr_x4_real --degradation=real --data=folder:photos
    python -m tfgan_image.benchmark --model=denoise --data=folder:benchmarks/cbsd68 \
        --sigma=15,25,50 --noise=unclipped --output=denoise_cbsd68.json
    python -m tfgan_image.benchmark --workdir=runs/superres_x4 --data=folder:my_photos
    python -m tfgan_image.benchmark --model=my_model.keras --task=detexture --data=folder:DIR

The model: a shipped one (``--model=NAME``), a run directory (``--workdir=RUN``; a
super-resolution run's last stage unless ``--stage``) or a ``.keras`` file
(``--model=FILE.keras``). Its task comes from the model (a shipped model's entry, a run's
config) or ``--task``; a model that upscales is scored as super-resolution.
``--output=FILE.json`` writes one result (a list for several noise levels) with the mean and
per-image scores. The numbers are those of ``tfgan_image.evaluation.benchmark.benchmark``
called from Python.
"""

import os
import sys

from absl import app, flags

from tfgan_image.evaluation import benchmark as benchmark_lib
from tfgan_image.evaluation.benchmark import BenchmarkError
from tfgan_image.inference import INFERENCE_PRECISIONS

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "A shipped model by name (python -m tfgan_image.pretrained "
                    "lists them) or a .keras file; or give --workdir.")
flags.DEFINE_string("workdir", None, "A run directory with a trained generator.")
flags.DEFINE_integer("stage", None, "Super-resolution runs: the stage to score (default: the "
                     "last trained).", lower_bound=1)
flags.DEFINE_string("data", None, "folder:PATH, the images to score on (every image file under "
                    "PATH).", required=True)
flags.DEFINE_enum("task", None, benchmark_lib.TASKS, "What the model does (default: from the "
                  "shipped model's entry or the run's config; super_resolution for a model that "
                  "upscales).")
flags.DEFINE_integer("scale", None, "The upscaling factor expected of the model (checked; "
                     "default: the model's own).", lower_bound=1)
flags.DEFINE_enum("degradation", "bicubic", benchmark_lib.DEGRADATIONS, "Super-resolution: "
                  "the low-resolution inputs by MATLAB's bicubic (the published tables' "
                  "convention) or by Real-ESRGAN's chain of blur, resizing, noise and JPEG, "
                  "seeded by --seed (how sr_x4_real is scored).")
flags.DEFINE_list("sigma", ["15", "25", "50"], "Denoising: Gaussian noise std(s) on the 0-255 "
                  "scale.")
flags.DEFINE_enum("noise", "clipped", ["clipped", "unclipped"], "Denoising: the noisy image "
                  "clipped to [0, 255] and rounded to 8 bits (a saved noisy photo, what apply "
                  "sees), or left unclipped in float (as most published tables score).")
flags.DEFINE_boolean("blind", False, "Denoisers with a noise-level input: let the model "
                     "estimate the level from each image, as apply does without --noise_level "
                     "(default: give it the true sigma, as FFDNet's tables do).")
flags.DEFINE_integer("seed", 0, "Seed of the noise or degradation.")
flags.DEFINE_enum("precision", "float32", INFERENCE_PRECISIONS, "What the model computes in: "
                  "float32 gives the same numbers on every CPU (the cards' numbers); auto is "
                  "apply's default (bfloat16 where the CPU has it).")
flags.DEFINE_integer("tile", 512, "Tile size in output pixels.", lower_bound=16)
flags.DEFINE_string("output", None, "Write the result(s) to this .json file.")


def data_folder(data: str) -> str:
    if not data.startswith("folder:") or not data.partition(":")[2]:
        raise BenchmarkError(f"--data must be folder:PATH, got {data!r}.")
    return data.partition(":")[2]


def parse_sigmas(values) -> list:
    try:
        sigmas = [float(v) for v in values]
    except ValueError:
        raise BenchmarkError(f"--sigma must be numbers, e.g. 15,25,50; got "
                             f"{','.join(values)!r}.") from None
    if not sigmas or any(s < 0 for s in sigmas):
        raise BenchmarkError(f"--sigma needs one or more values >= 0, got {','.join(values)!r}.")
    return sigmas


def load_model():
    """(keras model, its name for the table, its task or None, the degradation settings of
    a run's config or None)."""
    from tfgan_image import export, pretrained

    if (FLAGS.model is None) == (FLAGS.workdir is None):
        raise app.UsageError("Give exactly one of --model=NAME|FILE.keras and --workdir=RUN.")
    if FLAGS.workdir:
        from tfgan_image import rundir

        model = export.load_generator(FLAGS.workdir, FLAGS.stage)
        config = rundir.read_config(FLAGS.workdir) or {}
        settings = None
        if "task" in config:
            from tfgan_image import restoration

            settings = restoration.degrade_settings(
                restoration.RestorationConfig(**{k: v for k, v in config.items()
                                                 if k in restoration.DEGRADATION_SETTINGS},
                                              workdir=FLAGS.workdir))
        return model, os.path.basename(os.path.normpath(FLAGS.workdir)), config.get("task"), \
            settings
    if FLAGS.model.endswith(".keras"):
        if not os.path.isfile(FLAGS.model):
            raise BenchmarkError(f"Model file does not exist: {FLAGS.model}")
        return pretrained.load_file(FLAGS.model), os.path.basename(FLAGS.model), None, None
    entry = pretrained.entry(FLAGS.model)
    if entry.get("evaluator") not in benchmark_lib.TASKS:
        raise BenchmarkError(f"{FLAGS.model} is scored by its card ({entry.get('evaluator')} "
                             f"evaluation), not on an image folder: benchmark scores "
                             f"restoration and super-resolution models.")
    return pretrained.load(FLAGS.model), FLAGS.model, entry["evaluator"], None


def main(argv):
    del argv
    from tfgan_image.apply import check_image_to_image
    from tfgan_image.atomic import write_json
    from tfgan_image.inference import model_scale, model_stride

    folder = data_folder(FLAGS.data)
    sigmas = parse_sigmas(FLAGS.sigma)
    if FLAGS.output and not FLAGS.output.endswith(".json"):
        raise BenchmarkError(f"--output must be a .json file, got {FLAGS.output!r}.")
    model, name, task, settings = load_model()
    check_image_to_image(model, f"--model={FLAGS.model}" if FLAGS.model
                         else f"--workdir={FLAGS.workdir}")
    scale = model_scale(model, model_stride(model))
    if FLAGS.scale is not None and FLAGS.scale != scale:
        raise BenchmarkError(f"--scale={FLAGS.scale} does not match {name}, which upscales "
                             f"x{scale}.")
    # --task, else super-resolution for a model that upscales, else the model's own task;
    # the library refuses a task the model does not do.
    task = FLAGS.task or (benchmark_lib.SUPER_RESOLUTION if scale > 1 else task or "denoise")
    results = benchmark_lib.benchmark(
        model, folder, task, name, sigmas, FLAGS.noise == "clipped", FLAGS.seed,
        FLAGS.precision, FLAGS.tile, degrade_settings=settings, blind=FLAGS.blind,
        degradation=FLAGS.degradation)
    print(benchmark_lib.table(results))
    if FLAGS.output:
        payload = [r.to_json() for r in results]
        folder_out = os.path.dirname(os.path.abspath(FLAGS.output))
        if not os.path.isdir(folder_out):
            raise BenchmarkError(f"Folder of --output does not exist: {folder_out}")
        write_json(FLAGS.output, payload[0] if len(payload) == 1 else payload)
        print(f"\nWrote {FLAGS.output}", file=sys.stderr)


if __name__ == "__main__":
    from tfgan_image import cli

    cli.run(main)
