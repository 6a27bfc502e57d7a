"""Texture synthesis with a spatial GAN trained on one texture image.

    python -m tfgan_image.experiments.texture_gan [--texture=PATH] [--workdir=...]

Default texture: scikit-image's grass photo. The run prints the Gram-matrix distance of
generated textures to the source next to two references (random crops of the source: the
floor; a shuffled-patch baseline), and writes samples at 2x and 4x the source size,
generator.keras and a SavedModel. Make textures of any size later with
``python -m tfgan_image.sample --workdir=RUN --size=HxW --output=FILE.png``. Rerunning resumes.
"""

from absl import app, flags

from tfgan_image import cli, texture_synthesis
from tfgan_image.experiments import common
from tfgan_image.features import BACKBONES
from tfgan_image.losses import ADVERSARIAL_LOSSES
from tfgan_image.models import texture

FLAGS = flags.FLAGS
common.define_core_flags(workdir=None, steps=1500, batch_size=16, precision="mixed_bfloat16",
                         eval_every=1000, data_help="Unused: the texture is --texture.")
flags.DEFINE_string("texture", None, "Texture image file (default: scikit-image's "
                    f"{texture_synthesis.DEFAULT_TEXTURE}).")
flags.DEFINE_integer("texture_size", 256, "Shorter side the texture is resized to (at most "
                     "1024: the evaluation's feature maps of a much larger texture exhaust "
                     "memory).", lower_bound=16, upper_bound=1024)
flags.DEFINE_enum("generator", "patches", list(texture_synthesis.GENERATORS),
                  "patches: a selection network places learned patches (initialised as crops "
                  "of the texture) with cross-faded seams; pixels: the spatial GAN that draws "
                  "every pixel (Jetchev et al.).")
flags.DEFINE_integer("noise_size", 4, "Spatial noise positions per training-patch side "
                     "(patch = noise_size * 16 px).", lower_bound=1)
flags.DEFINE_integer("patches", 256, "generator=patches: atoms in the dictionary.",
                     lower_bound=1)
flags.DEFINE_integer("patch_stride", 16, "generator=patches: output pixels per noise "
                     "position (atoms are twice this).", lower_bound=2)
flags.DEFINE_integer("seam", 3, "generator=patches: cross-fade band between neighbouring "
                     "atoms, pixels (1..patch_stride).", lower_bound=1)
flags.DEFINE_float("selection_temperature", 16.0, "generator=patches: scale of the selection "
                   "noise (higher: closer to one atom per position).", lower_bound=0)
flags.DEFINE_float("atom_edit_scale", 0.3, "generator=patches: how fast the atoms may change "
                   "(their edits' scale; 0: they stay crops of the texture).", lower_bound=0)
flags.DEFINE_integer("noise_channels", 32, "Noise channels per position.", lower_bound=1)
flags.DEFINE_string("generator_widths", "256,128,64", "Generator hidden channels (patches: "
                    "the selection network's 3x3 convs).")
flags.DEFINE_enum("generator_upsampling", "resize", list(texture.UPSAMPLING),
                  "generator=pixels: hidden x2 steps: nearest resize + 3x3 conv, 4x4 "
                  "transposed convs, or sub-pixel convs.")
flags.DEFINE_enum("generator_output_upsampling", "subpixel", list(texture.UPSAMPLING),
                  "generator=pixels: the last x2 step, to RGB.")
flags.DEFINE_string("discriminator_widths", "32,64,128,256", "Discriminator widths.")
flags.DEFINE_enum("loss", "non_saturating", sorted(ADVERSARIAL_LOSSES), "Adversarial loss.")
flags.DEFINE_float("learning_rate", 2e-4, "Adam learning rate of G and D.")
flags.DEFINE_float("r1_weight", 0.1, "R1 gradient penalty weight on D (0: off).",
                   lower_bound=0)
flags.DEFINE_float("style_weight", 0.0, "Weight of the Gram distance to the source in G's loss "
                   "(texture-network loss next to the adversarial one; 0: pure GAN).",
                   lower_bound=0)
flags.DEFINE_float("ema_decay", 0.999, "EMA decay of the sampling generator (0: off).")
flags.DEFINE_enum("feature_backbone", "auto", list(BACKBONES), "VGG for the Gram distance.")
flags.DEFINE_integer("sample_every", 500, "Write a sample grid every N steps.")
flags.DEFINE_integer("checkpoint_every", 1000, "Checkpoint every N steps (and every 2 min).")

flags.adopt_module_key_flags(common)   # --help lists the shared flags (--steps, ...) too


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    core = common.core_config_kwargs()
    for unused in ("data", "data_dir"):
        core.pop(unused)
    config = texture_synthesis.TextureConfig(
        **{**core, "workdir": FLAGS.workdir or "runs/texture_gan"},
        texture=FLAGS.texture, texture_size=FLAGS.texture_size, generator=FLAGS.generator,
        patches=FLAGS.patches, patch_stride=FLAGS.patch_stride, seam=FLAGS.seam,
        selection_temperature=FLAGS.selection_temperature,
        atom_edit_scale=FLAGS.atom_edit_scale, noise_size=FLAGS.noise_size,
        noise_channels=FLAGS.noise_channels,
        generator_widths=common.parse_widths(FLAGS.generator_widths, "generator_widths"),
        generator_upsampling=FLAGS.generator_upsampling,
        generator_output_upsampling=FLAGS.generator_output_upsampling,
        discriminator_widths=common.parse_widths(FLAGS.discriminator_widths,
                                                 "discriminator_widths"),
        loss=FLAGS.loss, learning_rate=FLAGS.learning_rate, r1_weight=FLAGS.r1_weight,
        style_weight=FLAGS.style_weight, ema_decay=FLAGS.ema_decay,
        feature_backbone=FLAGS.feature_backbone, sample_every=FLAGS.sample_every,
        checkpoint_every=FLAGS.checkpoint_every)
    if FLAGS.seam > FLAGS.patch_stride:
        raise app.UsageError(f"--seam ({FLAGS.seam}) must not exceed --patch_stride "
                             f"({FLAGS.patch_stride}).")
    result = texture_synthesis.run(config)
    texture_synthesis.print_summary(result)


if __name__ == "__main__":
    cli.run(main)
