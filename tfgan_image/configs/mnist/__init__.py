"""Named configs of the mnist family (see tfgan_image.configs)."""
