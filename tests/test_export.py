"""export: SavedModel and TFLite exports."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_image import export
from tfgan_image.models import style_transfer as style_models


def tflite_output(path, image):
    interpreter = tf.lite.Interpreter(model_path=path)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, image.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, image)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def test_tflite_exports_match_keras_at_any_size(sr_run_dir, tmp_path):
    """float32 weights: the Keras output; float16 weights: within float16's rounding, in a
    file about half the size."""
    model = export.load_generator(sr_run_dir)
    path = export.export_tflite(model, str(tmp_path))
    half = export.export_tflite(model, str(tmp_path), float16=True)
    assert os.path.basename(half) == export.TFLITE_FLOAT16_FILE
    assert os.path.getsize(half) < 0.7 * os.path.getsize(path)
    for shape in ((1, 10, 14, 3), (2, 7, 5, 3)):
        image = np.random.default_rng(3).uniform(-1, 1, shape).astype(np.float32)
        expected = model(image)
        np.testing.assert_allclose(tflite_output(path, image), expected, atol=1e-4)
        np.testing.assert_allclose(tflite_output(half, image), expected, atol=2e-2)


def test_a_style_network_with_colour_transfer_exports_to_tflite(tmp_path):
    """Its colour transfer (matrix roots by Newton-Schulz, no eigendecomposition) and nearest
    upsampling convert to TFLite builtins; the output matches Keras at any size."""
    keras.utils.set_random_seed(0)
    target = np.random.default_rng(1).uniform(-1, 1, (16, 16, 3)) * [1.0, 0.5, 0.2]
    model = style_models.build_transformer(width=4, residual_blocks=1, colour_target=target)
    for weight in model.trainable_weights:   # away from the identity it starts as
        weight.assign(weight + np.random.default_rng(2).normal(0, 0.05, weight.shape))
    path = export.export_tflite(model, str(tmp_path))
    for shape in ((1, 16, 20, 3), (2, 12, 8, 3)):
        image = np.random.default_rng(3).uniform(-1, 1, shape).astype(np.float32)
        np.testing.assert_allclose(tflite_output(path, image), model(image), atol=1e-3)
