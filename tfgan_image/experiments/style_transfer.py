"""Feed-forward style transfer (Johnson et al.) and the Gatys optimisation baseline.

    python -m tfgan_image.experiments.style_transfer [--style_image=PATH] [--workdir=...]
    python -m tfgan_image.experiments.style_transfer --method=optimize

Default style: scikit-image's immunohistochemistry photo; content: the photos scikit-image and
scikit-learn ship (astronaut, chelsea, coffee held out). The run prints the relative content
and style losses of the network's outputs on the held-out photos next to the optimisation
baseline computed in the same run, and seconds per 512x512 image for each; it writes
comparison.png, generator.keras and a SavedModel. Stylise your own images with
``python -m tfgan_image.apply --workdir=RUN INPUT OUTPUT``. Rerunning resumes.

This command is ``python -m tfgan_image.train style_transfer``
(the named config ``tfgan_image/configs/style_transfer/default.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("style_transfer", "default")
