"""One train command for every family, starting from a named config.

    python -m tfgan_image.train FAMILY [--config=NAME] [--SETTING=VALUE ...]
    tfgan-image train FAMILY [--config=NAME] [--SETTING=VALUE ...]

    python -m tfgan_image.train restoration --config=denoise_zoo --steps=2000
    python -m tfgan_image.train mnist --config=mnist_gan --loss=hinge

``--config`` names one of the family's configs (``tfgan_image/configs/FAMILY/NAME.py``; the
family's default config without it). Every setting of the family's config is a flag whose
default is the named config's value, so a flag overrides just that setting; ``--help`` after
the family lists them. ``python -m tfgan_image.train`` alone lists the families and their
configs. Rerunning a command resumes its run directory.

The ``python -m tfgan_image.experiments.NAME`` commands are this command with a fixed family
and config (``run(family, config)``).
"""

import sys
from typing import List, Optional

from absl import app, flags

from tfgan_image import cli, config_flags

FLAGS = flags.FLAGS


def usage() -> str:
    """The families and their named configs, one line each."""
    from tfgan_image import configs, experiment

    lines = ["usage: python -m tfgan_image.train FAMILY [--config=NAME] [--SETTING=VALUE ...]",
             "families and their configs (the first is the default):"]
    for name in experiment.families():
        default = experiment.family(name).default_config
        others = [c for c in configs.names(name) if c != default]
        lines.append(f"  {name:18s} {', '.join([default, *others])}")
    return "\n".join(lines)


def _config_name(argv: List[str]) -> Optional[str]:
    """The value of --config in ``argv`` (before absl parses it: the flags depend on it)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def run(family_name: Optional[str] = None, config_name: Optional[str] = None,
        argv: Optional[List[str]] = None) -> None:
    """Parses ``argv`` (default sys.argv) and trains. With ``family_name`` and
    ``config_name`` given (an experiment alias) the command line holds only flags;
    otherwise its first argument names the family and ``--config`` the config."""
    from tfgan_image import configs, experiment

    argv = list(sys.argv if argv is None else argv)
    fixed = family_name is not None
    if not fixed:
        positional = argv[1] if len(argv) > 1 and not argv[1].startswith("-") else None
        if positional is None or positional not in experiment.families():
            if positional is None and any(a in ("-h", "--help", "--helpshort") for a in argv):
                print(usage())
                sys.exit(0)
            given = f"unknown family {positional!r}" if positional else "name a family"
            cli.fail(f"{given}.\n{usage()}", cli.USAGE_EXIT_CODE)
        family_name = positional
        config_name = _config_name(argv)
    family = experiment.family(family_name)
    config_name = config_name or family.default_config
    try:
        config = configs.get_config(family_name, config_name)
    except configs.UnknownConfigError as error:
        cli.fail(str(error), cli.USAGE_EXIT_CODE)
    names = config_flags.define_config_flags(config)
    if not fixed:
        flags.DEFINE_string("config", config_name, "Named config of the family: "
                            f"{', '.join(configs.names(family_name))}.")
        names.append("config")
    for name in names:   # --help lists them as the command's own flags
        FLAGS.register_key_flag_for_module(sys.argv[0], FLAGS[name])

    def main(args):
        extra = args[1:] if fixed else args[2:]
        if extra:
            raise app.UsageError(f"Unexpected arguments: {extra}")
        chosen = config_flags.config_from_flags(config)
        family.report(experiment.run(family, chosen))

    cli.run(main, argv)


if __name__ == "__main__":
    run()
