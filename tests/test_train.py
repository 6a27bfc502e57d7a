"""The one train command (``python -m tfgan_image.train FAMILY --config=NAME``), its
experiment aliases, and a family from outside the package that registers itself."""

import json
import os

import pytest
from conftest import REPO_ROOT, run_module, run_python

TESTS = os.path.join(REPO_ROOT, "tests")


def test_without_a_family_it_lists_the_families_and_their_configs():
    out = run_module("tfgan_image.train")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Error: name a family." in out.stderr
    assert "restoration" in out.stderr and "denoise_zoo" in out.stderr
    out = run_module("tfgan_image.train", "--help")
    assert out.returncode == 0 and "mnist_dcgan, dcgan_tutorial" in out.stdout


@pytest.mark.parametrize("args,message", [
    (["no_such_family"], "unknown family 'no_such_family'"),
    (["mnist", "--config=nope"], "mnist has no config 'nope'; its configs: dcgan_tutorial"),
    (["mnist", "--config=mnist_gan", "--loss=nonsense"], "--loss"),
    (["mnist", "extra_argument"], "Unexpected arguments: ['extra_argument']"),
])
def test_bad_commands_fail_with_one_line(args, message):
    out = run_module("tfgan_image.train", *args)
    assert out.returncode == 2, out.stderr[-2000:]
    assert message in out.stderr and "Traceback" not in out.stderr


def test_help_after_a_family_lists_the_named_config_defaults():
    out = run_module("tfgan_image.train", "image_gan", "--config=mnist_conditional", "--help")
    assert "Traceback" not in out.stderr   # (absl's --help exits with code 1)
    assert "--image_size" in out.stdout and "default: '28'" in out.stdout
    assert "--config" in out.stdout and "mnist_conditional_zoo" in out.stdout


@pytest.mark.slow
def test_train_runs_a_named_config_with_overrides(tmp_path):
    out = run_module("tfgan_image.train", "mnist", "--config=mnist_gan",
                     f"--workdir={tmp_path}", "--steps=1", "--batch_size=16",
                     "--eval_samples=32", "--units=16", "--latent_dim=8")
    assert out.returncode == 0, out.stderr[-3000:]
    with open(tmp_path / "config.json") as f:
        config = json.load(f)
    assert (config["family"], config["model"], config["loss"], config["units"]) == (
        "mnist", "mlp", "minimax", 16)   # the config's loss, the command's units
    assert "frechet_distance" in out.stdout


TOY = """
import json, sys
sys.path.insert(0, {tests!r})
import toy_family   # registers the family
from tfgan_image import experiment, train
try:
    train.run(argv=["train", "toy", "--config=tiny", "--workdir=" + sys.argv[1]])
except SystemExit as done:
    assert not done.code, done.code
print("RESUMED", json.dumps(experiment.resume(sys.argv[1], steps=3)["metrics"]))
"""


@pytest.mark.slow
def test_a_family_outside_the_package_registers_itself_and_trains_and_resumes(tmp_path):
    """The toy family (tests/toy_family: one module and its named configs) needs no entry
    anywhere in the package: the train command trains its config, resume finds it again."""
    workdir = str(tmp_path / "run")
    out = run_python(TOY.format(tests=TESTS), workdir)
    assert out.returncode == 0, out.stderr[-3000:]
    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    assert (config["family"], config["family_module"], config["brightness"]) == (
        "toy", "toy_family", 0.8)
    assert config["steps"] == 3 and "mean_error" in out.stdout.split("RESUMED")[1]
    checkpoints = os.listdir(os.path.join(workdir, "checkpoints"))
    assert any(name.startswith("ckpt-3.") for name in checkpoints)
