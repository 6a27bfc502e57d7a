"""Image restoration GAN: denoising, anti-sharpening, deblurring, JPEG and texture removal.

    python -m tfgan_image.experiments.restoration --task=denoise \
        [--workdir=runs/restoration_denoise]

Tasks (degradations applied on the fly, see ``tfgan_image.data.degrade``): denoise,
desharpen, deblur, jpeg, detexture, mixed. Default data: the colour photos scikit-image and
scikit-learn ship (offline), with astronaut, chelsea and coffee held out whole for evaluation.
The run prints PSNR / SSIM / seconds per image of the EMA generator on the held-out photos next
to the degraded input and classical restorers (wavelet, TV, non-local means; BM3D for
denoising), and writes degradations.png, comparison.png, generator.keras and a SavedModel.
Apply the trained model to your own files with
``python -m tfgan_image.apply --workdir=RUN INPUT OUTPUT``. Rerunning resumes.

This command is ``python -m tfgan_image.train restoration``
(the named config ``tfgan_image/configs/restoration/default.py``).
"""

from tfgan_image import train

if __name__ == "__main__":
    train.run("restoration", "default")
