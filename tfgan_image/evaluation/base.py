"""What the evaluators share: running a generator over fixed inputs, and scoring an
image-to-image model through ``apply``'s inference path."""

from typing import Callable

import keras
import numpy as np

from tfgan_image.evaluation.scores import Scores


class ImageEvaluator:
    """An evaluator whose ``score(function, progress)`` scores an image -> image function."""

    def score(self, function: Callable[[np.ndarray], np.ndarray], progress=None) -> Scores:
        raise NotImplementedError

    def score_model(self, model, tile: int = 512, precision: str = "float32",
                    progress=None) -> Scores:
        """A Keras image-to-image model through ``inference.restore_array`` in
        ``precision`` (float32 gives the same numbers on every CPU; "own" is a training
        run's own policy; "auto" is ``apply``'s default)."""
        from tfgan_image.inference import restore_array

        options = self.model_options(model)
        return self.score(lambda image: restore_array(model, image, tile, precision=precision,
                                                      **options), progress)

    def model_options(self, model) -> dict:
        """Extra ``restore_array`` arguments for ``model`` (none here)."""
        del model
        return {}


def generator_classes(generator) -> int:
    """Classes of a class-conditional generator (a second, label input); 0 otherwise."""
    if len(generator.inputs) < 2:
        return 0
    # Every class-conditional generator embeds its label (once, or in each conditional norm).
    return int(next(layer.input_dim for layer in generator.layers
                    if isinstance(layer, keras.layers.Embedding)))


def generate(generator, inputs, batch_size: int = 500) -> np.ndarray:
    """Runs ``generator`` in inference mode over ``inputs`` [N, ...] (or a tuple of such
    arrays, e.g. latents and class labels) in batches -> numpy."""
    parts = tuple(np.asarray(x) for x in inputs) if isinstance(inputs, tuple) else None
    count = len(parts[0]) if parts else len(inputs)
    inputs = parts or np.asarray(inputs)

    def batch(i):
        return (tuple(x[i:i + batch_size] for x in parts) if parts
                else inputs[i:i + batch_size])

    return np.concatenate([np.asarray(generator(batch(i), training=False))
                           for i in range(0, count, batch_size)])
