"""sr_x4_zoo: the shipped ``sr_x4`` model's recipe (its second run).

    python -m tfgan_image.train superres --config=sr_x4_zoo --data=folder:DATA/sr291 \\
        --init_from=runs/sr_x4_first/stage1/generator.keras

Starts from ``sr_x4_zoo_first``'s generator with a new cosine schedule from 2e-4 (a
warm restart, as in SGDR), 6,000 steps.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/sr_x4.md``.
"""

from tfgan_image.configs.superres import sr_x4_zoo_first


def get_config():
    return sr_x4_zoo_first.get_config().replace(workdir="runs/sr_x4", steps=6000,
                                                eval_every=1000, learning_rate=2e-4)
