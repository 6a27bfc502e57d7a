"""restore_real: one blind restorer for real photos (noise, blur, resizing, sharpening halos
and JPEG together).

    python -m tfgan_image.train restoration --config=restore_real \\
        --data=folder:DATA/sr291,DATA/bsds500_test --init_from=desharpen

The U-Net on L1 (``unet_l1``) trained on the ``real`` task: Real-ESRGAN's second-order chain
at the photo's own size (``data.degrade_real.RESTORE_SETTINGS``), validated on the same chain,
seeded. It starts from the shipped ``desharpen`` model, the same network, 12,000 steps.
DATA is a folder holding the training photos; the recorded run used T91 + BSD200 + the BSDS500
test photos (490 photos, research-use data, so the model is for research use); any folder of
photos works.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(workdir="runs/restore_real", task="real", steps=12000,
                                          init_from="desharpen")
