"""Training with Keras ``compile``/``fit``; a callback forwards progress to dlcourse's reporter."""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from dlcourse.backends.tensorflow.optim import make_loss, make_optimizer
from dlcourse.errors import TrainingDiverged


def _metric_name(task: str) -> str:
    return "accuracy" if task == "classification" else "mae"


def _targets(y: np.ndarray, task: str) -> np.ndarray:
    if task == "classification":
        return np.asarray(y, dtype=np.int64)
    y = np.asarray(y, dtype=np.float32)
    return y.reshape(len(y), -1)


def compile_model(model, config) -> None:
    model.compile(optimizer=make_optimizer(config.optimizer), loss=make_loss(config.loss),
                  metrics=[_metric_name(config.task)])


class _Progress(keras.callbacks.Callback):
    """Forwards Keras' batch and epoch events to a :class:`dlcourse.training.progress.Reporter`."""

    def __init__(self, reporter, epochs: int, steps: int, lr: float):
        super().__init__()
        self.reporter, self.epochs, self.steps, self.lr = reporter, epochs, steps, lr
        self.history: list[dict] = []

    def on_train_begin(self, logs=None):
        self.reporter.start(self.epochs, self.steps)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.t0 = epoch + 1, time.perf_counter()
        self.reporter.epoch_start(epoch + 1)

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.model.stop_training = True
            raise TrainingDiverged(f"the loss became {loss} at epoch {self.epoch}, step {batch + 1} "
                                   f"(learning rate {self.lr}).")
        self.reporter.step(batch + 1, loss)

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.t0
        logs = {k: float(v) for k, v in (logs or {}).items()}
        # Same key order as the PyTorch backend: loss, metric, val_loss, val_metric.
        logs = dict(sorted(logs.items(), key=lambda kv: (kv[0].startswith("val_"), kv[0].removeprefix("val_") != "loss")))
        self.history.append({"epoch": epoch + 1, **logs, "seconds": seconds})
        self.reporter.epoch_end(epoch + 1, logs, seconds)


def fit(model, config, splits, reporter) -> list[dict]:
    """Train with ``model.fit``; returns one dict of logs per epoch (same keys as the PyTorch backend)."""
    compile_model(model, config)
    tcfg = config.training
    y = _targets(splits.y_train, config.task)
    val = (splits.x_val, _targets(splits.y_val, config.task)) if len(splits.x_val) else None
    steps = math.ceil(len(splits.x_train) / tcfg.batch_size)
    progress = _Progress(reporter, tcfg.epochs, steps, config.optimizer.lr)
    try:
        model.fit(splits.x_train, y, batch_size=tcfg.batch_size, epochs=tcfg.epochs, shuffle=tcfg.shuffle,
                  validation_data=val, validation_batch_size=4096, callbacks=[progress], verbose=0)
    finally:
        reporter.close()
    return progress.history


def predict(model, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values."""
    x = np.asarray(x, dtype=np.float32)
    out = [np.asarray(model(x[i:i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def train_on_batches(model, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch, in order (parity tests)."""
    compile_model(model, config)
    return [float(np.ravel(model.train_on_batch(np.asarray(xb, np.float32), _targets(yb, config.task)))[0])
            for xb, yb in batches]
