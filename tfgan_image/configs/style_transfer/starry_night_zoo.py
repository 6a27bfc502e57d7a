"""starry_night_zoo: the shipped ``style_starry_night`` model's recipe.

    python -m tfgan_image.train style_transfer --config=starry_night_zoo \\
        --style_image=DATA/paintings/starry_night.jpg --data=folder:DATA/sr291

Johnson et al.'s transformation network at their width (32), depth (5 residual blocks) and
ending (a tanh that makes the whole image) on 256 px content crops (batch 2), 4,000 steps,
content at relu2_2, the painting at 256 px. DATA is a folder holding the painting and the
training photos (the recorded run: T91 + BSD200, research use); the painting is public
domain. Results: the card,
``tfgan_image/pretrained/style_starry_night.md``.
"""

from tfgan_image import style_transfer


def get_config() -> style_transfer.StyleTransferConfig:
    return style_transfer.StyleTransferConfig(
        workdir="runs/style_starry_night", width=32, residual_blocks=5, photo_shortcut=False,
        crop_size=256, batch_size=2, steps=4000, eval_every=500, sample_every=250,
        feature_backbone="hed_vgg16")
