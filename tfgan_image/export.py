"""Exported generators of a run: RUN/generator.keras (Keras) and RUN/saved_model (serving).

``generator.keras`` is rewritten (atomically) at every checkpoint, so a run that has
checkpointed always has a loadable generator; the SavedModel is written at the end of a run.
"""

import os
import shutil

import keras

GENERATOR_FILE = "generator.keras"
SAVED_MODEL_DIR = "saved_model"


class RunError(ValueError):
    """A run directory that cannot be used: missing, or without a trained generator."""


def _with_float32_policies(config):
    """A copy of a Keras config with every mixed-precision dtype policy set to float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy":
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {k: _with_float32_policies(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_with_float32_policies(v) for v in config]
    return config


def float32_copy(model: keras.Model) -> keras.Model:
    """The same functional model computing in float32 (same weights).

    Exports use it: bfloat16 is fast on CPUs with AMX, but slow or unsupported on many of the
    CPUs and GPUs a trained model is applied on.
    """
    copy = keras.Model.from_config(_with_float32_policies(model.get_config()))
    copy.set_weights(model.get_weights())
    return copy


def export_generator(generator: keras.Model, workdir: str) -> str:
    """Saves ``generator`` (in float32) as RUN/generator.keras, atomically; returns the path."""
    path = os.path.join(workdir, GENERATOR_FILE)
    tmp = os.path.join(workdir, "generator.tmp.keras")
    float32_copy(generator).save(tmp)
    os.replace(tmp, path)
    return path


def export_saved_model(generator: keras.Model, workdir: str) -> str:
    """Writes RUN/saved_model (float32 compute), a TF SavedModel whose ``serve`` signature maps
    a float32 batch (any height and width the generator accepts) to its output; for TF Serving
    / tf.saved_model.
    """
    path = os.path.join(workdir, SAVED_MODEL_DIR)
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    float32_copy(generator).export(tmp, format="tf_saved_model", verbose=False)
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)
    return path


def load_generator(workdir: str) -> keras.Model:
    """The trained generator RUN/generator.keras; RunError when there is none."""
    from tfgan_image import layers  # noqa: F401  (registers the custom layers for loading)

    if not os.path.isdir(workdir):
        raise RunError(f"Run directory does not exist: {workdir}")
    path = os.path.join(workdir, GENERATOR_FILE)
    if not os.path.exists(path):
        raise RunError(f"{workdir} has no trained generator ({path} is missing): train the "
                       f"run first (it exports the generator at every checkpoint).")
    return keras.models.load_model(path, compile=False)
