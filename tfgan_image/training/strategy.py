"""tf.distribute strategies by name."""

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multiworker")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """``default``: one device. ``mirrored``: every local GPU (or logical CPU device).
    ``multiworker``: MultiWorkerMirroredStrategy configured by the TF_CONFIG variable."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or [
            d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}; choose one of {STRATEGIES}.")


def split_cpu(num_devices: int = 2) -> None:
    """Splits the physical CPU into logical devices so MirroredStrategy has several replicas.

    Must run before TensorFlow initialises its devices (before any op runs).
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)])
