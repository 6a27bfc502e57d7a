"""Named configs of the restoration family (see tfgan_image.configs)."""
