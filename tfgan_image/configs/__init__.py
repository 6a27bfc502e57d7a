"""Named configs: every recipe the library runs, as ``get_config()`` in a module of its own.

    tfgan_image/configs/<family>/<name>.py      def get_config() -> the family's typed config

Its docstring gives the command that runs it and the result to expect. The train command
starts from one (``python -m tfgan_image.train restoration --config=denoise_zoo --steps=2000``:
flags override its settings), and so do the experiment aliases
(``python -m tfgan_image.experiments.mnist_dcgan`` is ``train mnist --config=mnist_dcgan``),
the zoo's recipes and the results scripts. From Python:

    config = configs.get_config("mnist", "mnist_dcgan", steps=500)   # overrides as keywords

A family outside the package keeps its named configs where its ``Family.configs_package``
says.
"""

import importlib
import pkgutil
from typing import List


class UnknownConfigError(ValueError):
    """A config name the family does not have; the message lists the ones it has."""


def _package(family: str) -> str:
    from tfgan_image import experiment

    return experiment.family(family).configs_package


def names(family: str) -> List[str]:
    """The named configs of ``family`` (sorted)."""
    package = importlib.import_module(_package(family))
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__))


def get_config(family: str, name: str, **overrides):
    """The named config ``name`` of ``family`` with ``overrides`` (settings as keywords);
    UnknownConfigError for a name the family does not have, ValueError (naming the setting)
    for an override outside its bounds or choices, TypeError for a setting it lacks."""
    known = names(family)
    if name not in known:
        raise UnknownConfigError(f"{family} has no config {name!r}; its configs: "
                                 f"{', '.join(known)}.")
    config = importlib.import_module(f"{_package(family)}.{name}").get_config()
    return config.replace(**overrides) if overrides else config
