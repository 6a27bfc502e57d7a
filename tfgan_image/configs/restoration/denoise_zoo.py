"""denoise_zoo: the shipped ``denoise`` model's recipe (its second run).

    python -m tfgan_image.train restoration --config=denoise_zoo \\
        --data=folder:DATA/sr291,DATA/bsds500_test \\
        --init_from=runs/denoise_first/generator.keras

Starts from ``denoise_zoo_first``'s generator and adds FFDNet's noise-level map (the noise
std as a fourth input channel): unclipped Gaussian noise of sigma 0-75, 14,000 steps, a new
cosine schedule from 3e-4.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200 (``sr291/``)
and the 200 BSDS500 test photos (``bsds500_test/``), research-use data, so the model is for
research use; any folder of photos works. Results: the card,
``tfgan_image/pretrained/denoise.md``.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(
        workdir="runs/denoise", task="denoise", steps=14000, noise_map=True, clip_noise=False,
        poisson_fraction=0.0, sigma=(0.0, 75.0), g_learning_rate=3e-4)
