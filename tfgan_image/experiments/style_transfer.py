"""Feed-forward style transfer (Johnson et al.) and the Gatys optimisation baseline.

    python -m tfgan_image.experiments.style_transfer [--style_image=PATH] [--workdir=...]
    python -m tfgan_image.experiments.style_transfer --method=optimize

Default style: scikit-image's immunohistochemistry photo; content: the photos scikit-image and
scikit-learn ship (astronaut, chelsea, coffee held out). The run prints the relative content
and style losses of the network's outputs on the held-out photos next to the optimisation
baseline computed in the same run, and seconds per 512x512 image for each; it writes
comparison.png, generator.keras and a SavedModel. Stylise your own images with
``python -m tfgan_image.apply --workdir=RUN INPUT OUTPUT``. Rerunning resumes.
"""

from absl import app, flags

from tfgan_image import cli, style_transfer
from tfgan_image.experiments import common
from tfgan_image.features import BACKBONES, VGG_STAGES

FLAGS = flags.FLAGS
common.define_core_flags(workdir=None, steps=2200, batch_size=4, precision="mixed_bfloat16",
                         eval_every=800, data_help=common.PHOTO_DATA_HELP + " Content images.")
flags.DEFINE_string("style_image", None, "Style image file (default: scikit-image's "
                    f"{style_transfer.DEFAULT_STYLE}).")
flags.DEFINE_enum("method", "feed_forward", list(style_transfer.METHODS),
                  "feed_forward: train the network (and compare with the baseline); "
                  "optimize: only the Gatys baseline.")
flags.DEFINE_integer("crop_size", 96, "Content training crop (multiple of 4).", lower_bound=8)
flags.DEFINE_integer("style_size", 256, "Shorter side the style image is resized to.",
                     lower_bound=16)
flags.DEFINE_integer("width", 16, "Transformer channels at full resolution.", lower_bound=1)
flags.DEFINE_integer("residual_blocks", 3, "Transformer residual blocks.", lower_bound=0)
flags.DEFINE_enum("content_stage", "block2", list(VGG_STAGES), "VGG stage of the content loss.")
flags.DEFINE_list("style_stages", ["block1", "block2", "block3", "block4"],
                  "VGG stages of the style loss.")
flags.DEFINE_float("content_weight", 5.0, "Weight of the (relative) content loss.",
                   lower_bound=0)
flags.DEFINE_float("style_weight", 10.0, "Weight of the (relative) style loss.", lower_bound=0)
flags.DEFINE_float("tv_weight", 1e-3, "Weight of the total-variation loss.", lower_bound=0)
flags.DEFINE_integer("loss_offset_range", 8,
                     "Training: the losses see (content, output) cropped at a random offset "
                     "below this, so the network cannot lock patterns to VGG's pooling grid "
                     "(0: off).", lower_bound=0)
flags.DEFINE_bool("orientation_free_style", True,
                  "Style target: the mean Gram matrix of the style image's 8 flips and 90-degree "
                  "rotations (no one stroke direction favoured); false: the image as it is.")
flags.DEFINE_bool("colour_transfer", True,
                  "The network first moves each photo's colours to the style image's colour mean "
                  "and covariance and restyles that (the baseline starts from the recoloured "
                  "photo too); false: the photo as it is.")
flags.DEFINE_float("adversarial_weight", 0.0,
                   "> 0: the GAN variant, a patch discriminator on style-image crops.",
                   lower_bound=0)
flags.DEFINE_float("learning_rate", 1e-3,
                   "Adam learning rate of the network (cosine-decayed to 10%).")
flags.DEFINE_float("ema_decay", 0.0, "EMA decay of the evaluated network (0: off).",
                   lower_bound=0, upper_bound=1)
flags.DEFINE_enum("feature_backbone", "auto", list(BACKBONES), "VGG for the losses.")
flags.DEFINE_integer("eval_size", 256, "Held-out content photos: centre crops of this size.",
                     lower_bound=16)
flags.DEFINE_integer("optimize_steps", 100, "Adam steps of the optimisation baseline.",
                     lower_bound=1)
flags.DEFINE_integer("sample_every", 800, "Write a sample grid every N steps.")
flags.DEFINE_integer("checkpoint_every", 500, "Checkpoint every N steps (and every 2 min).")

flags.adopt_module_key_flags(common)   # --help lists the shared flags (--steps, ...) too


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    style_stages = common.parse_vgg_stages(FLAGS.style_stages, "style_stages")
    config = style_transfer.StyleTransferConfig(
        **{**common.core_config_kwargs(),
           "workdir": FLAGS.workdir or f"runs/style_{FLAGS.method}"},
        style_image=FLAGS.style_image, method=FLAGS.method, crop_size=FLAGS.crop_size,
        style_size=FLAGS.style_size, width=FLAGS.width, residual_blocks=FLAGS.residual_blocks,
        content_stage=FLAGS.content_stage, style_stages=style_stages,
        content_weight=FLAGS.content_weight, style_weight=FLAGS.style_weight,
        tv_weight=FLAGS.tv_weight, loss_offset_range=FLAGS.loss_offset_range,
        orientation_free_style=FLAGS.orientation_free_style,
        colour_transfer=FLAGS.colour_transfer,
        adversarial_weight=FLAGS.adversarial_weight, learning_rate=FLAGS.learning_rate,
        ema_decay=FLAGS.ema_decay, feature_backbone=FLAGS.feature_backbone,
        eval_size=FLAGS.eval_size, optimize_steps=FLAGS.optimize_steps,
        sample_every=FLAGS.sample_every, checkpoint_every=FLAGS.checkpoint_every)
    try:
        style_transfer.check_config(config)
    except ValueError as error:
        raise app.UsageError(f"--{error}")
    result = style_transfer.run(config)
    style_transfer.print_summary(result)


if __name__ == "__main__":
    cli.run(main)
