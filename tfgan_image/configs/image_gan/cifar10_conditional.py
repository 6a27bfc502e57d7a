"""cifar10_conditional: a class-conditional colour GAN at 32 px for a small labelled set.

    python -m tfgan_image.train image_gan --config=cifar10_conditional \\
        --data=folder:DATA/cifar10_subset/train

SNGAN's residual networks (Miyato et al. 2018) with the small-data recipe: spectral
normalisation in D and a projection of the label (Miyato & Koyama 2018), class-conditional
batch norm in G, the hinge loss, DiffAugment (colour, translation, cutout), two time-scale
learning rates (G 1e-4, D 4e-4, Adam beta_1 0: Heusel et al. 2017; BigGAN), an EMA generator,
batch 64, 40,000 steps. DATA/cifar10_subset/train holds one subfolder of images per class;
any class folders work.
"""

from tfgan_image import image_gan


def get_config() -> image_gan.ImageGANConfig:
    return image_gan.ImageGANConfig(
        workdir="runs/cifar10_conditional", image_size=32, conditional=True,
        architecture="resnet", loss="hinge", g_learning_rate=1e-4, d_learning_rate=4e-4,
        beta_1=0.0, beta_2=0.999, ema_decay=0.9999, steps=40000, batch_size=64,
        latent_dim=128, g_width=64, d_width=64, eval_every=2000, eval_samples=2000,
        sample_every=1000)
