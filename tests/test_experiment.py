"""The one orchestration (``experiment.run``): a family supplies data, stages and a finish;
the run directory, trainers, checkpoints, exports and summary.json are the orchestration's.
A new family is one class: the toy family below trains two real stages."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from toy_family import ToyConfig

from tfgan_image import experiment, export, mnist, precision, rundir
from tfgan_image.training import trainer as trainer_lib


def toy_config(**values) -> ToyConfig:
    """The toy family's config (tests/toy_family), three float32 steps."""
    return ToyConfig(**{"steps": 3, "precision": "float32", **values})


def _generator(latent_dim):
    z = keras.Input((latent_dim,))
    return keras.Model(z, keras.layers.Reshape((4, 4, 1), dtype="float32")(   # float32 out
        keras.layers.Dense(16, activation="tanh")(z)))


def _discriminator():
    x = keras.Input((4, 4, 1))
    return keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))


class ToyFamily(experiment.Family):
    """Bright 4x4 squares; stage "second" starts from stage "first"'s generator."""
    name = "toy_staged"
    config_class = ToyConfig

    def load_data(self, config):
        if config.batch_size > 64:
            raise ValueError("toy data has 64 images")
        return np.ones((64, 4, 4, 1), np.float32) * 0.5

    def stages(self, run):
        self.started_from = None

        def build():
            return trainer_lib.adversarial_trainer(
                run.config, _generator(run.config.latent_dim), _discriminator(), run.strategy,
                latent_dim=run.config.latent_dim)

        def data(step):
            return tf.data.Dataset.from_tensor_slices(run.data).repeat().batch(
                run.config.batch_size, drop_remainder=True)

        def mean_brightness(generator):
            return {"mean": float(np.mean(generator(np.zeros((2, run.config.latent_dim)))))}

        def from_first(trainer, run):
            first = export.load_generator(run.path("first"))
            trainer.generator.set_weights(first.get_weights())
            self.started_from = first.get_weights()[0]

        return [experiment.Stage(build, data, evaluate=mean_brightness, folder="first"),
                experiment.Stage(build, data, evaluate=mean_brightness, folder="second",
                                 steps=2, before_training=from_first)]

    def finish(self, run, results):
        return {"steps": [r["step"] for r in results],
                "means": [r["metrics"]["mean"] for r in results],
                "started_from_first": bool(np.array_equal(
                    self.started_from, export.load_generator(run.path("first")).get_weights()[0])),
                "trainer": results[-1]["trainer"], "paths": {"workdir": run.workdir}}


def test_a_family_is_one_class_and_run_does_the_rest(tmp_path):
    workdir = str(tmp_path / "run")
    result = experiment.run(ToyFamily(), toy_config(workdir=workdir))
    assert result["steps"] == [3, 2] and result["started_from_first"]
    for stage, step in (("first", 3), ("second", 2)):
        assert os.path.exists(os.path.join(workdir, stage, export.GENERATOR_FILE))
        assert any(n.startswith(f"ckpt-{step}.")
                   for n in os.listdir(os.path.join(workdir, stage, "checkpoints")))
    with open(os.path.join(workdir, rundir.CONFIG_FILE)) as f:
        assert json.load(f)["family"] == "toy_staged"
    summary = experiment.read_summary(workdir)
    assert summary["steps"] == [3, 2] and "trainer" not in summary
    assert summary["paths"]["summary"] == os.path.join(workdir, experiment.SUMMARY_FILE)
    # The run released its lock: the same directory runs again (resuming both stages).
    again = experiment.run(ToyFamily(), toy_config(workdir=workdir))
    assert again["steps"] == [3, 2]


def test_auto_precision_trains_in_and_records_the_machines_fastest(tmp_path, monkeypatch):
    workdir = str(tmp_path / "run")
    # The run starts on a CPU without bfloat16 instructions and resumes on one with them.
    for fastest, steps in (("float32", 3), ("mixed_bfloat16", 4)):
        monkeypatch.setattr(precision, "fastest_precision", lambda fastest=fastest: fastest)
        result = experiment.run(ToyFamily(), toy_config(workdir=workdir, precision="auto",
                                                        steps=steps))
        assert result["trainer"].generator.dtype_policy.name == fastest
        with open(os.path.join(workdir, rundir.CONFIG_FILE)) as f:
            assert json.load(f)["precision"] == fastest


def test_fastest_precision_follows_the_hardware(monkeypatch):
    for gpu, cpu_bfloat16, expected in ((True, False, "mixed_float16"),
                                        (False, True, "mixed_bfloat16"),
                                        (False, False, "float32")):
        monkeypatch.setattr(precision, "gpu_has_tensor_cores", lambda gpu=gpu: gpu)
        monkeypatch.setattr(precision, "cpu_computes_bfloat16_natively",
                            lambda native=cpu_bfloat16: native)
        assert precision.fastest_precision() == expected
        assert precision.resolve_precision("auto") == expected
    assert precision.resolve_precision("float32") == "float32"
    with pytest.raises(ValueError, match="Unknown precision 'float64'"):
        precision.resolve_precision("float64")


def test_bad_data_stops_the_run_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="64 images"):
        experiment.run(ToyFamily(), toy_config(workdir=str(tmp_path / "run"), batch_size=65))
    assert not os.path.exists(tmp_path / "run")


def test_resume_rebuilds_a_run_from_its_config_json_alone(tmp_path):
    workdir = str(tmp_path / "run")
    mnist.run(mnist.MnistConfig(
        workdir=workdir, model="dcgan", steps=1, batch_size=16, eval_samples=64,
        latent_dim=16, generator_widths=(8, 4),
        discriminator_widths=(4, 8)))
    result = experiment.resume(workdir, steps=2)
    assert result["step"] == 2
    assert result["trainer"].generator.input_shape == (None, 16)   # the stored settings
    assert isinstance(result["trainer"].generator, keras.Model)
    with open(os.path.join(workdir, rundir.CONFIG_FILE)) as f:
        assert json.load(f)["steps"] == 2


def test_resume_names_what_is_missing(tmp_path):
    with pytest.raises(rundir.RunDirectoryError, match="no config.json"):
        experiment.resume(str(tmp_path))
    (tmp_path / rundir.CONFIG_FILE).write_text(json.dumps({"workdir": "x", "steps": 1}))
    with pytest.raises(rundir.RunDirectoryError, match="does not name its family"):
        experiment.resume(str(tmp_path))
    with pytest.raises(ValueError, match="Unknown family 'nope'"):
        experiment.family("nope")


def test_every_registered_family_rebuilds_its_config_from_json():
    for name in experiment.built_in_families():
        family = experiment.family(name)
        assert family.name == name
        if family.config_class is mnist.MnistConfig:
            config = family.config_class(units=16)
        else:
            config = family.config_class()
        values = json.loads(json.dumps(rundir.config_values(config)))
        assert experiment.config_from_values(family.config_class, values) == config
