"""detexture_zoo: the shipped ``detexture`` model's recipe (its second run).

    python -m tfgan_image.train restoration --config=detexture_zoo \\
        --data=folder:DATA/sr291 --init_from=runs/detexture_first/generator.keras

Starts from ``detexture_zoo_first``'s generator and widens its halftone screens to what
printed pages have: dot pitches of 2-12 px (the first run's 3-8), dot edges from soft to
binary ink (hardness 12-200), scanned from nearly sharp to blurred (the scan's blur std 2-30%
of the pitch; the first run's 10-30%), 4,000 steps, a new cosine schedule from 3e-4. Moire,
stripes and grain stay as they were.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/detexture.md``.
"""

from tfgan_image.configs.restoration import unet_l1


def get_config():
    return unet_l1.get_config().replace(
        workdir="runs/detexture", task="detexture", steps=4000, g_learning_rate=3e-4,
        halftone_pitch=(2.0, 12.0), halftone_hardness=(12.0, 200.0),
        halftone_blur=(0.02, 0.3))
