"""default: the toy family's defaults."""

import toy_family


def get_config():
    return toy_family.ToyConfig()
