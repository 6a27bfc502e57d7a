"""SRGAN-lite super-resolution (x2, x3, x4) in two stages.

    python -m tfgan_image.experiments.superres --scale=4 [--workdir=runs/superres_x4]

Stage 1 trains an SRResNet-lite with L1 (PSNR-oriented; RUN/stage1), stage 2 fine-tunes it
with pixel + perceptual (VGG features) + adversarial losses (RUN/stage2). Default data: the
photos scikit-image and scikit-learn ship (offline), with astronaut, chelsea and coffee held
out; low-resolution inputs are antialiased bicubic downscales. The run prints Y-PSNR / Y-SSIM
(border of ``scale`` pixels shaved, as papers report) and a VGG feature distance for bicubic
and both stages, and writes comparison.png and each stage's generator.keras, SavedModel and
generator.tflite. Upscale your own images with
``python -m tfgan_image.apply --workdir=RUN [--stage=1|2] INPUT OUTPUT``. Rerunning resumes.

This command is ``python -m tfgan_image.train superres``
(the named config ``tfgan_image/configs/superres/default.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("superres", "default")
