"""Shared test settings: quiet TensorFlow, tiny shapes, a session-wide classifier cache."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def tiny_dcgan_kwargs():
    """Generator/discriminator kwargs for a DCGAN small enough to step in milliseconds."""
    return dict(generator_kwargs=dict(widths=(8, 4)),
                discriminator_kwargs=dict(widths=(4, 8), dropout=0.3))
