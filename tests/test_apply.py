"""apply: the apply CLI on files and folders of any size and format, upscaling and noise
levels, and its refusals."""

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, TINY_UNET, level_sensitive_model
from PIL import Image

from tfgan_image import apply, errors, export, inference
from tfgan_image.apply import apply_files
from tfgan_image.inference import ApplyError
from tfgan_image.models import restoration as restoration_models


def write(path, array):
    Image.fromarray(array).save(path)
    return str(path)

def random_image(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)

def test_file_to_file_keeps_size_and_mode(restore_run, tmp_path):
    for shape, mode in [((37, 53, 3), "RGB"), ((37, 53), "L"), ((37, 53, 4), "RGBA")]:
        source = write(tmp_path / f"in_{mode}.png", random_image(shape))
        target = str(tmp_path / f"out_{mode}.png")
        report = apply.apply_files(restore_run, source, target, tile=16, margin=8)
        assert report == [(source, target)]
        with Image.open(target) as image:
            assert image.mode == mode and image.size == (53, 37)
        if mode == "RGBA":  # alpha is copied, not restored
            np.testing.assert_array_equal(np.asarray(Image.open(target))[..., 3],
                                          random_image(shape)[..., 3])

def test_folder_to_folder_skips_and_reports_corrupt_files(restore_run, tmp_path):
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    write(source / "a.png", random_image((20, 24, 3)))
    write(source / "sub" / "b.jpg", random_image((30, 20, 3)))
    (source / "broken.png").write_bytes(b"not an image")
    report = dict(apply.apply_files(restore_run, str(source), str(tmp_path / "out"), tile=16))
    assert os.path.exists(tmp_path / "out" / "a.png")
    assert os.path.exists(tmp_path / "out" / "sub" / "b.jpg")
    assert report[str(source / "broken.png")].startswith("skipped")

def test_refusals(restore_run, tmp_path):
    image = write(tmp_path / "photo.png", random_image((16, 16, 3)))
    with pytest.raises(apply.ApplyError, match="does not exist"):
        apply.apply_files(restore_run, str(tmp_path / "missing.png"), str(tmp_path / "o.png"))
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(apply.ApplyError, match="corrupt or not an image"):
        apply.apply_files(restore_run, str(tmp_path / "corrupt.png"), str(tmp_path / "o.png"))
    with pytest.raises(apply.ApplyError, match="overwrite"):
        apply.apply_files(restore_run, image, image)
    with pytest.raises(apply.ApplyError, match="overwrite"):
        apply.apply_files(restore_run, str(tmp_path), str(tmp_path))
    with pytest.raises(errors.RunError, match="no trained generator"):
        apply.apply_files(str(tmp_path), image, str(tmp_path / "o.png"))
    with pytest.raises(errors.RunError, match="does not exist"):
        apply.apply_files(str(tmp_path / "nope"), image, str(tmp_path / "o.png"))

def test_large_photo_in_bounded_tiles(restore_run, tmp_path):
    # 4000 x 3000 with the default 512 px tiles: 48 windows, never the whole image at once.
    calls = []
    model = export.load_generator(restore_run)

    def fn(window):
        calls.append(window.shape)
        return np.asarray(model(window[None], training=False))[0]

    image = np.zeros((3000, 4000, 3), np.float32)
    out = inference.tiled_apply(fn, image, tile=512, margin=64, multiple=2)
    assert out.shape == image.shape and len(calls) == 6 * 8
    assert max(c[0] * c[1] for c in calls) <= (512 + 128) ** 2

@pytest.mark.slow
def test_cli_subprocess(restore_run, tmp_path):
    source = write(tmp_path / "in.png", random_image((24, 24, 3)))
    command = [sys.executable, "-m", "tfgan_image.apply", f"--workdir={restore_run}", source,
               str(tmp_path / "out.png")]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert os.path.exists(tmp_path / "out.png")
    done = subprocess.run(command[:4] + [source, source], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1 and "overwrite" in done.stderr

def test_progress_bars_hide_when_hidden_or_when_tqdm_disable_is_set():
    from tfgan_image import progress

    assert progress.bar(range(3), hidden=True).disable
    # tqdm reads TQDM_DISABLE once, at import, and an explicit disable= would override it.
    shown = "from tfgan_image import progress; print(progress.bar(range(3)).disable)"
    for environment, disabled in [({}, "False"), ({"TQDM_DISABLE": "1"}, "True")]:
        env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"} | environment
        out = subprocess.run([sys.executable, "-c", shown], env=env, capture_output=True,
                             text=True, check=True, cwd=REPO_ROOT).stdout
        assert out.strip() == disabled


def test_apply_files_takes_a_noise_level_and_refuses_it_for_other_models(tmp_path):
    Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(tmp_path / "in.png")
    model = level_sensitive_model()
    [(_, written)] = apply_files(None, str(tmp_path / "in.png"), str(tmp_path / "out.png"),
                                 model=model, noise_level=25)
    assert written.endswith("out.png")
    with pytest.raises(ApplyError, match="takes no --noise_level"):
        apply_files("runs/x", str(tmp_path / "in.png"), str(tmp_path / "b.png"),
                    model=restoration_models.build_generator(**TINY_UNET), noise_level=25)


def test_apply_upscales_an_odd_sized_greyscale_image(sr_run_dir, tmp_path):
    grey = np.random.default_rng(0).integers(0, 256, (13, 17), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    target = str(tmp_path / "big.png")
    apply.apply_files(sr_run_dir, str(tmp_path / "grey.png"), target, tile=8, margin=8)
    with Image.open(target) as image:
        assert image.mode == "L" and image.size == (17 * 3, 13 * 3)
    rgba = np.random.default_rng(1).integers(0, 256, (9, 11, 4), dtype=np.uint8)
    upscaled = inference.restore_array(export.load_generator(sr_run_dir), rgba, tile=4, margin=8)
    assert upscaled.shape == (27, 33, 4)
    np.testing.assert_array_equal(upscaled[::3, ::3, 3], rgba[..., 3])
