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


def run_python(code, *args, timeout=300, **kwargs):
    """``python -c code *args`` from the repository root, quiet TensorFlow; CompletedProcess."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, **kwargs)


def run_module(module, *args, timeout=600):
    """``python -m module *args`` as a user runs it; CompletedProcess."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def random_pixels(shape, dtype="uint8", seed=0):
    """Seeded random pixels over the dtype's whole range."""
    import numpy as np

    high = np.iinfo(dtype).max + 1
    return np.random.default_rng(seed).integers(0, high, shape).astype(dtype)


@pytest.fixture(scope="module")
def restore_run(tmp_path_factory):
    """A run directory with a tiny exported U-Net (weights as initialised)."""
    from tfgan_image import export
    from tfgan_image.models import restoration as restoration_models

    workdir = str(tmp_path_factory.mktemp("restore_run"))
    generator = restoration_models.build_generator(widths=(4, 8), convs_per_level=1)
    export.export_generator(generator, workdir)
    return workdir


@pytest.fixture(scope="module")
def latent_and_texture_runs(tmp_path_factory):
    """Run directories with a tiny exported DCGAN (latent vectors in) and a tiny texture
    generator (spatial noise in)."""
    from tfgan_image import export
    from tfgan_image.models import dcgan
    from tfgan_image.models import texture_synthesis as texture_models

    latent = str(tmp_path_factory.mktemp("latent_run"))
    export.export_generator(dcgan.build_generator(latent_dim=8, widths=(8, 4)), latent)
    spatial = str(tmp_path_factory.mktemp("texture_run"))
    generator = texture_models.build_generator(noise_channels=4, widths=(8, 4))
    export.export_generator(generator, spatial)
    return latent, spatial
