"""Faults and bad input: nothing lost, nothing silently wrong, one clear line per user error.

Table-driven where the cases share a shape: run directories (lock, settings check, leftovers),
checkpoints (non-finite weights, corrupt files, learning rates on resume), image files
(modes, orientation, refusals, never overwriting) and the CLIs (exit codes, Ctrl-C).
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from conftest import REPO_ROOT
from PIL import Image
from test_trainer import image_batches, make_trainer

from tfgan_image import apply, export, image_files, rundir
from tfgan_image.models import dcgan, pix2pix, texture
from tfgan_image.training import NonFiniteLossError, loop

CONFIG = {"workdir": "w", "steps": 10, "batch_size": 4, "g_learning_rate": 1e-3,
          "generator_widths": [8, 4], "log_every": 5}


def run_python(code, *args, timeout=300, **kwargs):
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, **kwargs)


def run_module(module, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


# ----------------------------------------------------------------------------- run directory
def test_a_new_run_directory_gets_its_config(tmp_path):
    rundir.open_run_directory(str(tmp_path / "run"), CONFIG)
    assert json.loads((tmp_path / "run" / "config.json").read_text()) == CONFIG
    rundir.release(str(tmp_path / "run"))


@pytest.mark.parametrize("case", ["unrelated_config", "other_files", "is_a_file",
                                  "cannot_create"])
def test_unusable_workdirs_are_refused_and_left_unchanged(tmp_path, case):
    workdir = tmp_path / "w"
    if case == "unrelated_config":
        workdir.mkdir()
        (workdir / "config.json").write_text('{"server": "prod"}\n')
        match = "not the settings file of a tfgan_image run"
    elif case == "other_files":
        workdir.mkdir()
        (workdir / "holiday.jpg").write_bytes(b"my photo")
        match = "not a run directory"
    elif case == "is_a_file":
        workdir.write_text("notes")
        match = "is a file"
    else:
        workdir = tmp_path / "f" / "w"
        (tmp_path / "f").write_text("a file where a folder should be")
        match = "Cannot create"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(rundir.RunDirectoryError, match=match):
        rundir.open_run_directory(str(workdir), CONFIG)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("checkpoints", ["checkpoints", "stage1/checkpoints"])
def test_incompatible_settings_are_refused_with_the_list_and_nothing_changes(tmp_path,
                                                                           checkpoints):
    workdir = str(tmp_path)
    rundir.open_run_directory(workdir, CONFIG)
    (tmp_path / checkpoints).mkdir(parents=True)
    (tmp_path / checkpoints / "ckpt-10.index").write_bytes(b"")
    stored = (tmp_path / "config.json").read_bytes()
    changed = {**CONFIG, "generator_widths": [16, 8], "batch_size": 8, "steps": 20}
    with pytest.raises(rundir.RunDirectoryError) as error:
        rundir.open_run_directory(workdir, changed)
    message = str(error.value)
    assert "generator_widths: [8, 4] -> [16, 8]" in message and "batch_size: 4 -> 8" in message
    assert "steps" not in message   # a compatible change is not listed as a problem
    assert (tmp_path / "config.json").read_bytes() == stored
    assert not (tmp_path / rundir.HISTORY_FILE).exists()
    rundir.release(workdir)


def test_a_run_without_checkpoints_may_change_any_setting(tmp_path):
    rundir.open_run_directory(str(tmp_path), CONFIG)
    changed = {**CONFIG, "generator_widths": [16, 8]}
    rundir.open_run_directory(str(tmp_path), changed)
    assert json.loads((tmp_path / "config.json").read_text()) == changed
    rundir.release(str(tmp_path))


def test_compatible_changes_are_recorded(tmp_path, capsys):
    workdir = str(tmp_path)
    rundir.open_run_directory(workdir, CONFIG)
    new = {**CONFIG, "steps": 20, "g_learning_rate": 1e-4, "log_every": 1}
    rundir.open_run_directory(workdir, new)
    assert "g_learning_rate: 0.001 -> 0.0001" in capsys.readouterr().out
    assert json.loads((tmp_path / "config.json").read_text()) == new
    (record,) = [json.loads(line) for line in (tmp_path / rundir.HISTORY_FILE).open()]
    assert record["previous"] == CONFIG
    assert record["changed"] == {"steps": 20, "g_learning_rate": 1e-4, "log_every": 1}
    # A setting the stored run does not know yet (added to the library later) is no change.
    rundir.open_run_directory(workdir, {**new, "new_setting": 3})
    rundir.release(workdir)


@pytest.mark.parametrize("old,new,refused", [("float32", "mixed_bfloat16", False),
                                             ("mixed_bfloat16", "mixed_float16", True)])
def test_precision_changes(old, new, refused):
    changes = {"precision": (old, new)}
    assert bool(rundir.incompatible_changes(changes)) == refused


HOLD_LOCK = """
import sys, time
from tfgan_image import rundir
rundir.open_run_directory(sys.argv[1], {"workdir": sys.argv[1], "steps": 1})
print("LOCKED", flush=True)
time.sleep(120)
"""


@pytest.mark.slow
def test_one_run_at_a_time_and_a_killed_run_leaves_no_stuck_lock(tmp_path):
    workdir = str(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, workdir], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(rundir.RunDirectoryError, match=f"in use by another run .pid "
                                                           f"{holder.pid}"):
            rundir.open_run_directory(workdir, {"workdir": workdir, "steps": 1})
    finally:
        holder.kill()
        holder.wait()
    rundir.open_run_directory(workdir, {"workdir": workdir, "steps": 1})  # free again
    rundir.release(workdir)


def test_a_folder_left_with_only_a_lock_is_usable(tmp_path):
    (tmp_path / rundir.LOCK_FILE).write_text("pid 1 on gone-host\n")   # killed before config
    rundir.open_run_directory(str(tmp_path), CONFIG)
    rundir.release(str(tmp_path))


def test_leftovers_of_a_killed_run_are_removed(tmp_path):
    (tmp_path / "checkpoints" / "ckpt-5_temp").mkdir(parents=True)
    (tmp_path / "checkpoints" / "ckpt-5_temp" / "part").write_bytes(b"x")
    (tmp_path / "generator.tmp.keras").write_bytes(b"half")
    (tmp_path / "saved_model.tmp").mkdir()
    (tmp_path / "checkpoints" / "ckpt-4.index").write_bytes(b"kept")
    rundir.open_run_directory(str(tmp_path), CONFIG)
    rundir.release(str(tmp_path))
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == [".lock", "checkpoints", "checkpoints/ckpt-4.index", "config.json"]


# ----------------------------------------------------------------------------- checkpoints
def train(trainer, workdir, steps, **settings):
    settings = {"checkpoint_every": 1, **settings}
    return loop.fit(trainer, lambda step: image_batches(), str(workdir),
                    loop.LoopSettings(steps=steps, batch_size=8, **settings))


def nan_gradient_loss(fake_logits):
    """A finite loss (the non-saturating one) whose gradients are NaN: sqrt'(0) * 0."""
    return (tf.reduce_mean(tf.nn.softplus(-fake_logits))
            + tf.sqrt(tf.reduce_sum(tf.zeros_like(fake_logits) * fake_logits)))


def test_non_finite_weights_are_never_saved_and_a_lower_rate_resumes(tmp_path, capsys):
    train(make_trainer(), tmp_path, 2)
    good = str(tmp_path / "checkpoints" / "ckpt-2")
    exploding = make_trainer()
    exploding.generator_loss = nan_gradient_loss
    with pytest.raises(NonFiniteLossError, match=f"step 3.*last good checkpoint is {good}"):
        train(exploding, tmp_path, 6, checkpoint_seconds=0)
    assert not loop.non_finite_variables(make_trainer())
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.index")) == [
        "ckpt-1.index", "ckpt-2.index"]
    resumed = make_trainer()
    resumed.generator_optimizer.learning_rate = 1e-4   # the user's lower rate
    result = train(resumed, tmp_path, 4)
    assert result["step"] == 4 and f"Resumed from {good} at step 2" in capsys.readouterr().out
    assert resumed.generator_optimizer.learning_rate.numpy() == pytest.approx(1e-4)
    assert not loop.non_finite_variables(resumed)


def test_a_resumed_run_uses_its_own_learning_rate_not_the_checkpoints(tmp_path):
    train(make_trainer(), tmp_path, 1)
    resumed = make_trainer()
    resumed.discriminator_optimizer.learning_rate = 3e-5
    loop.restore_latest(resumed, loop.checkpoint_manager(resumed, str(tmp_path)))
    assert int(resumed.step.numpy()) == 1
    assert resumed.discriminator_optimizer.learning_rate.numpy() == pytest.approx(3e-5)
    assert resumed.generator_optimizer.learning_rate.numpy() == pytest.approx(1e-3)


@pytest.mark.parametrize("damage", ["truncated_data", "garbage_index", "state_file"])
def test_a_damaged_newest_checkpoint_is_skipped_with_a_warning(tmp_path, capsys, damage):
    train(make_trainer(), tmp_path, 3)
    folder = tmp_path / "checkpoints"
    if damage == "truncated_data":
        (data,) = folder.glob("ckpt-3.data-*")
        data.write_bytes(data.read_bytes()[:100])
    elif damage == "garbage_index":
        (folder / "ckpt-3.index").write_bytes(b"\x00garbage" * 10)
    else:
        (folder / "checkpoint").write_text('model_checkpoint_path: "ckpt-3\n{{{')
    capsys.readouterr()
    result = train(make_trainer(), tmp_path, 4)
    out = capsys.readouterr().out
    assert result["step"] == 4
    if damage == "state_file":   # the checkpoints themselves are fine: found from their files
        assert f"Resumed from {folder / 'ckpt-3'} at step 3" in out
    else:
        assert f"skipping unreadable checkpoint {folder / 'ckpt-3'}" in out
        assert f"Resumed from {folder / 'ckpt-2'} at step 2" in out


# ----------------------------------------------------------------------------- image files
@pytest.fixture(scope="module")
def restore_run(tmp_path_factory):
    """A run directory with a tiny exported U-Net (weights as initialised)."""
    workdir = str(tmp_path_factory.mktemp("restore_run"))
    export.export_generator(pix2pix.build_generator(widths=(4, 8), convs_per_level=1), workdir)
    return workdir


def random_pixels(shape, dtype=np.uint8, seed=0):
    high = np.iinfo(dtype).max + 1
    return np.random.default_rng(seed).integers(0, high, shape).astype(dtype)


@pytest.mark.parametrize("mode,shape,dtype,suffix,written", [
    ("L", (20, 28), np.uint8, ".png", "L"),
    ("LA", (20, 28, 2), np.uint8, ".png", "LA"),
    ("RGB", (20, 28, 3), np.uint8, ".png", "RGB"),
    ("RGBA", (20, 28, 4), np.uint8, ".png", "RGBA"),
    ("I;16", (20, 28), np.uint16, ".png", "I;16"),
    ("I;16", (20, 28), np.uint16, ".tif", "I;16"),
    ("RGBA", (20, 28, 4), np.uint8, ".jpg", "RGB"),    # JPEG stores no alpha: a note says so
    ("LA", (20, 28, 2), np.uint8, ".jpg", "L"),
])
def test_modes_are_kept_where_the_format_allows(restore_run, tmp_path, capsys, mode, shape,
                                                dtype, suffix, written):
    pixels = random_pixels(shape, dtype)
    source = tmp_path / f"in{suffix if written == mode else '.png'}"
    Image.fromarray(pixels).save(source)
    target = tmp_path / f"out{suffix}"
    apply.apply_files(restore_run, str(source), str(target), tile=16, margin=8)
    with Image.open(target) as image:
        assert image.mode == written and image.size == (28, 20)
        out = np.asarray(image)
    if written in ("LA", "RGBA"):   # the alpha channel is copied, not restored
        np.testing.assert_array_equal(out[..., -1], pixels[..., -1])
    if written == "I;16":           # a real 16-bit result, not 8 bits scaled up
        assert out.dtype == np.uint16 and np.any(out % 257)
    if written != mode:
        assert f"cannot store {mode}; written as {written}" in capsys.readouterr().err


def test_sixteen_bit_colour_tiffs_stay_sixteen_bit_and_pngs_say_they_do_not(restore_run,
                                                                           tmp_path, capsys):
    import tifffile

    pixels = random_pixels((20, 28, 3), np.uint16)
    tifffile.imwrite(tmp_path / "deep.tif", pixels, photometric="rgb")
    apply.apply_files(restore_run, str(tmp_path / "deep.tif"), str(tmp_path / "out.tif"),
                      tile=16, margin=8)
    out = tifffile.imread(tmp_path / "out.tif")
    assert out.dtype == np.uint16 and out.shape == (20, 28, 3) and np.any(out % 257)
    apply.apply_files(restore_run, str(tmp_path / "deep.tif"), str(tmp_path / "out.png"),
                      tile=16, margin=8)
    assert "cannot store RGB;16; written as RGB" in capsys.readouterr().err
    assert Image.open(tmp_path / "out.png").mode == "RGB"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_tiff_orientation_matches_pillows(orientation):
    """The 16-bit TIFF path orients pixels itself: as Pillow's exif_transpose does."""
    import io

    from PIL import ImageOps

    pixels = random_pixels((5, 7, 3))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(buffer)))
    np.testing.assert_array_equal(image_files._orient(pixels, orientation), expected)


def test_exif_orientation_is_applied(restore_run, tmp_path):
    pixels = random_pixels((20, 36, 3))          # stored landscape, tagged "rotate 90 CW"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    read = image_files.read(str(tmp_path / "phone.jpg"))
    assert read.pixels.shape == (36, 20, 3)      # as a viewer shows it: portrait
    apply.apply_files(restore_run, str(tmp_path / "phone.jpg"), str(tmp_path / "out.png"),
                      tile=16, margin=8)
    with Image.open(tmp_path / "out.png") as image:
        assert image.size == (20, 36) and image.getexif().get(0x0112) in (None, 1)


def write_case(folder, case):
    """One input file of a refusal case in ``folder``; returns (path, reason expected)."""
    path = folder / f"{case}.png"
    if case == "animated":
        path = folder / "animated.gif"
        frames = [Image.fromarray(random_pixels((8, 8, 3), seed=s)) for s in range(3)]
        frames[0].save(path, save_all=True, append_images=frames[1:])
        return path, "has 3 frames"
    if case == "float":
        path = folder / "float.tif"
        Image.fromarray(np.random.default_rng(0).random((8, 8)).astype(np.float32)).save(path)
        return path, "float pixels"
    if case == "too_large":
        Image.new("L", (3000, 2000)).save(path)   # 6 MP, above the 5 MP limit set below
        return path, "too large: 3000x2000"
    if case == "corrupt":
        path.write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
        return path, "corrupt or not an image"
    Image.fromarray(random_pixels((16, 16, 3))).save(path)
    return path, None


@pytest.mark.parametrize("case", ["animated", "float", "too_large", "corrupt"])
def test_unsupported_files_are_refused_alone_and_skipped_in_a_folder(restore_run, tmp_path,
                                                                      case):
    folder = tmp_path / "in"
    folder.mkdir()
    bad, reason = write_case(folder, case)
    good, _ = write_case(folder, "good")
    with pytest.raises(apply.ApplyError, match=reason):
        apply.apply_files(restore_run, str(bad), str(tmp_path / "alone.png"),
                          max_megapixels=5)
    assert not (tmp_path / "alone.png").exists()
    report = dict(apply.apply_files(restore_run, str(folder), str(tmp_path / "out"), tile=16,
                                    max_megapixels=5))
    assert report[str(bad)].startswith("skipped") and reason in report[str(bad)]
    assert report[str(good)] == str(tmp_path / "out" / good.name)


def test_an_output_folder_inside_the_input_folder_overwrites_no_input(restore_run, tmp_path):
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    Image.fromarray(random_pixels((16, 16, 3), seed=1)).save(folder / "x.png")
    original = random_pixels((16, 16, 3), seed=2)
    Image.fromarray(original).save(folder / "sub" / "x.png")
    report = dict(apply.apply_files(restore_run, str(folder), str(folder / "sub"), tile=16,
                                    overwrite=True))
    np.testing.assert_array_equal(np.asarray(Image.open(folder / "sub" / "x.png")), original)
    assert "is an input file" in report[str(folder / "x.png")]
    assert report[str(folder / "sub" / "x.png")] == str(folder / "sub" / "sub" / "x.png")


def test_existing_outputs_are_kept_unless_overwrite(restore_run, tmp_path):
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    (tmp_path / "result.png").write_bytes(b"the user's own file")
    with pytest.raises(apply.ApplyError, match="exists; pass --overwrite"):
        apply.apply_files(restore_run, str(source), str(tmp_path / "result.png"))
    assert (tmp_path / "result.png").read_bytes() == b"the user's own file"
    apply.apply_files(restore_run, str(source), str(tmp_path / "result.png"), overwrite=True)
    assert Image.open(tmp_path / "result.png").size == (16, 16)


def test_an_unwritable_output_is_one_clear_error_and_leaves_nothing(restore_run, tmp_path):
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    (tmp_path / "afile").write_text("a file where a folder should be")
    with pytest.raises(apply.ApplyError, match="Cannot write .*afile/out.png"):
        apply.apply_files(restore_run, str(source), str(tmp_path / "afile" / "out.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "in.png"]


def test_an_unknown_output_extension_is_refused_before_any_work(tmp_path):
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    # The run directory does not exist: the output is checked before the model is loaded.
    with pytest.raises(apply.ApplyError, match="unknown image file extension"):
        apply.apply_files(str(tmp_path / "no_run"), str(source), str(tmp_path / "out.xyz"))


@pytest.fixture(scope="module")
def latent_and_texture_runs(tmp_path_factory):
    latent = str(tmp_path_factory.mktemp("latent_run"))
    export.export_generator(dcgan.build_generator(latent_dim=8, widths=(8, 4)), latent)
    spatial = str(tmp_path_factory.mktemp("texture_run"))
    export.export_generator(texture.build_generator(noise_channels=4, widths=(8, 4)), spatial)
    return latent, spatial


def test_generators_given_to_the_wrong_command_are_refused(latent_and_texture_runs,
                                                          restore_run, tmp_path):
    from tfgan_image import sample

    latent, spatial = latent_and_texture_runs
    source = tmp_path / "in.png"
    Image.fromarray(random_pixels((16, 16, 3))).save(source)
    for run, kind in [(latent, "latent-vector GAN"), (spatial, "texture generator")]:
        with pytest.raises(apply.ApplyError, match=f"{kind}.*tfgan_image.sample"):
            apply.apply_files(run, str(source), str(tmp_path / "out.png"))
    with pytest.raises(export.RunError, match="image-to-image model.*tfgan_image.apply"):
        sample.sample(restore_run, num=1)


def test_a_damaged_generator_file_is_a_clear_error(tmp_path):
    (tmp_path / export.GENERATOR_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(export.RunError, match="Cannot load .*generator.keras: damaged"):
        export.load_generator(str(tmp_path))


# ----------------------------------------------------------------------------- CLIs
@pytest.mark.slow
def test_sample_size_writes_one_texture_image_and_never_overwrites(latent_and_texture_runs,
                                                                  tmp_path):
    _, spatial = latent_and_texture_runs
    wall = tmp_path / "wall.png"
    out = run_module("tfgan_image.sample", f"--workdir={spatial}", "--size=40x72",
                     f"--output={wall}")
    assert out.returncode == 0, out.stderr[-2000:]
    assert Image.open(wall).size == (72, 40)
    before = wall.read_bytes()
    out = run_module("tfgan_image.sample", f"--workdir={spatial}", "--size=40x72",
                     f"--output={wall}")
    assert out.returncode == 2 and "exists; pass --overwrite" in out.stderr
    assert wall.read_bytes() == before


CLI_CASES = {
    # name: (module, arguments, exit code, message); {tmp} is the test's folder.
    "bad_flag_value": ("tfgan_image.experiments.mnist_gan", ["--steps=-3"], 2, "--steps"),
    "unknown_tfds_name": ("tfgan_image.experiments.mnist_gan",
                          ["--data=tfds:no_such_dataset_xyz"], 1, "no data set named"),
    "batch_larger_than_data": ("tfgan_image.experiments.mnist_gan",
                               ["--data=folder:{tmp}/three", "--batch_size=16"], 1,
                               "larger than the data set"),
    "workdir_is_a_file": ("tfgan_image.experiments.mnist_gan", ["--workdir={tmp}/file"], 1,
                          "is a file"),
    "apply_to_a_latent_run": ("tfgan_image.apply", ["--workdir={latent}", "{tmp}/three/0.png",
                                                    "{tmp}/o.png"], 1, "tfgan_image.sample"),
    "apply_unknown_model": ("tfgan_image.apply", ["--model=no_such_model", "{tmp}/three/0.png",
                                                  "{tmp}/o.png"], 1, "No pretrained model"),
    "apply_bad_extension": ("tfgan_image.apply", ["--workdir={latent}", "{tmp}/three/0.png",
                                                  "{tmp}/o.xyz"], 1, "unknown image file"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_cli_user_errors_are_one_line_with_an_exit_code(latent_and_texture_runs, tmp_path,
                                                       case):
    module, arguments, code, message = CLI_CASES[case]
    (tmp_path / "three").mkdir()
    for i in range(3):
        Image.fromarray(random_pixels((28, 28), seed=i)).save(tmp_path / "three" / f"{i}.png")
    (tmp_path / "file").write_text("not a folder")
    fill = dict(tmp=tmp_path, latent=latent_and_texture_runs[0])
    args = [a.format(**fill) for a in arguments]
    if module.startswith("tfgan_image.experiments"):
        args = [f"--workdir={tmp_path}/run", "--steps=1", *args]  # later flags win
    out = run_module(module, *args)
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert out.returncode == code, out.stderr[-2000:]
    assert len(errors) == 1 and message in errors[0], out.stderr[-2000:]
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_ctrl_c_saves_prints_one_line_and_exits_130(tmp_path):
    command = [sys.executable, "-m", "tfgan_image.experiments.mnist_gan",
               f"--workdir={tmp_path}", "--steps=100000", "--batch_size=16",
               "--eval_samples=16"]
    stderr_path = tmp_path.parent / f"{tmp_path.name}.stderr"
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True,
                                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        deadline = time.time() + 240
        while "/100000" not in stderr_path.read_text() and time.time() < deadline:
            time.sleep(0.5)  # the progress bar is up: the training loop runs
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)
    err = stderr_path.read_text()
    assert process.returncode == 130, err[-2000:]
    last_line = err.strip().splitlines()[-1]
    assert last_line.startswith("Interrupted: saved ") and "ckpt-" in last_line
    assert "Traceback" not in err and err.count("Interrupted") == 1
    assert list((tmp_path / "checkpoints").glob("ckpt-*.index"))


# ----------------------------------------------------------------------------- distribution
MIRRORED_RUN = r"""
import json, sys
from tfgan_image.training import strategy as strategy_lib
strategy_lib.split_cpu(2)
from tfgan_image import digits, export
from tfgan_image.models import mlp
config = digits.DigitGANConfig(
    workdir=sys.argv[1], model="mlp", steps=int(sys.argv[2]), batch_size=16, eval_samples=64,
    log_every=1, sample_every=2, checkpoint_every=2, latent_dim=8, strategy="mirrored",
    generator_kwargs=dict(units=16), discriminator_kwargs=dict(units=16))
result = digits.run(config, mlp.build_generator, mlp.build_discriminator)
exported = export.load_generator(sys.argv[1]).get_weights()
ema = result["trainer"].ema_generator.get_weights()
print("RESULT", json.dumps({
    "step": result["step"], "replicas": result["trainer"].strategy.num_replicas_in_sync,
    "exported_is_ema": all(bool((a == b).all()) for a, b in zip(exported, ema)),
    "fd": result["metrics"]["frechet_distance"]}))
"""


def result_line(stdout):
    return json.loads(next(line for line in stdout.splitlines()
                           if line.startswith("RESULT "))[7:])


@pytest.mark.slow
def test_mirrored_strategy_trains_checkpoints_resumes_and_exports(tmp_path):
    """--strategy=mirrored over two logical CPUs through the whole loop, twice (a resume)."""
    first = run_python(MIRRORED_RUN, str(tmp_path), "3")
    assert first.returncode == 0, first.stderr[-3000:]
    assert result_line(first.stdout) | {"fd": 0} == {
        "step": 3, "replicas": 2, "exported_is_ema": True, "fd": 0}
    second = run_python(MIRRORED_RUN, str(tmp_path), "5")
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"Resumed from {tmp_path / 'checkpoints' / 'ckpt-3'} at step 3" in second.stdout
    result = result_line(second.stdout)
    assert result["step"] == 5 and result["exported_is_ema"] and result["fd"] > 0
    assert (tmp_path / "checkpoints" / "ckpt-5.index").exists()


MULTIWORKER_RUN = r"""
import json, os, sys
import numpy as np
from tfgan_image.training import strategy as strategy_lib
strategy = strategy_lib.make_strategy("multiworker")   # first, as TensorFlow requires
from tfgan_image import digits
from tfgan_image.models import mlp
config = digits.DigitGANConfig(
    workdir=sys.argv[1], model="mlp", steps=int(sys.argv[2]), batch_size=8, log_every=1,
    sample_every=2, checkpoint_every=2, latent_dim=8, strategy="multiworker",
    data="folder:" + sys.argv[3], generator_kwargs=dict(units=16),
    discriminator_kwargs=dict(units=16))
result = digits.run(config, mlp.build_generator, mlp.build_discriminator)
weights = result["trainer"].generator.get_weights()
print("RESULT", json.dumps({
    "chief": strategy_lib.is_chief(strategy), "step": result["step"],
    "replicas": strategy.num_replicas_in_sync, "workdir": result["paths"]["workdir"],
    "weights": [float(np.sum(np.abs(w), dtype=np.float64)) for w in weights]}), flush=True)
"""


def free_ports(count):
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(workdir, steps, data):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = [subprocess.Popen(
        [sys.executable, "-c", MULTIWORKER_RUN, str(workdir), str(steps), str(data)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})})
        for index in range(2)]
    outputs = [p.communicate(timeout=400) for p in processes]
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    return [(result_line(out), out) for out, _ in outputs]


@pytest.mark.slow
def test_multiworker_two_processes_agree_and_only_the_chief_writes(tmp_path):
    data = tmp_path / "digits"
    data.mkdir()
    for i in range(16):   # under 20 files: none held out, so no evaluation (tiny and fast)
        Image.fromarray(random_pixels((28, 28), seed=i)).save(data / f"{i}.png")
    workdir = tmp_path / "run"
    for steps in (4, 6):   # a run, then its resume
        (chief, chief_out), (worker, worker_out) = run_two_workers(workdir, steps, data)
        assert chief["chief"] and not worker["chief"]
        assert chief["step"] == worker["step"] == steps and chief["replicas"] == 2
        np.testing.assert_allclose(chief["weights"], worker["weights"], rtol=1e-6)
        assert chief["workdir"] == str(workdir) and worker["workdir"] != str(workdir)
        assert not os.path.exists(worker["workdir"])   # the other worker's scratch is gone
    checkpoint_folder = workdir / "checkpoints"
    assert f"Resumed from {checkpoint_folder / 'ckpt-4'} at step 4" in worker_out
    assert sorted(p.name for p in checkpoint_folder.glob("*.index")) == [
        "ckpt-2.index", "ckpt-4.index", "ckpt-6.index"]
    assert len(list((workdir / "tensorboard").iterdir())) == 2   # one events file per run


def test_bm3d_is_optional(monkeypatch, capsys):
    """Without the bm3d package (non-commercial licence, an extra) its rows say so."""
    import importlib.util

    from tfgan_image import baselines, restoration

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "bm3d" else real_find_spec(name, *a))
    assert not baselines.available("bm3d") and baselines.available("wavelet")
    row = {"psnr": 30.0, "ssim": 0.9, "psnr_y": 31.0, "seconds_per_image": 0.1}
    result = {"references": {"wavelet": row}, "metrics": {}, "images_per_second": 1.0,
              "paths": {"tensorboard": "tb"}, "unavailable_references": ["bm3d"]}
    restoration.print_summary(result)
    assert "bm3d                   not installed (pip install 'tfgan_image[classical]'" in (
        capsys.readouterr().out)


@pytest.mark.slow
@pytest.mark.parametrize("args,code,text", [
    (["models"], 0, "mnist_dcgan"),
    (["train", "mnist_gan", "--steps=-1"], 2, "Error: flag --steps=-1"),
    (["train", "no_such_experiment"], 2, "name an experiment after 'train'"),
    (["frobnicate"], 2, "unknown command"),
])
def test_the_tfgan_image_command_dispatches(args, code, text):
    out = run_python("from tfgan_image.console import main; main()", *args)
    assert out.returncode == code, out.stderr[-2000:]
    assert text in out.stdout + out.stderr and "Traceback" not in out.stderr
