"""What the experiment CLIs share: flags derived from a config class's settings
(``define_config_flags``, called by each experiment module at import time with its own
defaults), the config built from them (``config_from_flags``), and small parsers.
"""

from typing import Optional

from absl import app, flags

FLAGS = flags.FLAGS


def parse_values(text: str, flag: str, element: type = int,
                 length: Optional[int] = None) -> tuple:
    """'256,128,64' -> (256, 128, 64) (each value an ``element``; exactly ``length`` of them
    when given, at least one otherwise); UsageError naming ``--flag`` for anything else."""
    try:
        values = tuple(element(v) for v in text.split(",") if v.strip())
    except ValueError:
        kind = {int: "integers", float: "numbers"}.get(element, element.__name__ + "s")
        raise app.UsageError(f"--{flag} must be comma-separated {kind}, got {text!r}") from None
    if length is not None and len(values) != length:
        raise app.UsageError(f"--{flag} needs {length} comma-separated values, got {text!r}")
    if not values:
        raise app.UsageError(f"--{flag} needs at least one value, got {text!r}")
    return values


def parse_widths(text: str, flag: str) -> tuple:
    """'256,128,64' -> (256, 128, 64); a clear error for anything but positive integers."""
    widths = parse_values(text, flag)
    if min(widths) < 1:
        raise app.UsageError(f"--{flag} needs positive widths, got {text!r}")
    return widths


def define_config_flags(config_class, **default_overrides) -> None:
    """One absl flag per ``settings.setting`` field of ``config_class``: its type, help,
    choices and bounds from the field; its default from the field unless
    ``default_overrides`` names it (a command's own defaults, e.g. mnist_conditional's)."""
    import typing

    from tfgan_image import settings

    unknown = set(default_overrides) - {f.name for f in settings.described(config_class)}
    if unknown:
        raise ValueError(f"No settings named {sorted(unknown)} in {config_class.__name__}.")
    for field in settings.described(config_class):
        meta = field.metadata
        if not meta["flag"]:
            continue
        name, text = field.name, settings.help_text(field)
        default = default_overrides.get(name, field.default)
        kind = field.type
        if typing.get_origin(kind) is typing.Union:   # Optional[X]
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        bounds = dict(lower_bound=meta["lower"], upper_bound=meta["upper"])
        if typing.get_origin(kind) is tuple:   # written comma-separated: --widths=32,64
            choices = f" Each from: {', '.join(map(str, meta['choices']))}." \
                if meta["choices"] else ""
            flags.DEFINE_string(name, ",".join(str(v) for v in default), text + choices)
        elif meta["choices"]:
            flags.DEFINE_enum(name, None if default is None else str(default),
                              [str(c) for c in meta["choices"]], text)
        elif kind is bool:
            flags.DEFINE_boolean(name, default, text)
        elif kind is int:
            flags.DEFINE_integer(name, default, text, **bounds)
        elif kind is float:
            flags.DEFINE_float(name, default, text, **bounds)
        elif kind is str:
            flags.DEFINE_string(name, default, text)
        else:
            raise TypeError(f"Setting {name!r} has a type flags cannot carry: {field.type}")


def config_from_flags(config_class, **values):
    """``config_class`` built from the flags of ``define_config_flags`` (``values`` win);
    its validation errors become usage errors (exit 2)."""
    import typing

    from tfgan_image import settings

    for field in settings.described(config_class):
        if field.metadata["flag"] and field.name not in values:
            value = FLAGS[field.name].value
            if typing.get_origin(field.type) is tuple:   # e.g. Tuple[int, ...]
                args = typing.get_args(field.type)
                value = parse_values(value, field.name, args[0],
                                     None if Ellipsis in args else len(args))
            elif field.metadata["choices"] and value is not None:   # enum flags are strings
                value = next(c for c in field.metadata["choices"] if str(c) == value)
            values[field.name] = value
    try:
        return config_class(**values)
    except ValueError as error:
        message = str(error)
        if message.split(" ")[0] in values:   # "crop_size must be ..." -> "--crop_size ..."
            message = "--" + message
        raise app.UsageError(message) from None


def run_family(argv, family, **values) -> None:
    """An experiment's main: ``family`` (an ``experiment.Family``) runs the config built from
    the flags (``values`` win) and prints its report."""
    from tfgan_image import experiment

    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    family.report(experiment.run(family, config_from_flags(family.config_class, **values)))


def image_gan_main(argv) -> None:
    """The main of the image GAN experiments."""
    from tfgan_image import image_gan

    run_family(argv, image_gan.ImageGAN())
