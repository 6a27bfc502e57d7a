"""tfgan_image.sample: generated images from a run's generator, as arrays and files."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT
from test_mnist import tiny_config

from tfgan_image import mnist, sample


@pytest.mark.slow
def test_sample_exports_npy_and_png(tmp_path):
    mnist.run(tiny_config(tmp_path / "run", steps=1))
    images = sample.sample(str(tmp_path / "run"), num=5)
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    for name in ("s.npy", "s.png"):
        out = subprocess.run(
            [sys.executable, "-m", "tfgan_image.sample", f"--workdir={tmp_path / 'run'}",
             "--num=6", f"--output={tmp_path / name}"],
            capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
    assert np.load(tmp_path / "s.npy").shape == (6, 28, 28, 1)
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_sample_refuses_a_run_without_generator(tmp_path):
    with pytest.raises(sample.SampleError, match="no trained generator"):
        sample.sample(str(tmp_path), num=1)
    with pytest.raises(sample.SampleError, match="does not exist"):
        sample.sample(str(tmp_path / "nope"), num=1)
