"""TensorBoard event files for the epoch loop, in the layout of Keras' ``TensorBoard`` callback, for every backend.

Scalars go to ``<log_dir>/train`` and ``<log_dir>/validation`` with tags ``epoch_<metric>``
(``epoch_loss``, ``epoch_accuracy``...) at step ``epoch - 1``, as Keras writes them, so that
TensorBoard shows the runs of both frameworks under the same names::

    tensorboard --logdir runs/

Written with TensorBoard's own event writer; no framework is imported here (the model's
graph is written by the backend's engine, :meth:`~dlcourse.backends.contract.StepEngine.write_graph`).
"""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

# TensorBoard imports TensorFlow for file I/O when it can; in a PyTorch process that costs
# seconds and log noise. Its own stub does the job: ask for it, unless TensorFlow is loaded.
if "tensorflow" not in sys.modules:
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))

from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: E402
from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: E402


def epoch_scalars(logs: dict[str, float]) -> list[tuple[str, str, float]]:
    """``(folder, tag, value)`` for each entry of an epoch's logs: ``val_<name>`` goes to
    ``validation/epoch_<name>``, the rest to ``train/epoch_<name>``; ``epoch``, ``seconds`` and
    missing values are skipped."""
    out = []
    for key, value in logs.items():
        if key in ("epoch", "seconds") or value is None:
            continue
        folder, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
        out.append((folder, f"epoch_{name}", float(value)))
    return out


class EpochWriter:
    """Per-epoch scalars under ``log_dir`` (created if needed), with ``train/`` and ``validation/``."""

    def __init__(self, log_dir: str | Path):
        self.log_dir = Path(log_dir)
        self.writers = {name: EventFileWriter(str(self.log_dir / name)) for name in ("train", "validation")}

    def log_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """Write ``logs`` of ``epoch`` (1-based, as in ``history.csv``) at step ``epoch - 1``."""
        for folder, tag, value in epoch_scalars(logs):
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
            self.writers[folder].add_event(event_pb2.Event(wall_time=time.time(), step=int(epoch) - 1, summary=summary))
        for writer in self.writers.values():
            writer.flush()

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
