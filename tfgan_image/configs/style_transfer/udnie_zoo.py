"""udnie_zoo: the shipped ``style_udnie`` model's recipe.

    python -m tfgan_image.train style_transfer --config=udnie_zoo \\
        --style_image=DATA/style_reference/udnie.jpg --data=folder:DATA/sr291

The ``starry_night_zoo`` recipe (Johnson et al.'s network on 256 px content crops, 4,000
steps) for Francis Picabia's Udnie (1913, public domain). DATA holds the painting and the
training photos (the recorded run: T91 + BSD200, research use). Results: the card,
``tfgan_image/pretrained/style_udnie.md``.
"""

from tfgan_image.configs.style_transfer import starry_night_zoo


def get_config():
    return starry_night_zoo.get_config().replace(workdir="runs/style_udnie")
