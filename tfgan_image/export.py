"""Exported generators of a run: RUN/generator.keras (Keras), RUN/saved_model (serving) and
RUN/generator.tflite / RUN/generator_float16.tflite (phones; image-to-image generators; the
second with float16 weights, half the size, computing in float32 where the device has no
float16 arithmetic).

``generator.keras`` is rewritten (atomically) at every checkpoint, so a run that has
checkpointed always has a loadable generator; the SavedModel and TFLite files are written at
the end of a run. Runs with stages (super-resolution) keep one set per stage in RUN/stageN.
"""

import contextlib
import os
from typing import Dict, Optional

import keras

from tfgan_image.atomic import replacing, write_bytes
from tfgan_image.errors import RunError
from tfgan_image.precision import copy_with_policy

GENERATOR_FILE = "generator.keras"
SAVED_MODEL_DIR = "saved_model"
TFLITE_FILE = "generator.tflite"
TFLITE_FLOAT16_FILE = "generator_float16.tflite"


def float32_copy(model: keras.Model) -> keras.Model:
    """The same functional model computing in float32 (same weights).

    Exports use it: bfloat16 is fast on CPUs with AMX, but slow or unsupported on many of the
    CPUs and GPUs a trained model is applied on.
    """
    return copy_with_policy(model, "float32")


def export_generator(generator: keras.Model, workdir: str) -> str:
    """Saves ``generator`` (in float32) as RUN/generator.keras, atomically; returns the path."""
    path = os.path.join(workdir, GENERATOR_FILE)
    with replacing(path) as tmp:
        float32_copy(generator).save(tmp)
    return path


@contextlib.contextmanager
def _quiet_tf_logging():
    """Hides TensorFlow's INFO lines (assets written, fingerprints, ...) while exporting."""
    import tensorflow as tf
    from absl import logging

    verbosity, level = logging.get_verbosity(), tf.get_logger().level
    logging.set_verbosity(logging.WARNING)
    tf.get_logger().setLevel("WARNING")
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        tf.get_logger().setLevel(level)


def export_saved_model(generator: keras.Model, workdir: str) -> str:
    """Writes RUN/saved_model (float32 compute), a TF SavedModel whose ``serve`` signature maps
    a float32 batch (any height and width the generator accepts) to its output; for TF Serving
    / tf.saved_model.
    """
    path = os.path.join(workdir, SAVED_MODEL_DIR)
    with replacing(path) as tmp, _quiet_tf_logging():
        float32_copy(generator).export(tmp, format="tf_saved_model", verbose=False)
    return path


def export_tflite(generator: keras.Model, workdir: str, saved_model: Optional[str] = None,
                  float16: bool = False) -> str:
    """Writes RUN/generator.tflite (float32) of an image-to-image generator, or with
    ``float16`` RUN/generator_float16.tflite (weights stored in float16): input [N, H, W, C]
    float32 with the sizes set at run time (``interpreter.resize_tensor_input``).

    Converted from a SavedModel (``saved_model``, e.g. RUN/saved_model; a temporary one is
    exported when None): converting the Keras model's concrete function directly gave an
    interpreter reading uninitialised weights (garbage / NaN outputs) in TF 2.21.
    """
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        saved_model = saved_model or export_saved_model(generator, tmp)
        with _quiet_tf_logging():
            converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
            if float16:
                converter.optimizations = [tf.lite.Optimize.DEFAULT]
                converter.target_spec.supported_types = [tf.float16]
            flatbuffer = converter.convert()
    return write_bytes(os.path.join(workdir, TFLITE_FLOAT16_FILE if float16 else TFLITE_FILE),
                       flatbuffer)


def export_all(generator: keras.Model, workdir: str, tflite: bool = True) -> Dict[str, str]:
    """The end-of-run exports: {"generator": RUN/generator.keras, "saved_model": ...,
    "tflite": RUN/generator.tflite, "tflite_float16": RUN/generator_float16.tflite (the last
    two when ``tflite``)}."""
    paths = {"generator": export_generator(generator, workdir),
             "saved_model": export_saved_model(generator, workdir)}
    if tflite:
        paths["tflite"] = export_tflite(generator, workdir, paths["saved_model"])
        paths["tflite_float16"] = export_tflite(generator, workdir, paths["saved_model"],
                                                float16=True)
    return paths


def generator_path(workdir: str, stage: Optional[int] = None) -> str:
    """RUN/generator.keras, or for a staged run RUN/stage<stage>/generator.keras (default: the
    last stage that has one); RunError when the run or the generator is missing."""
    if not os.path.isdir(workdir):
        raise RunError(f"Run directory does not exist: {workdir}")
    staged = sorted(int(name[5:]) for name in os.listdir(workdir)
                    if name.startswith("stage") and name[5:].isdigit()
                    and os.path.exists(os.path.join(workdir, name, GENERATOR_FILE)))
    if stage is not None:
        if stage not in staged:
            raise RunError(f"{workdir} has no trained stage-{stage} generator "
                           f"({os.path.join(workdir, f'stage{stage}', GENERATOR_FILE)} is "
                           f"missing); stages with one: {staged or 'none'}.")
        return os.path.join(workdir, f"stage{stage}", GENERATOR_FILE)
    if staged and not os.path.exists(os.path.join(workdir, GENERATOR_FILE)):
        return os.path.join(workdir, f"stage{staged[-1]}", GENERATOR_FILE)
    return os.path.join(workdir, GENERATOR_FILE)


def load_generator(workdir: str, stage: Optional[int] = None) -> keras.Model:
    """The trained generator of a run (``generator_path``); RunError when there is none."""
    path = generator_path(workdir, stage)
    if not os.path.exists(path):
        raise RunError(f"{workdir} has no trained generator ({path} is missing): train the "
                       f"run first (it exports the generator at every checkpoint).")
    return load_model_file(path)


def load_model_file(path: str) -> keras.Model:
    """A ``.keras`` file of this library's models; RunError naming the file when it cannot be
    loaded (damaged, not a Keras file, or refused by Keras' safe mode)."""
    from tfgan_image import layers  # noqa: F401  (registers the custom layers for loading)

    try:  # safe_mode (the default) refuses files that would run arbitrary code
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # zip, HDF5, JSON and Keras errors of a damaged file alike
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else (
            type(error).__name__)
        raise RunError(f"Cannot load {path}: damaged, not a Keras model file, or refused by "
                       f"Keras' safe mode ({reason}).") from None
