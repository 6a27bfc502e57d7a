"""One definition per setting: validation and the flag conversions derived from a field."""

import dataclasses
from typing import Optional, Tuple

import pytest
from absl import app

from tfgan_image import config_flags as common
from tfgan_image import settings
from tfgan_image.settings import setting


@dataclasses.dataclass(frozen=True)
class Example:
    steps: int = setting(10, lower=0)
    loss: str = setting("hinge", "Adversarial loss.", choices=("hinge", "wasserstein"))
    rate: float = setting(0.5, "A rate.", lower=0, upper=1)
    widths: Tuple[int, ...] = setting((8, 16), "Widths.", lower=1)
    stages: Tuple[str, ...] = setting(("a",), "Stages.", choices=("a", "b"))
    sigma: Tuple[float, float] = setting((1.0, 2.0), "A range.")
    name: Optional[str] = setting(None, "A name.")
    hidden: int = setting(3, "Not on the command line.", flag=False)
    plain: int = 0

    def __post_init__(self):
        settings.check(self)


def test_check_names_the_setting_outside_its_choices_or_bounds():
    Example()
    with pytest.raises(ValueError, match="loss must be one of"):
        Example(loss="minimax")
    with pytest.raises(ValueError, match="steps must be >= 0"):
        Example(steps=-1)
    with pytest.raises(ValueError, match="rate must be <= 1"):
        Example(rate=2.0)


def test_help_comes_from_the_field_or_the_shared_table():
    fields = {f.name: f for f in settings.described(Example)}
    assert "plain" not in fields   # not made with setting()
    assert settings.help_text(fields["steps"]) == settings.SHARED_HELP["steps"]
    assert settings.help_text(fields["rate"]) == "A rate."
    with pytest.raises(ValueError, match="no help"):
        settings.help_text(dataclasses.field(default=1, metadata={"help": None}))


def test_comma_separated_flags_parse_to_their_element_type():
    assert common.parse_values("32,64, 128", "widths") == (32, 64, 128)
    assert common.parse_values("10,40", "sigma", float, 2) == (10.0, 40.0)
    with pytest.raises(app.UsageError, match="comma-separated integers"):
        common.parse_values("a,b", "widths")
    with pytest.raises(app.UsageError, match="needs 2"):
        common.parse_values("10", "sigma", float, 2)
    with pytest.raises(app.UsageError, match="at least one"):
        common.parse_values("", "widths")
    with pytest.raises(app.UsageError, match="positive widths"):
        common.parse_widths("8,0", "generator_widths")


def test_choices_and_bounds_of_a_tuple_setting_hold_for_each_value():
    Example(stages=("b", "a"))
    with pytest.raises(ValueError, match="widths must be >= 1"):
        Example(widths=(8, 0))
    with pytest.raises(ValueError, match="stages must be one of"):
        Example(stages=("a", "c"))
    with pytest.raises(ValueError, match="stages needs at least one value"):
        Example(stages=())


def test_configs_built_in_python_derive_their_run_directory_like_the_cli():
    from tfgan_image import restoration, style_transfer, superres

    assert restoration.RestorationConfig(task="desharpen").workdir == "runs/restoration_desharpen"
    assert superres.SuperResolutionConfig(scale=2).workdir == "runs/superres_x2"
    assert style_transfer.StyleTransferConfig().workdir == "runs/style_transfer_feed_forward"
    assert restoration.RestorationConfig(workdir="mine").workdir == "mine"
