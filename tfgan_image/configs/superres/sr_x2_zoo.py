"""sr_x2_zoo: the shipped ``sr_x2`` model's second run: ``sr_x4_zoo`` at x2.

    python -m tfgan_image.train superres --config=sr_x2_zoo --data=folder:DATA/sr291 \\
        --init_from=runs/sr_x2_first/stage1/generator.keras

Results: the card, ``tfgan_image/pretrained/sr_x2.md`` (research data: see sr_x4_zoo_first).
"""

from tfgan_image.configs.superres import sr_x4_zoo


def get_config():
    return sr_x4_zoo.get_config().replace(workdir="runs/sr_x2", scale=2)
