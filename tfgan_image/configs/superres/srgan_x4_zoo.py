"""srgan_x4_zoo: the shipped ``srgan_x4`` model's recipe.

    python -m tfgan_image.train superres --config=srgan_x4_zoo --data=folder:DATA/sr291

Stage 1 is the shipped ``sr_x4`` as it is (``init_from``, no stage-1 steps); stage 2
fine-tunes it for 2,000 steps with 1 x L1 + 0.1 x VGG16 block3/block4 feature L1 (at a random
offset below 8 px, so no grid locks to VGG's pooling) + 0.1 x adversarial.
DATA is a folder holding the training photos: the recorded run used T91 + BSD200
(``sr291/``), research-use data, so the model is for research use; any folder of photos
works. Results: the card,
``tfgan_image/pretrained/srgan_x4.md``.
"""

from tfgan_image.configs.superres import sr_x4_zoo_first


def get_config():
    return sr_x4_zoo_first.get_config().replace(
        workdir="runs/srgan_x4", steps=0, gan_steps=2000, eval_every=500, init_from="sr_x4",
        l1_weight=1.0, perceptual_weight=0.1, adversarial_weight=0.1,
        perceptual_stages=("block3", "block4"), perceptual_offset_range=8)
