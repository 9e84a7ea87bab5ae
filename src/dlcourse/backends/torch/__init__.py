"""PyTorch backend: ``nn.Sequential`` models and an explicit step engine, built from the framework-free spec.

Satisfies :class:`dlcourse.backends.contract.Backend`.
"""

from dlcourse.backends.torch.data import augment_batch
from dlcourse.backends.torch.engine import execution_settings, make_engine, predict, train_on_batches
from dlcourse.backends.torch.io import load_model, save_model
from dlcourse.backends.torch.models import build_model, count_params, get_weights, layer_table, set_weights
from dlcourse.backends.torch.runtime import setup_runtime, versions

from dlcourse.backends.contract import BACKEND_FUNCTIONS

NAME = "torch"
__all__ = ["NAME", *BACKEND_FUNCTIONS]                   # the contract's names, no more
