"""Data sources, degradations and tf.data pipelines."""
