"""tf.distribute strategies by name, and what each worker of a multi-worker run writes."""

import atexit
import dataclasses
import shutil
import tempfile
from typing import Optional, Tuple

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multiworker")
_multiworker_strategy = None  # TF allows one, created before any other TensorFlow op


def make_strategy(name: str, batch_size: Optional[int] = None) -> tf.distribute.Strategy:
    """``default``: one device. ``mirrored``: every local GPU (or logical CPU device).
    ``multiworker``: MultiWorkerMirroredStrategy configured by the TF_CONFIG variable; TF
    needs it created before any other TensorFlow op, so a program calls this first (the
    CLIs do, ``tfgan_image.cli``) and later calls return the same strategy.

    ``batch_size`` (the global batch), when given, must split evenly across the replicas.
    """
    if name == "default":
        strategy = tf.distribute.get_strategy()
    elif name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or [
            d.name for d in tf.config.list_logical_devices("CPU")]
        strategy = tf.distribute.MirroredStrategy(devices)
    elif name == "multiworker":
        global _multiworker_strategy
        if _multiworker_strategy is None:
            _multiworker_strategy = tf.distribute.MultiWorkerMirroredStrategy()
        strategy = _multiworker_strategy
    else:
        raise ValueError(f"Unknown strategy {name!r}; choose one of {STRATEGIES}.")
    if batch_size is not None and batch_size % strategy.num_replicas_in_sync:
        raise ValueError(f"batch_size {batch_size} is not divisible by the "
                         f"{strategy.num_replicas_in_sync} replicas.")
    return strategy


def split_cpu(num_devices: int = 2) -> None:
    """Splits the physical CPU into logical devices so MirroredStrategy has several replicas.

    Must run before TensorFlow initialises its devices (before any op runs).
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)])


def is_multi_worker(strategy: tf.distribute.Strategy) -> bool:
    """Whether ``strategy`` spans several worker processes (TF_CONFIG names a cluster)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is not None and bool(resolver.cluster_spec().as_dict())


def agreement(strategy: tf.distribute.Strategy):
    """A function ``flags -> flags``: for each of a few booleans, whether it is true on any
    worker of a multi-worker run (one all-reduce of their sum). It is a collective: every
    worker must call it at the same point of its training, as they do after each step."""
    def agree(flags):
        values = strategy.experimental_distribute_values_from_function(
            lambda context: tf.constant(flags, tf.float32))
        total = strategy.reduce(tf.distribute.ReduceOp.SUM, values, axis=None)
        return [bool(v > 0) for v in total.numpy()]

    return agree


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files: always, except on the workers of a
    multi-worker cluster other than the chief (task "chief", else worker 0)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return True
    cluster = resolver.cluster_spec().as_dict()
    task_type, task_id = resolver.task_type, resolver.task_id
    return (task_type in (None, "chief") or not cluster
            or (task_type == "worker" and task_id == 0 and "chief" not in cluster))


def worker_config(config, strategy: tf.distribute.Strategy) -> Tuple[object, str]:
    """(config for this process, the run directory to resume from). The chief gets both
    unchanged. Another worker of a multi-worker run gets ``workdir`` replaced by a temporary
    folder (deleted at exit), so that only the chief writes checkpoints, logs and exports,
    while every worker resumes from the chief's checkpoints (the run directory must be on
    storage every worker reads)."""
    if is_chief(strategy):
        return config, config.workdir
    scratch = tempfile.mkdtemp(prefix="tfgan_worker_")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return dataclasses.replace(config, workdir=scratch), config.workdir
