"""sr_x2_zoo_first: the shipped ``sr_x2`` model's first run: ``sr_x4_zoo_first`` at x2.

    python -m tfgan_image.train superres --config=sr_x2_zoo_first --data=folder:DATA/sr291

Results: the card, ``tfgan_image/pretrained/sr_x2.md`` (research data: see sr_x4_zoo_first).
"""

from tfgan_image.configs.superres import sr_x4_zoo_first


def get_config():
    return sr_x4_zoo_first.get_config().replace(workdir="runs/sr_x2_first", scale=2)
