"""export: SavedModel and TFLite exports."""

import os

import numpy as np
import tensorflow as tf

from tfgan_image import export


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
