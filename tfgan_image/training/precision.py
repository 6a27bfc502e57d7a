"""Mixed-precision policies and optimizers that match them (and their learning-rate schedule).

``float32``: everything in float32. ``mixed_bfloat16``: compute in bfloat16, variables in
float32 (fast on CPUs with AMX / AVX512-BF16 and on TPUs; no loss scaling needed).
``mixed_float16``: compute in float16 with dynamic loss scaling (GPUs with tensor cores).
Model outputs and losses stay float32 in every case (the models end in float32 layers).
"""

import contextlib

import keras

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def check_precision(name: str) -> str:
    if name not in PRECISIONS:
        raise ValueError(f"Unknown precision {name!r}; choose one of {PRECISIONS}.")
    return name


@contextlib.contextmanager
def precision_policy(name: str):
    """Builds layers created inside the block with dtype policy ``name``; restores after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(check_precision(name))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def make_adam(learning_rate: float, beta_1: float, beta_2: float, precision: str,
              name: str) -> keras.optimizers.Optimizer:
    """Adam, wrapped in a dynamic LossScaleOptimizer for mixed_float16."""
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2, name=name)
    if check_precision(precision) == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer, name=f"{name}_loss_scale")
    return optimizer


def cosine_to_tenth(learning_rate: float, steps: int):
    """A learning-rate schedule for ``make_adam``: cosine from ``learning_rate`` at step 0 to
    10% of it at ``steps``."""
    return keras.optimizers.schedules.CosineDecay(learning_rate, max(steps, 1), alpha=0.1)


def _with_policy(config, policy: str):
    """A copy of a Keras config with every dtype policy set to ``policy``."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy":
            return {**config, "config": {**config["config"], "name": policy}}
        return {k: _with_policy(v, policy) for k, v in config.items()}
    if isinstance(config, list):
        return [_with_policy(v, policy) for v in config]
    return config


def copy_with_policy(model: keras.Model, policy: str) -> keras.Model:
    """The same functional model (same weights) with every layer computing under ``policy``
    ("float32", "mixed_bfloat16", ...)."""
    copy = keras.Model.from_config(_with_policy(model.get_config(), policy))
    copy.set_weights(model.get_weights())
    return copy
