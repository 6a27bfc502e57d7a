"""tiny: two steps on bright toy images.

    python -m tfgan_image.train toy --config=tiny   # once toy_family is imported
"""

import toy_family


def get_config():
    return toy_family.ToyConfig(brightness=0.8, precision="float32")
