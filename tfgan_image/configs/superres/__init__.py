"""Named configs of the superres family (see tfgan_image.configs)."""
