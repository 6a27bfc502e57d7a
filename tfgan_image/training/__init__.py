"""The shared GAN trainer and its helpers (precision, strategy, EMA, checkpoints)."""

from tfgan_image.training.trainer import GANTrainer, NonFiniteLossError

__all__ = ["GANTrainer", "NonFiniteLossError"]
