"""Command-line flags derived from a config's settings (``define_config_flags``: one flag
per ``settings.setting`` field, its default the config's value), the config built back from
them (``config_from_flags``), and the parsers of comma-separated values.
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


def define_config_flags(config, flag_values: flags.FlagValues = FLAGS) -> list:
    """One absl flag per ``settings.setting`` field of ``config`` (a config, or a config class
    for its field defaults): its type, help, choices and bounds from the field, its default
    the config's value (a ``workdir`` the config derived stays unset, to be derived from the
    flags), in ``flag_values``. Returns the flag names."""
    import typing

    from tfgan_image import settings

    config_class = config if isinstance(config, type) else type(config)
    names = []
    for field in settings.described(config_class):
        meta = field.metadata
        if not meta["flag"]:
            continue
        name, text = field.name, settings.help_text(field)
        default = field.default if config is config_class else getattr(config, name)
        if name == "workdir" and getattr(config, "_derived_workdir", False):
            default = None
        kind = field.type
        if typing.get_origin(kind) is typing.Union:   # Optional[X]
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        bounds = dict(lower_bound=meta["lower"], upper_bound=meta["upper"])
        if typing.get_origin(kind) is tuple:   # written comma-separated: --widths=32,64
            choices = f" Each from: {', '.join(map(str, meta['choices']))}." \
                if meta["choices"] else ""
            flags.DEFINE_string(name, ",".join(str(v) for v in default), text + choices,
                                flag_values=flag_values)
        elif meta["choices"]:
            flags.DEFINE_enum(name, None if default is None else str(default),
                              [str(c) for c in meta["choices"]], text, flag_values=flag_values)
        elif kind is bool:
            flags.DEFINE_boolean(name, default, text, flag_values=flag_values)
        elif kind is int:
            flags.DEFINE_integer(name, default, text, flag_values=flag_values, **bounds)
        elif kind is float:
            flags.DEFINE_float(name, default, text, flag_values=flag_values, **bounds)
        elif kind is str:
            flags.DEFINE_string(name, default, text, flag_values=flag_values)
        else:
            raise TypeError(f"Setting {name!r} has a type flags cannot carry: {field.type}")
        names.append(name)
    return names


def _setting_value(field, flag_values: flags.FlagValues):
    """The typed value of setting ``field`` from its flag (tuples parsed, enum strings mapped
    back to their choices)."""
    import typing

    value = flag_values[field.name].value
    if typing.get_origin(field.type) is tuple:   # e.g. Tuple[int, ...]
        args = typing.get_args(field.type)
        return parse_values(value, field.name, args[0], None if Ellipsis in args else len(args))
    if field.metadata["choices"] and value is not None:   # enum flags are strings
        return next(c for c in field.metadata["choices"] if str(c) == value)
    return value


def config_from_flags(config, flag_values: flags.FlagValues = FLAGS, **values):
    """The config (or config class) of ``define_config_flags`` with the flags' values
    (``values`` win): settings without a flag keep the config's; validation errors become
    usage errors (exit 2)."""
    import dataclasses

    from tfgan_image import settings

    config_class = config if isinstance(config, type) else type(config)
    if config is not config_class:
        values = {**{f.name: getattr(config, f.name) for f in dataclasses.fields(config)
                     if f.init and not f.metadata.get("flag", False)}, **values}
    for field in settings.described(config_class):
        if field.metadata["flag"] and field.name not in values:
            values[field.name] = _setting_value(field, flag_values)
    try:
        return config_class(**values)
    except ValueError as error:
        message = str(error)
        if message.split(" ")[0] in values:   # "crop_size must be ..." -> "--crop_size ..."
            message = "--" + message
        raise app.UsageError(message) from None


def parse_overrides(config, args) -> dict:
    """Command-line overrides such as ["--steps=500", "--noise_map", "--sigma=0,75"] as typed
    settings of ``config`` (a config or its class), read by the flags the command line has
    (``define_config_flags``), so they are checked exactly as the command will read them;
    ValueError with absl's message for a flag the config does not have or a bad value."""
    from tfgan_image import settings

    flag_values = flags.FlagValues()
    define_config_flags(config, flag_values)
    try:
        rest = flag_values(["overrides", *args])
    except flags.Error as error:
        raise ValueError(str(error)) from None
    if rest[1:]:
        raise ValueError(f"Not a --flag: {rest[1]!r}")
    config_class = config if isinstance(config, type) else type(config)
    return {field.name: _setting_value(field, flag_values)
            for field in settings.described(config_class)
            if field.metadata["flag"] and flag_values[field.name].present}
