"""Content, style and total-variation losses against one style image, on frozen VGG features:
the losses of feed-forward style transfer (``style_transfer``) and the texture GAN's style
term and score (``texture_synthesis``).

Content: the relative squared error of one VGG stage's features. Style: the Gram distance
(``losses.gram_distance``) of several stages' Gram matrices to the style image's. Total
variation: ``losses.total_variation_loss``.
"""

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from tfgan_image import features, losses, precision
from tfgan_image.data import pipeline, sources

DEFAULT_STYLE = "immunohistochemistry"   # scikit-image's colourful stained-tissue photo


def load_style_image(path: Optional[str], size: int) -> np.ndarray:
    """The style image as uint8 RGB [H, W, 3], its shorter side resized to ``size``;
    scikit-image's DEFAULT_STYLE when ``path`` is None. DataError names a missing or
    unreadable file."""
    if path is None:
        import skimage.data

        image = getattr(skimage.data, DEFAULT_STYLE)()
    else:
        image = sources.read_image(path)
    return sources.resize_shorter_side(image, size)


def dihedral_variants(image: np.ndarray) -> List[np.ndarray]:
    """The 8 flips and 90-degree rotations of an image [H, W, C] (the first is the image)."""
    return [np.ascontiguousarray(np.rot90(flipped, k)) for flipped in (image, image[:, ::-1])
            for k in range(4)]


class StyleLosses:
    """Content, style and TV losses against one style image.

    ``orientation_free``: the style target is the mean Gram matrix of the style image's 8
    flips and 90-degree rotations, so no one stroke direction is rewarded over the others.

    Call on (content images, generated images), both [N, H, W, 3] in [-1, 1]: returns the
    weighted terms {"content", "style", "tv"} (float32 scalars). ``evaluate`` gives the
    unweighted content and style losses of single images.
    """

    def __init__(self, style_image: np.ndarray, content_stage: str,
                 style_stages: Sequence[str], weights: Tuple[float, float, float],
                 backbone: str = "auto", orientation_free: bool = False):
        self.stages = tuple(dict.fromkeys((content_stage,) + tuple(style_stages)))
        self.content_index = self.stages.index(content_stage)
        self.style_indices = [self.stages.index(s) for s in style_stages]
        self.content_weight, self.style_weight, self.tv_weight = weights
        self.extractor = features.vgg_features(self.stages, backbone)
        with precision.precision_policy("float32"):
            float32_extractor = features.vgg_features(self.stages, backbone)
        variants = dihedral_variants(style_image) if orientation_free else [style_image]
        grams = []
        for variant in variants:
            maps = losses.feature_maps(float32_extractor, pipeline.to_unit_range(variant[None]))
            grams.append([losses.gram_matrix(maps[i])[0] for i in self.style_indices])
        self.style_grams = [tf.add_n(list(layer)) / len(layer) for layer in zip(*grams)]

    def content_features(self, content) -> tf.Tensor:
        """The content stage's features (float32) of content images [N, H, W, 3] in [-1, 1]."""
        return tf.cast(losses.feature_maps(self.extractor, content)[self.content_index],
                       tf.float32)

    def parts(self, content, generated, content_maps=None) -> Dict[str, tf.Tensor]:
        """Unweighted relative content and style losses, and TV. ``content_maps``: the
        content images' ``content_features`` when already known (computed otherwise)."""
        maps = losses.feature_maps(self.extractor, generated)
        if content_maps is None:
            content_maps = self.content_features(content)
        generated_content = tf.cast(maps[self.content_index], tf.float32)
        content_loss = (tf.reduce_mean(tf.square(generated_content - content_maps))
                        / (tf.reduce_mean(tf.square(content_maps)) + 1e-8))
        return {"content": content_loss, "style": self.style_of_maps(maps),
                "tv": losses.total_variation_loss(generated)}

    def style_of_maps(self, maps):
        """The unweighted style loss (float32 scalar, mean over images and style layers) of
        feature maps from ``self.extractor`` (one per stage in ``self.stages``)."""
        terms = [tf.reduce_mean(losses.gram_distance(losses.gram_matrix(maps[i]), gram))
                 for i, gram in zip(self.style_indices, self.style_grams)]
        return tf.add_n(terms) / len(terms)

    def style_loss(self, images) -> tf.Tensor:
        """The unweighted style loss (float32 scalar, mean over images and style layers) of
        images [N, H, W, 3] in [-1, 1] (one VGG pass)."""
        return self.style_of_maps(losses.feature_maps(self.extractor, images))

    def style_distance(self, image_uint8: np.ndarray) -> float:
        """The unweighted style loss of one image [H, W, 3] uint8."""
        return float(self.style_loss(pipeline.to_unit_range(image_uint8[None])))

    def __call__(self, content, generated) -> Dict[str, tf.Tensor]:
        return self.weighted(self.parts(content, generated))

    def weighted(self, parts: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
        return {"content": self.content_weight * parts["content"],
                "style": self.style_weight * parts["style"],
                "tv": self.tv_weight * parts["tv"]}

    def evaluate(self, content_uint8: np.ndarray, stylised_uint8: np.ndarray
                 ) -> Dict[str, float]:
        parts = self.parts(content_uint8[None].astype(np.float32) / 127.5 - 1.0,
                           stylised_uint8[None].astype(np.float32) / 127.5 - 1.0)
        return {"content_loss": float(parts["content"]), "style_loss": float(parts["style"])}
