"""TensorBoard logging for Keras training, in the layout of Keras' ``TensorBoard`` callback.

Scalars go to ``<log_dir>/train`` and ``<log_dir>/validation`` with tags
``epoch_<metric>`` (``epoch_loss``, ``epoch_accuracy``...), the layout the PyTorch side
reproduces (:mod:`dlcourse.backends.torch.tensorboard`).

* ``model.fit`` (the plain Keras path) takes Keras' own callback::

      model.fit(..., callbacks=[tensorboard_callback(run_path / "tensorboard")])

* the compiled loop writes the same files through :class:`TensorBoardLogger`::

      tb = TensorBoardLogger(run_path / "tensorboard")
      tb.log_graph(train_function)       # a tf.function, traced
      for epoch ...:
          tb.log_epoch(epoch, logs)      # {'loss': .., 'accuracy': .., 'val_loss': .., ...}
      tb.close()
"""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf

from dlcourse.evaluation.tensorboard import epoch_scalars


def tensorboard_callback(log_dir: str | Path, write_graph: bool = True) -> keras.callbacks.TensorBoard:
    """A ``keras.callbacks.TensorBoard`` writing per-epoch scalars (and the graph) under ``log_dir``."""
    return keras.callbacks.TensorBoard(log_dir=str(log_dir), histogram_freq=0, write_graph=write_graph,
                                       write_images=False, update_freq="epoch", profile_batch=0)


class TensorBoardLogger:
    """The compiled loop's TensorBoard files: per-epoch scalars (:func:`epoch_scalars`) and the graph.

    ``log_dir``: folder of the event files (created if needed), with ``train/`` and ``validation/``.
    """

    def __init__(self, log_dir: str | Path):
        self.log_dir = Path(log_dir)
        self.train = tf.summary.create_file_writer(str(self.log_dir / "train"))
        self.validation = tf.summary.create_file_writer(str(self.log_dir / "validation"))

    def log_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """Write ``logs`` for ``epoch`` (1-based) at step ``epoch - 1``, as Keras writes them."""
        writers = {"train": self.train, "validation": self.validation}
        for folder, tag, value in epoch_scalars(logs):
            with writers[folder].as_default():
                tf.summary.scalar(tag, value, step=int(epoch) - 1)
        self.train.flush()
        self.validation.flush()

    def log_graph(self, function, *args) -> None:
        """Store the graph of ``function`` (a ``tf.function``) traced for ``args``."""
        with self.train.as_default():
            tf.summary.graph(function.get_concrete_function(*args).graph)

    def close(self) -> None:
        self.train.close()
        self.validation.close()
