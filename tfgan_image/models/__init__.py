"""Keras functional-API generators and discriminators, one module per model family."""
