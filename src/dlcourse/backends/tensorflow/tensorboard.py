"""TensorBoard logging for Keras ``fit``: Keras' own ``TensorBoard`` callback.

It writes ``<log_dir>/train`` and ``<log_dir>/validation`` with tags
``epoch_<metric>``, the layout the PyTorch side reproduces
(:mod:`dlcourse.backends.torch.tensorboard`), and the model graph.

Wiring::

    model.fit(..., callbacks=[progress, tensorboard_callback(run_path / "tensorboard")])
"""

from __future__ import annotations

from pathlib import Path

import keras


def tensorboard_callback(log_dir: str | Path, write_graph: bool = True) -> keras.callbacks.TensorBoard:
    """A ``keras.callbacks.TensorBoard`` writing per-epoch scalars (and the graph) under ``log_dir``."""
    return keras.callbacks.TensorBoard(log_dir=str(log_dir), histogram_freq=0, write_graph=write_graph,
                                       write_images=False, update_freq="epoch", profile_batch=0)
