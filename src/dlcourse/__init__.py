"""dlcourse: deep learning with TensorFlow/Keras and PyTorch, side by side.

Importing ``dlcourse`` imports neither framework; they load only when a backend is used.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "load_config", "run_experiment"]


def __getattr__(name):
    if name == "load_config":
        from dlcourse.config import load_config
        return load_config
    if name == "run_experiment":
        from dlcourse.training.runner import run_experiment
        return run_experiment
    raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")
