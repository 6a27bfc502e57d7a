"""python -m tfgan_image.pretrained: the list of the pretrained models shipped."""

from tfgan_image.pretrained import listing

if __name__ == "__main__":
    print(listing())
