"""the_scream_zoo: the ``starry_night_zoo`` recipe for Munch's The Scream.

    python -m tfgan_image.train style_transfer --config=the_scream_zoo \\
        --style_image=DATA/paintings/the_scream.jpg --data=folder:DATA/sr291

The ``starry_night_zoo`` recipe (Johnson et al.'s network on 256 px content crops, 4,000
steps) for Edvard Munch's The Scream (1893, public domain). DATA holds the painting and the
training photos. No pretrained model of it ships in the package; the run writes its own
scores and comparison figure (WORKDIR/summary.json, WORKDIR/comparison.png).
"""

from tfgan_image.configs.style_transfer import starry_night_zoo


def get_config():
    return starry_night_zoo.get_config().replace(workdir="runs/style_the_scream")
