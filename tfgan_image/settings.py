"""One definition per setting: a config dataclass field made with ``setting`` carries its
default, help text, choices and bounds, and everything else derives from it -- the
experiment's absl flags and ``--help`` (``config_flags.define_config_flags``), the
config built from them (``config_from_flags``), its validation (``check``) and config.json.

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class MyConfig(settings.RunSettings):                   # precision, seed, ... come with it
        workdir: str = setting("runs/my_run")               # help from SHARED_HELP
        steps: int = setting(5000, lower=0)                 # still resumable, as the base's
        image_size: int = setting(32, "Side of the square images.", lower=4)
        seed: int = setting(1)                              # the base's, with another default

        def __post_init__(self):
            settings.check(self)  # choices and bounds, one ValueError naming the setting

The help of settings every family has (steps, batch_size, precision, ...) is written once,
in SHARED_HELP; the settings every run has are declared once, in RunSettings (and those of
every noise-to-image GAN in LatentGANSettings, of every image-to-image one in
ImageToImageSettings).
"""

import dataclasses
from typing import Any, Optional, Sequence

from tfgan_image import losses
from tfgan_image.precision import AUTO, PRECISIONS
from tfgan_image.training.strategy import STRATEGIES

SHARED_HELP = {
    "workdir": "Run directory (created; an existing one resumes).",
    "steps": "Total optimisation steps (G updates).",
    "batch_size": "Global batch size.",
    "data_dir": "tfds data directory (default: tfds's own).",
    "precision": "auto: the fastest on this machine (mixed_float16 on a GPU with tensor cores, "
                 "mixed_bfloat16 on a CPU with AMX / AVX512_BF16, else float32); float32; "
                 "mixed_bfloat16 (fast on CPUs with AMX / AVX512_BF16 and on TPUs, emulated "
                 "and slow elsewhere); mixed_float16 (GPUs, with dynamic loss scaling).",
    "jit": "Compile the train step with XLA (jit_compile).",
    "strategy": "tf.distribute strategy: one device, MirroredStrategy over local devices, or "
                "MultiWorkerMirroredStrategy from TF_CONFIG.",
    "seed": "Random seed (weights, noise, data order).",
    "eval_every": "Evaluate every N steps (0: only at the end).",
    "loss": "Adversarial loss pair (minimax is the original paper's objective).",
    "update": "joint: D and G from one forward pass (needs n_critic=1); alternating: "
              "n_critic D steps, then a G step.",
    "n_critic": "D steps per G step (alternating).",
    "g_learning_rate": "Adam learning rate of G.",
    "d_learning_rate": "Adam learning rate of D (TTUR).",
    "beta_1": "Adam beta_1.",
    "beta_2": "Adam beta_2.",
    "ema_decay": "EMA decay of the sampling generator (0: off).",
    "diff_augment": "DiffAugment policy, comma separated from color, cutout, translation; "
                    "empty for none.",
    "gradient_penalty_weight": "WGAN-GP weight (10 in the paper).",
    "r1_weight": "R1 penalty weight gamma.",
    "latent_dim": "Size of the noise vector z.",
    "log_every": "Log losses and speed every N steps.",
    "sample_every": "Write a sample grid every N steps.",
    "checkpoint_every": "Checkpoint every N steps (and every 2 min).",
}


def setting(default: Any, help: Optional[str] = None, *, choices: Optional[Sequence] = None,
            lower: Optional[float] = None, upper: Optional[float] = None,
            flag: bool = True, resumable: bool = False, cache_key: bool = False) -> Any:
    """A dataclass field with its default and what a flag and validation need: ``help``
    (default: SHARED_HELP's), ``choices``, ``lower`` / ``upper`` bounds. ``flag=False``: a
    setting the command line does not expose. ``resumable``: a resumed run can take a new
    value (its checkpoints do not depend on it: steps, learning rates, loss weights, logging).
    ``cache_key``: a result the family caches in the run directory depends on it (the style
    family's optimisation baseline), so a new value recomputes that result."""
    return dataclasses.field(default=default, metadata=dict(
        help=help, choices=tuple(choices) if choices else None, lower=lower, upper=upper,
        flag=flag, resumable=resumable, cache_key=cache_key))


def help_text(field: dataclasses.Field) -> str:
    text = field.metadata.get("help") or SHARED_HELP.get(field.name)
    if text is None:
        raise ValueError(f"Setting {field.name!r} has no help text.")
    return text


def described(config_class) -> list:
    """The fields of ``config_class`` made with ``setting`` (in order)."""
    return [f for f in dataclasses.fields(config_class) if "flag" in f.metadata]


def marked(config_class, mark: str) -> frozenset:
    """Names of the settings of ``config_class`` declared with ``mark`` (``"resumable"`` or
    ``"cache_key"``) by the class or a base: a family that re-declares a base setting to give
    it its own default keeps the base's marks."""
    return frozenset(field.name for cls in config_class.__mro__
                     for field in getattr(cls, "__dataclass_fields__", {}).values()
                     if field.metadata.get(mark))


def resumable(config_class) -> frozenset:
    """The settings a resumed run of ``config_class`` may change (``setting(resumable=True)``)."""
    return marked(config_class, "resumable")


def check(config) -> None:
    """ValueError naming the first setting outside its choices or bounds (a tuple setting
    needs at least one value, and its choices and bounds hold for each)."""
    for field in described(type(config)):
        value, meta = getattr(config, field.name), field.metadata
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        if not values:
            raise ValueError(f"{field.name} needs at least one value")
        if meta["choices"] and any(v not in meta["choices"] for v in values):
            raise ValueError(f"{field.name} must be one of {list(meta['choices'])}, got "
                             f"{value!r}")
        if meta["lower"] is not None and min(values) < meta["lower"]:
            raise ValueError(f"{field.name} must be >= {meta['lower']}, got {value}")
        if meta["upper"] is not None and max(values) > meta["upper"]:
            raise ValueError(f"{field.name} must be <= {meta['upper']}, got {value}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunSettings:
    """The settings every family's run has; a family's config derives from this (or from
    LatentGANSettings) and re-declares a setting to give it its own default (its marks,
    such as ``resumable``, stay the base's)."""
    workdir: Optional[str] = setting(None, resumable=True)
    steps: int = setting(1000, lower=0, resumable=True)
    batch_size: int = setting(16, lower=1)
    eval_every: int = setting(1000, lower=0, resumable=True)
    sample_every: int = setting(500, lower=0, resumable=True)
    precision: str = setting(AUTO, choices=(AUTO, *PRECISIONS), resumable=True)
    jit: bool = setting(False, resumable=True)
    strategy: str = setting("default", choices=STRATEGIES, resumable=True)
    seed: int = setting(0)
    log_every: int = setting(50, lower=1, resumable=True)
    checkpoint_every: int = setting(1000, lower=1, resumable=True)
    requeue_signal: str = setting(
        "none", "A signal that saves a checkpoint and keeps training, for job schedulers that "
        "warn before they stop a job (SIGTERM and SIGHUP always save and stop).",
        choices=("none", "SIGUSR1", "SIGUSR2"), resumable=True)

    def replace(self, **changes):
        """A copy with ``changes`` (validated like the original). A ``workdir`` the config
        derived from other settings (``derive_workdir``) is derived again unless given."""
        if getattr(self, "_derived_workdir", False) and "workdir" not in changes:
            changes["workdir"] = None
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImageToImageSettings(RunSettings):
    """The settings of a family whose generator maps images to images (restoration,
    super-resolution, style transfer)."""
    init_from: Optional[str] = setting(
        None, "Start the generator from these weights and fine-tune them on this run's data: "
        "a pretrained model's name (python -m tfgan_image.pretrained lists them) or a .keras "
        "file such as another run's generator.keras, made with the same network settings. A "
        "resumed run continues from its own checkpoints.", resumable=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LatentGANSettings(RunSettings):
    """The settings of a GAN that maps noise to images (``trainer.adversarial_trainer``)."""
    loss: str = setting("non_saturating", choices=sorted(losses.ADVERSARIAL_LOSSES))
    update: str = setting("joint", choices=("joint", "alternating"))
    n_critic: int = setting(1, lower=1)
    g_learning_rate: float = setting(2e-4, lower=0, resumable=True)
    d_learning_rate: float = setting(2e-4, lower=0, resumable=True)
    beta_1: float = setting(0.5, lower=0, upper=1)
    beta_2: float = setting(0.999, lower=0, upper=1)
    ema_decay: float = setting(0.999, lower=0, upper=1)
    diff_augment: str = setting("")
    gradient_penalty_weight: float = setting(0.0, lower=0, resumable=True)
    r1_weight: float = setting(0.0, lower=0, resumable=True)
    latent_dim: int = setting(100, lower=1)


def derive_workdir(config, workdir: str) -> None:
    """Sets a frozen config's ``workdir`` to ``workdir`` when it was left None: a default that
    depends on other settings (e.g. runs/restoration_TASK), the same from Python and the CLI.
    Call it in the config's ``__post_init__``."""
    if config.workdir is None:
        object.__setattr__(config, "workdir", workdir)
        object.__setattr__(config, "_derived_workdir", True)   # RunSettings.replace: again
