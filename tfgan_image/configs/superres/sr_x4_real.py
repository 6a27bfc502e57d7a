"""sr_x4_real: x4 super-resolution of real small, noisy JPEGs.

    python -m tfgan_image.train superres --config=sr_x4_real \\
        --data=folder:DATA/sr291,DATA/bsds500_test --init_from=sr_x4

``sr_x4``'s network (16 residual blocks of 64 channels) on L1, trained on
``--degradation=real``: low-resolution inputs made by Real-ESRGAN's second-order chain of
blur, resizing, noise and JPEG (``data.degrade_real``), and validated on the same chain,
seeded. It starts from the shipped ``sr_x4``: 40 px low-resolution crops, 10,000 steps of a
cosine schedule from 2e-4.
DATA is a folder holding the training photos; the recorded run used T91 + BSD200 + the BSDS500
test photos (490 photos, research-use data, so the model is for research use); any folder of
photos works.
"""

from tfgan_image.configs.superres import sr_x4_zoo_first


def get_config():
    return sr_x4_zoo_first.get_config().replace(
        workdir="runs/sr_x4_real", degradation="real", init_from="sr_x4", crop_size=40,
        steps=10000, eval_every=1000, learning_rate=2e-4)
