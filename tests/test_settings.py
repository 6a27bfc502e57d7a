"""One definition per setting: validation and the flag conversions derived from a field."""

import dataclasses
from typing import Optional, Tuple

import pytest
from absl import app

from tfgan_image import settings
from tfgan_image.experiments import common
from tfgan_image.settings import setting


@dataclasses.dataclass(frozen=True)
class Example:
    steps: int = setting(10, lower=0)
    loss: str = setting("hinge", "Adversarial loss.", choices=("hinge", "wasserstein"))
    rate: float = setting(0.5, "A rate.", lower=0, upper=1)
    widths: Tuple[int, ...] = setting((8, 16), "Widths.")
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


def test_tuple_flags_parse_to_the_field_type():
    fields = {f.name: f for f in settings.described(Example)}
    assert common._parse_tuple("32,64, 128", fields["widths"]) == (32, 64, 128)
    assert common._parse_tuple("10,40", fields["sigma"]) == (10.0, 40.0)
    with pytest.raises(app.UsageError, match="comma-separated ints"):
        common._parse_tuple("a,b", fields["widths"])
    with pytest.raises(app.UsageError, match="needs 2"):
        common._parse_tuple("10", fields["sigma"])
    with pytest.raises(app.UsageError, match="at least one"):
        common._parse_tuple("", fields["widths"])
