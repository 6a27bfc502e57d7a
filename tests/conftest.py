"""Shared test settings: quiet TensorFlow, tiny shapes, a session-wide classifier cache."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tensorboard_tags(logdir) -> set:
    """Every summary tag written to the TensorBoard event files in ``logdir``."""
    import tensorflow as tf

    tags = set()
    for name in os.listdir(logdir):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(logdir, name)):
            tags.update(value.tag for value in event.summary.value)
    return tags


@pytest.fixture
def tiny_dcgan_kwargs():
    """Generator/discriminator kwargs for a DCGAN small enough to step in milliseconds."""
    return dict(generator_kwargs=dict(widths=(8, 4)),
                discriminator_kwargs=dict(widths=(4, 8), dropout=0.3))
