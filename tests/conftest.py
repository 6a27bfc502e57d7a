"""Shared test settings: quiet TensorFlow, tiny shapes, a session-wide classifier cache."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tool_module(name: str):
    """The script tools/NAME.py imported as a module (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, os.path.join(REPO_ROOT, "tools", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_collection_modifyitems(items):
    """Subprocess and notebook tests (marked slow, the longest) first: pytest-xdist hands tests
    out in this order, so the long ones start early and the short ones fill in beside them
    instead of one worker finishing a long test alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def tensorboard_tags(logdir) -> set:
    """Every summary tag written to the TensorBoard event files in ``logdir``."""
    import tensorflow as tf

    tags = set()
    for name in os.listdir(logdir):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(logdir, name)):
            tags.update(value.tag for value in event.summary.value)
    return tags


def run_python(code, *args, timeout=300):
    """``python -c code *args`` from the repository root, quiet TensorFlow, in a fork of
    ``tests/zygote.py`` (see ``run_module``); CompletedProcess."""
    return _forked(dict(code=code), ["-c", code], args, timeout)


def run_module(module, *args, timeout=600):
    """``python -m module *args`` as a user runs it, in a fork of ``tests/zygote.py`` (a
    process that has imported the package once, so each command skips the TensorFlow
    import); CompletedProcess."""
    return _forked(dict(module=module), ["-m", module], args, timeout)


_zygote = None   # this test process's tests/zygote.py, started on first use


def forking_available() -> bool:
    """Whether commands run forked from the zygote: not where ``os.fork`` is missing
    (Windows) nor when TFGAN_IMAGE_TESTS_NO_FORK=1; each command is then a new process."""
    return hasattr(os, "fork") and os.environ.get("TFGAN_IMAGE_TESTS_NO_FORK") != "1"


def _forked(what, shown, args, timeout):
    import atexit
    import json
    import subprocess
    import sys

    global _zygote
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("PYTEST_CURRENT_TEST", None)
    command = [sys.executable, *shown, *args]
    if not forking_available():
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env,
                              timeout=timeout)
    if _zygote is None or _zygote.poll() is not None:
        _zygote = subprocess.Popen(
            [sys.executable, os.path.join(REPO_ROOT, "tests", "zygote.py")], text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO_ROOT, env=env)
        atexit.register(_zygote.stdin.close)   # its loop ends, and so does the process
    _zygote.stdin.write(json.dumps(dict(what, args=list(args), cwd=REPO_ROOT, env=env,
                                        timeout=timeout)) + "\n")
    _zygote.stdin.flush()
    line = _zygote.stdout.readline()
    if not line:
        raise RuntimeError(f"tests/zygote.py ended (exit code {_zygote.wait()}); its output "
                           "above says why.")
    answer = json.loads(line)
    if answer.get("timeout"):
        raise subprocess.TimeoutExpired(command, timeout)
    return subprocess.CompletedProcess(command, answer["returncode"], answer["stdout"],
                                       answer["stderr"])


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


@pytest.fixture(scope="module")
def sr_run_dir(tmp_path_factory):
    """A run directory with a tiny exported x3 super-resolution generator (seeded weights)."""
    import keras

    from tfgan_image import export
    from tfgan_image.models import superres as superres_models

    workdir = str(tmp_path_factory.mktemp("sr_apply"))
    keras.utils.set_random_seed(0)
    export.export_generator(superres_models.build_generator(3, width=8, blocks=1), workdir)
    return workdir


@pytest.fixture
def class_folder(tmp_path):
    """Two classes (cat: 16 files, dog: 13 + one corrupt), mixed sizes and formats; 3 of
    the 30 files are held out."""
    root = tmp_path / "pets"
    for i in range(16):
        write_image(root / "cat" / f"{i}.png", random_pixels((40, 50, 3), seed=i))
    for i in range(12):
        write_image(root / "dog" / f"{i}.jpg", random_pixels((36, 36, 3), seed=20 + i))
    write_image(root / "dog" / "tiff.tif", random_pixels((30, 20, 3), seed=30))
    (root / "dog" / "broken.png").write_bytes(b"not an image")
    return root


def write_image(path, array):
    """Saves uint8 pixels to ``path`` (its format from the extension), making its folder."""
    from PIL import Image

    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def smooth_image(height=32, width=48, channels=3, seed=0):
    """A smooth random colour image in [0, 1] (float32 [H, W, C])."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.1, 0.9, (height // 8 + 1, width // 8 + 1, channels))
    return tf.image.resize(coarse[None], (height, width))[0].numpy().astype(np.float32)


def textures_64():
    """scikit-image's bundled textures cut to 64x64: float32 [N, 64, 64, C] in [0, 1]."""
    import numpy as np

    from tfgan_image.data import sources

    return sources.embedded_textures()[:, :64, :64].astype(np.float32) / 255.0


TINY_UNET = dict(widths=(4, 8), convs_per_level=1)   # the smallest U-Net the tests build


def level_sensitive_model():
    """A noise-map U-Net whose output moves with the map, to see which level it was given."""
    import numpy as np

    from tfgan_image.models import restoration as restoration_models

    generator = restoration_models.build_generator(noise_map=True, **TINY_UNET)
    for weight in generator.weights:
        weight.assign(np.random.default_rng(3).normal(0, 0.2, weight.shape))
    return generator


def write_pairs(folder, count=8, size=(96, 112)):
    """Pairs no built-in degradation makes: the target with a warm colour cast and a blur, in
    ``folder``/input (JPEG) and ``folder``/target (PNG)."""
    import numpy as np
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    for side in ("input", "target"):
        (folder / side).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        coarse = rng.uniform(0, 255, (size[0] // 8, size[1] // 8, 3))
        target = np.kron(coarse, np.ones((8, 8, 1)))            # blocks: sharp edges
        degraded = gaussian_filter(target, (1.5, 1.5, 0)) * np.array([1.15, 1.0, 0.75])
        Image.fromarray(target.astype(np.uint8)).save(folder / "target" / f"p{i}.png")
        Image.fromarray(np.clip(degraded, 0, 255).astype(np.uint8)).save(
            folder / "input" / f"p{i}.jpg", quality=95)
