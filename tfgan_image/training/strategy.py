"""tf.distribute strategies by name."""

from typing import Optional

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multiworker")


def make_strategy(name: str, batch_size: Optional[int] = None) -> tf.distribute.Strategy:
    """``default``: one device. ``mirrored``: every local GPU (or logical CPU device).
    ``multiworker``: MultiWorkerMirroredStrategy configured by the TF_CONFIG variable.

    ``batch_size`` (the global batch), when given, must split evenly across the replicas.
    """
    if name == "default":
        strategy = tf.distribute.get_strategy()
    elif name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or [
            d.name for d in tf.config.list_logical_devices("CPU")]
        strategy = tf.distribute.MirroredStrategy(devices)
    elif name == "multiworker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
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
