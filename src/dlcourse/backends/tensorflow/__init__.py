"""TensorFlow/Keras backend: ``keras.Sequential`` models trained with ``compile``/``fit``, built from a framework-free spec."""

from dlcourse.backends.tensorflow.runtime import setup_runtime, versions  # noqa: I001  (sets the environment first)
from dlcourse.backends.tensorflow.io import load_model, save_model
from dlcourse.backends.tensorflow.models import build_model, count_params, get_weights, layer_table, set_weights
from dlcourse.backends.tensorflow.train import execution_settings, fit, predict, train_on_batches

NAME = "tensorflow"
__all__ = ["NAME", "build_model", "count_params", "execution_settings", "fit", "get_weights", "layer_table", "load_model", "predict",
           "save_model", "set_weights", "setup_runtime", "train_on_batches", "versions"]
