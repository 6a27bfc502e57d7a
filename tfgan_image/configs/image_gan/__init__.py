"""Named configs of the image_gan family (see tfgan_image.configs)."""
