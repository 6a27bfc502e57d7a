"""Named configs of the toy family."""
