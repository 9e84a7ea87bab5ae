"""TensorFlow/Keras backend: ``keras.Sequential`` models and a compiled step engine, built from the framework-free spec.

Satisfies :class:`dlcourse.backends.contract.Backend`.
"""

from dlcourse.backends.tensorflow.runtime import setup_runtime, versions  # noqa: I001  (sets the environment first)
from dlcourse.backends.tensorflow.data import augment_batch
from dlcourse.backends.tensorflow.engine import execution_settings, make_engine, predict, train_on_batches
from dlcourse.backends.tensorflow.io import load_model, save_model
from dlcourse.backends.tensorflow.models import build_model, count_params, get_weights, layer_table, set_weights

from dlcourse.backends.contract import BACKEND_FUNCTIONS

NAME = "tensorflow"
__all__ = ["NAME", *BACKEND_FUNCTIONS]                   # the contract's names, no more
