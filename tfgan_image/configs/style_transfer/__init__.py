"""Named configs of the style_transfer family (see tfgan_image.configs)."""
