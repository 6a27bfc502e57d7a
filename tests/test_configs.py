"""Named configs (``tfgan_image.configs``): every recipe builds, the family defaults are one
definition for Python and the command line, and the zoo's recipes name them."""

import dataclasses

import pytest
from absl import flags

from tfgan_image import config_flags, configs, experiment, mnist

NAMED = [(family, name) for family in experiment.built_in_families()
         for name in configs.names(family)]


def test_every_family_has_its_default_config():
    assert len(NAMED) >= 2 * len(experiment.built_in_families())
    for family in experiment.built_in_families():
        assert experiment.family(family).default_config in configs.names(family)


@pytest.mark.parametrize("family,name", NAMED)
def test_each_named_config_builds_the_family_config_with_a_docstring(family, name):
    config = configs.get_config(family, name)
    assert type(config) is experiment.family(family).config_class
    module = __import__(f"tfgan_image.configs.{family}.{name}", fromlist=["get_config"])
    assert name in module.__doc__.splitlines()[0]
    assert "python -m tfgan_image." in module.__doc__   # the command that runs it


@pytest.mark.parametrize("family,name", NAMED)
def test_the_command_line_defaults_are_the_named_config(family, name):
    """Flags derived from a named config, parsed without arguments, give that config back."""
    config = configs.get_config(family, name)
    flag_values = flags.FlagValues()
    config_flags.define_config_flags(config, flag_values)
    flag_values(["train"])
    assert config_flags.config_from_flags(config, flag_values) == config


def test_a_family_default_config_is_its_config_class_with_defaults():
    for family in experiment.built_in_families():
        chosen = experiment.family(family)
        assert configs.get_config(family, chosen.default_config) == chosen.config_class()


def test_python_defaults_and_the_mnist_dcgan_command_build_the_same_networks():
    """MnistConfig() and `python -m tfgan_image.experiments.mnist_dcgan` (the flags of its
    named config, as the command parses them): the same parameter counts."""
    for name, model in (("mnist_dcgan", "dcgan"), ("mnist_gan", "mlp")):
        config = configs.get_config("mnist", name)
        flag_values = flags.FlagValues()
        config_flags.define_config_flags(config, flag_values)
        flag_values(["train"])
        from_command = config_flags.config_from_flags(config, flag_values)
        python = mnist.MnistConfig() if name == "mnist_dcgan" else mnist.MnistConfig(
            model="mlp", units=1024, dropout=0.3, latent_code=0)
        assert from_command.model == python.model == model
        assert ([m.count_params() for m in mnist.build_networks(from_command)]
                == [m.count_params() for m in mnist.build_networks(python)])
    sizes = [m.count_params() for m in mnist.build_networks(mnist.MnistConfig())]
    tutorial = [m.count_params() for m in mnist.build_networks(
        configs.get_config("mnist", "dcgan_tutorial"))]
    assert sizes[0] < tutorial[0] and sizes[1] < tutorial[1]   # the right-sized DCGAN


def test_overrides_are_validated_and_a_derived_workdir_follows_them():
    config = configs.get_config("restoration", "default", task="desharpen")
    assert config.workdir == "runs/restoration_desharpen"
    assert config.replace(task="jpeg").workdir == "runs/restoration_jpeg"
    assert config.replace(task="jpeg", workdir="mine").workdir == "mine"
    assert configs.get_config("mnist", "mnist_dcgan_zoo").workdir == "runs/mnist_dcgan_zoo"
    with pytest.raises(configs.UnknownConfigError, match="its configs: .*mnist_dcgan"):
        configs.get_config("mnist", "nope")
    with pytest.raises(ValueError, match="steps must be >= 0"):
        configs.get_config("mnist", "mnist_dcgan", steps=-1)
    with pytest.raises(TypeError):
        configs.get_config("mnist", "mnist_dcgan", no_such_setting=1)


def test_command_line_overrides_parse_to_typed_settings():
    config = configs.get_config("restoration", "default")
    values = config_flags.parse_overrides(
        config, ["--steps=7", "--noise_map", "--noclip_noise", "--sigma=0,75",
                 "--references=false", "--data=folder:x"])
    assert values == dict(steps=7, noise_map=True, clip_noise=False, sigma=(0.0, 75.0),
                          references=False, data="folder:x")
    for bad, message in (("--stepz=1", "Unknown command line flag 'stepz'"),
                         ("--steps=x", "flag --steps=x: invalid literal for int"),
                         ("--steps", "Missing value for flag --steps"),
                         ("--references=maybe", "Non-boolean argument to boolean flag"),
                         ("steps=1", "Not a --flag: 'steps=1'")):
        with pytest.raises(ValueError, match=message):
            config_flags.parse_overrides(config, [bad])


def test_resumable_settings_are_marked_on_the_settings_and_kept_by_redeclarations():
    from tfgan_image import settings, style_transfer, superres

    names = settings.resumable(superres.SuperResolutionConfig)
    assert {"steps", "gan_steps", "learning_rate", "l1_weight", "eval_every", "workdir"} <= names
    assert not {"scale", "blocks", "crop_size", "seed"} & names
    # steps is re-declared by every family with its own default: still resumable
    assert all("steps" in settings.resumable(experiment.family(f).config_class)
               for f in experiment.built_in_families())
    baseline = settings.marked(style_transfer.StyleTransferConfig, "cache_key")
    assert {"style_image", "style_size", "optimize_steps"} <= baseline
    assert not {"steps", "learning_rate"} & baseline


def test_configs_are_plain_frozen_dataclasses():
    config = configs.get_config("superres", "srgan_x4_zoo")
    assert dataclasses.is_dataclass(config)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.steps = 3
