"""The command lines: one `Error:` line per user error with exit code 2 or 1, Ctrl-C, the
tfgan-image command, sample --size."""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO_ROOT, random_pixels, run_module, run_python
from PIL import Image


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
        # SIG_DFL first: a test run started in the background of a non-interactive shell
        # passes SIGINT on as ignored, and Python then never raises KeyboardInterrupt.
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True,
                                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
                                   preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                    signal.SIG_DFL))
        deadline = time.time() + 240
        while "/100000" not in stderr_path.read_text() and time.time() < deadline:
            time.sleep(0.5)  # the progress bar is up: the training loop runs
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=300)
    err = stderr_path.read_text()
    assert process.returncode == 130, err[-2000:]
    last_line = err.strip().splitlines()[-1]
    assert last_line.startswith("Interrupted: saved ") and "ckpt-" in last_line
    assert "Traceback" not in err and err.count("Interrupted") == 1
    assert list((tmp_path / "checkpoints").glob("ckpt-*.index"))


@pytest.mark.slow
def test_requeue_signal_saves_and_continues_and_sigterm_saves_and_exits_143(tmp_path):
    command = [sys.executable, "-m", "tfgan_image.experiments.mnist_gan",
               f"--workdir={tmp_path}", "--steps=100000", "--batch_size=16",
               "--eval_samples=16", "--requeue_signal=SIGUSR1"]
    stderr_path = tmp_path.parent / f"{tmp_path.name}.stderr"
    stdout_path = tmp_path.parent / f"{tmp_path.name}.stdout"
    with open(stderr_path, "w") as stderr, open(stdout_path, "w") as stdout:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=stdout, stderr=stderr,
                                   text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        deadline = time.time() + 240
        while "/100000" not in stderr_path.read_text() and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(2)
        process.send_signal(signal.SIGUSR1)
        while "SIGUSR1: saved" not in stdout_path.read_text() and time.time() < deadline:
            time.sleep(0.5)
        assert process.poll() is None   # still training
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=300)
    err, out = stderr_path.read_text(), stdout_path.read_text()
    assert "SIGUSR1: saved " in out and "training continues" in out
    assert process.returncode == 143, err[-2000:]
    last_line = err.strip().splitlines()[-1]
    assert last_line.startswith("SIGTERM: saved ") and "ckpt-" in last_line
    assert "Traceback" not in err and err.count("SIGTERM") == 1
    assert len(list((tmp_path / "checkpoints").glob("ckpt-*.index"))) >= 2


@pytest.fixture
def small_disk(tmp_path):
    """A 200 MB tmpfs (root only; the test is skipped where mounting is refused)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_ends_training_with_one_line_and_the_run_resumes(small_disk):
    run = small_disk / "run"
    command = ["tfgan_image.experiments.mnist_gan", f"--workdir={run}", "--batch_size=16",
               "--eval_samples=16", "--checkpoint_every=100"]
    stderr_path = small_disk.parent / "full.stderr"
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", *command, "--steps=100000"],
                                   cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        deadline = time.time() + 240
        while not list((run / "checkpoints").glob("ckpt-*.index")) and time.time() < deadline:
            time.sleep(0.5)
        with open(small_disk / "filler", "wb") as filler:   # fill the disk
            try:
                while True:
                    filler.write(b"\0" * 2 ** 20)
            except OSError:
                pass
        process.wait(timeout=400)
    err = stderr_path.read_text()
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert process.returncode == 1 and len(errors) == 1, err[-2000:]
    assert "No space left on device" in errors[0] and str(run) in errors[0]
    assert "Traceback" not in err
    newest = errors[0].split("Newest good checkpoint: ")[1].split(";")[0]
    assert os.path.exists(newest + ".index")
    assert not [p for p in run.rglob("*") if "_temp" in p.name or ".tmp" in p.name]
    (small_disk / "filler").unlink()   # the space comes back: the same command resumes
    done = run_module(*command, f"--steps={int(newest.rsplit('-', 1)[1]) + 20}")
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("args,code,text", [
    (["models"], 0, "mnist_dcgan"),
    (["train", "mnist_gan", "--steps=-1"], 2, "Error: flag --steps=-1"),
    (["train", "no_such_experiment"], 2, "unknown family 'no_such_experiment'"),
    (["frobnicate"], 2, "unknown command"),
    (["resume", "/nowhere/run"], 1, "Error: /nowhere/run has no config.json"),
    (["resume"], 2, "Error: Name one run directory"),
])
def test_the_tfgan_image_command_dispatches(args, code, text):
    out = run_python("from tfgan_image.console import main; main()", *args)
    assert out.returncode == code, out.stderr[-2000:]
    assert text in out.stdout + out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_resume_extends_a_run_from_its_directory_alone(tmp_path):
    from tfgan_image import mnist

    workdir = str(tmp_path / "run")
    mnist.run(mnist.MnistConfig(workdir=workdir, model="mlp", steps=1, batch_size=16,
                                eval_samples=64, latent_dim=16,
                                units=16))
    out = run_python("from tfgan_image.console import main; main()", "resume", workdir,
                     "--steps=2")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Resumed from" in out.stdout and "frechet_distance" in out.stdout
    assert any(p.name.startswith("ckpt-2.") for p in (tmp_path / "run" / "checkpoints").iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("module,args,message", [
    ("mnist_gan", ["--precision=float64"], "precision"),
    ("mnist_gan", ["--loss=nonsense"], "loss"),
    ("mnist_dcgan", ["--generator_widths=8,x"], "comma-separated integers"),
    ("mnist_gan", ["--data=folder:/does/not/exist"], "Image folder does not exist"),
    ("restoration", ["--task=sharpen"], "task"),
    ("restoration", ["--sigma=40,10"], "LOW <= HIGH"),
    ("restoration", ["--crop_size=60"], "multiple of the U-Net stride"),
    ("restoration", ["--data=folder:/does/not/exist"], "Image folder does not exist"),
    ("style_transfer", ["--crop_size=94"], "--crop_size must be a multiple of 4"),
    ("style_transfer", ["--loss_offset_range=48"], "--loss_offset_range must be in [0, "),
    ("superres", ["--perceptual_offset_range=48"], "--perceptual_offset_range must be in [0, "),
])
def test_cli_refuses_bad_input_clearly(tmp_path, module, args, message):
    out = run_module(f"tfgan_image.experiments.{module}", f"--workdir={tmp_path}", "--steps=1",
                  *args)
    assert out.returncode != 0
    assert message in out.stderr + out.stdout
    assert "Traceback" not in out.stderr
