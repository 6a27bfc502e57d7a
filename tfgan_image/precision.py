"""Mixed-precision policies and optimizers that match them (and their learning-rate schedule).

``float32``: everything in float32. ``mixed_bfloat16``: compute in bfloat16, variables in
float32 (fast on CPUs with AMX / AVX512-BF16 and on TPUs; no loss scaling needed).
``mixed_float16``: compute in float16 with dynamic loss scaling (GPUs with tensor cores).
``auto`` (a run's default): the fastest of these on this machine (``fastest_precision``).
Model outputs and losses stay float32 in every case (the models end in float32 layers).
"""

import contextlib
import functools

import keras

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
AUTO = "auto"


@functools.lru_cache(maxsize=None)
def cpu_computes_bfloat16_natively() -> bool:
    """Whether this is a machine without a GPU whose CPU has bfloat16 matrix instructions (AMX
    or AVX512_BF16, read from Linux's /proc/cpuinfo): there mixed_bfloat16 is the fast way to
    run a model; elsewhere bfloat16 is emulated and slower than float32."""
    import tensorflow as tf

    try:
        with open("/proc/cpuinfo") as f:
            cpu_flags = set(f.read().split())
    except OSError:
        return False
    return (bool(cpu_flags & {"amx_bf16", "avx512_bf16"})
            and not tf.config.list_physical_devices("GPU"))


@functools.lru_cache(maxsize=None)
def gpu_has_tensor_cores() -> bool:
    """Whether TensorFlow sees a GPU of compute capability 7.0 or more (float16 tensor cores)."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability and tuple(capability) >= (7, 0):
            return True
    return False


def fastest_precision() -> str:
    """The precision a run computes in by default: mixed_float16 on a GPU with tensor cores,
    mixed_bfloat16 on a CPU that computes bfloat16 natively, else float32 (on an AVX2 CPU
    bfloat16 is emulated and a train step is several times slower than in float32)."""
    if gpu_has_tensor_cores():
        return "mixed_float16"
    return "mixed_bfloat16" if cpu_computes_bfloat16_natively() else "float32"


def resolve_precision(name: str) -> str:
    """``name``, or for "auto" ``fastest_precision()``; ValueError for an unknown name."""
    return fastest_precision() if name == AUTO else check_precision(name)


def check_precision(name: str) -> str:
    if name not in PRECISIONS:
        raise ValueError(f"Unknown precision {name!r}; choose one of {PRECISIONS}.")
    return name


@contextlib.contextmanager
def precision_policy(name: str):
    """Builds layers created inside the block with dtype policy ``name`` (one of PRECISIONS or
    "auto"); restores after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolve_precision(name))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def make_adam(learning_rate: float, beta_1: float, beta_2: float, precision: str,
              name: str) -> keras.optimizers.Optimizer:
    """Adam, wrapped in a dynamic LossScaleOptimizer for mixed_float16 (``precision`` may be
    "auto")."""
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2, name=name)
    if resolve_precision(precision) == "mixed_float16":
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


def _source_layers(node_config) -> set:
    """The names of the layers whose outputs a functional config's node arguments are."""
    if isinstance(node_config, dict):
        if node_config.get("class_name") == "__keras_tensor__":
            return {node_config["config"]["keras_history"][0]}
        node_config = list(node_config.values())
    if isinstance(node_config, (list, tuple)):
        return set().union(set(), *(_source_layers(v) for v in node_config))
    return set()


def image_path_layers(model: keras.Model) -> set:
    """The names of a functional model's layers that carry its input image to its outputs
    untouched by weights (weight-free layers fed only by the inputs or by such layers: a
    resize of the input) and of the layers that make its outputs (a residual added to the
    input). Kept in float32 by ``copy_with_policy(..., float32_layers=...)``, as the library's
    models are built, so the image they pass through is not rounded to 8 bits of mantissa."""
    config = model.get_config()
    carried = _layer_names(config["input_layers"])
    for layer in config["layers"]:
        sources = _source_layers(layer["inbound_nodes"])
        if sources and sources <= carried and not model.get_layer(layer["name"]).weights:
            carried.add(layer["name"])
    return carried | _layer_names(config["output_layers"])


def _layer_names(references) -> set:
    """Layer names of a functional config's input_layers / output_layers: [name, 0, 0] or a
    list of them."""
    return {references[0]} if isinstance(references[0], str) else {r[0] for r in references}


def copy_with_policy(model: keras.Model, policy: str, float32_layers=()) -> keras.Model:
    """The same functional model (same weights) with every layer computing under ``policy``
    ("float32", "mixed_bfloat16", ...) but those named in ``float32_layers``."""
    config = _with_policy(model.get_config(), policy)
    if float32_layers:
        config["layers"] = [_with_policy(layer, "float32") if layer["name"] in float32_layers
                            else layer for layer in config["layers"]]
    copy = keras.Model.from_config(config)
    copy.set_weights(model.get_weights())
    return copy
