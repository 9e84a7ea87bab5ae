"""TensorBoard logging for the PyTorch loop, laid out as Keras' ``TensorBoard`` callback lays it out.

Scalars go to ``<log_dir>/train`` and ``<log_dir>/validation`` with tags
``epoch_<metric>`` (``epoch_loss``, ``epoch_accuracy``...), so TensorBoard shows the
runs of both frameworks under the same names. Open them with::

    tensorboard --logdir runs/

Wiring in a loop::

    tb = TensorBoardLogger(run_path / "tensorboard")
    tb.log_graph(model, x_train[:1])
    for epoch ...:
        tb.log_epoch(epoch, logs)      # {'loss': .., 'accuracy': .., 'val_loss': .., ...}
    tb.close()
"""

from __future__ import annotations

import sys
import types
import warnings
from pathlib import Path

# TensorBoard imports TensorFlow for file I/O when it can; in a PyTorch process that
# costs seconds and log noise. Its own stub does the job: ask for it, unless TensorFlow
# is already loaded (its summaries then need the real module).
if "tensorflow" not in sys.modules:
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

from dlcourse.evaluation.tensorboard import epoch_scalars


class TensorBoardLogger:
    """Write per-epoch scalars (and the model graph) as TensorBoard event files.

    Parameters
    ----------
    log_dir:
        Folder of the event files (created if needed); ``train/`` and ``validation/`` go under it.
    """

    def __init__(self, log_dir: str | Path):
        self.log_dir = Path(log_dir)
        self.train = SummaryWriter(str(self.log_dir / "train"))
        self.validation = SummaryWriter(str(self.log_dir / "validation"))

    def log_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """Write ``logs`` for ``epoch`` (1-based, as in ``history.csv``).

        Keys ``val_<name>`` go to ``validation/epoch_<name>``, others to
        ``train/epoch_<name>``; ``epoch`` and ``seconds`` are skipped. The step
        written is ``epoch - 1``, as Keras writes it.
        """
        writers = {"train": self.train, "validation": self.validation}
        for folder, tag, value in epoch_scalars(logs):
            writers[folder].add_scalar(tag, value, global_step=int(epoch) - 1)
        self.train.flush()
        self.validation.flush()

    def log_graph(self, model: torch.nn.Module, example: np.ndarray | torch.Tensor) -> None:
        """Trace ``model`` on ``example`` (``(b, *feature_shape)`` float32) and store its graph."""
        x = torch.as_tensor(np.asarray(example, dtype=np.float32))
        was_training = model.training
        model.eval()
        try:
            with warnings.catch_warnings():                 # add_graph traces with torch.jit (deprecated, still used)
                warnings.simplefilter("ignore", FutureWarning)
                self.train.add_graph(model, x)
        finally:
            model.train(was_training)

    def close(self) -> None:
        self.train.close()
        self.validation.close()

    def __enter__(self) -> "TensorBoardLogger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
