"""PyTorch backend: ``nn.Module`` models and an explicit training loop built from a framework-free spec."""

from dlcourse.backends.torch.io import load_model, save_model
from dlcourse.backends.torch.models import build_model, count_params, get_weights, layer_table, set_weights
from dlcourse.backends.torch.runtime import setup_runtime, versions
from dlcourse.backends.torch.train import execution_settings, fit, predict, train_on_batches

NAME = "torch"
__all__ = ["NAME", "build_model", "count_params", "execution_settings", "fit", "get_weights", "layer_table", "load_model", "predict",
           "save_model", "set_weights", "setup_runtime", "train_on_batches", "versions"]
