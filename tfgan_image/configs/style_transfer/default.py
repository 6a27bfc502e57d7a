"""default: the style-transfer family's defaults (``style_transfer.StyleTransferConfig()``).

    python -m tfgan_image.experiments.style_transfer
    # = python -m tfgan_image.train style_transfer

A small feed-forward transformation network trained on the photos scikit-image and
scikit-learn ship, styled after scikit-image's immunohistochemistry photo (offline); pass your
painting with ``--style_image=PATH``. It prints the held-out content and style losses next to
a converged optimisation (L-BFGS) computed in the same run (tools/results_style_texture.md).
"""

from tfgan_image import style_transfer


def get_config() -> style_transfer.StyleTransferConfig:
    return style_transfer.StyleTransferConfig()
