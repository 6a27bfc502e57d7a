"""Named configs of the texture_synthesis family (see tfgan_image.configs)."""
