"""Training with Keras ``compile``/``fit``; a callback forwards progress to dlcourse's reporter.

``fit`` is called once per epoch on that epoch's permutation
(:func:`dlcourse.training.batches.epoch_order`), so both frameworks visit the
same mini-batches and a resumed run continues with the batches it would have
seen. Each epoch ends with a checkpoint (``.keras`` file: weights and optimizer state).
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from dlcourse.backends.tensorflow.metrics import CLASSIFICATION_KEYS, REGRESSION_KEYS, keras_metrics
from dlcourse.backends.tensorflow.optim import make_loss, make_optimizer
from dlcourse.errors import TrainingDiverged
from dlcourse.training.batches import epoch_order, steps_per_epoch
from dlcourse.training.control import TrainingControl

CHECKPOINT_SUFFIX = ".keras"


def _targets(y: np.ndarray, task: str) -> np.ndarray:
    if task == "classification":
        return np.asarray(y, dtype=np.int64)
    y = np.asarray(y, dtype=np.float32)
    return y.reshape(len(y), -1)


def execution_settings(config, n_train: int) -> dict:
    """The speed choices ``fit`` makes for ``config`` (recorded in the run folder).

    ``steps_per_execution``: mini-batches run per compiled call (fewer Python round trips;
    callbacks then see every n-th step). ``jit_compile``: XLA ("auto" lets Keras decide:
    off on a CPU-only machine).
    """
    rt = config.runtime
    steps = steps_per_epoch(n_train, config.training.batch_size)
    if rt.steps_per_execution != "auto":
        spe = rt.steps_per_execution
    else:
        spe = max(1, min(steps, 2048 // config.training.batch_size)) if rt.fast_path else 1
    return {"steps_per_execution": int(spe), "jit_compile": rt.jit_compile if rt.fast_path else "auto",
            "data": "NumPy arrays in memory, one permutation per epoch", "eval_batch_size": 4096}


def compile_model(model, config, metrics: bool = True, steps: int | None = None, settings: dict | None = None) -> None:
    settings = settings or {"steps_per_execution": 1, "jit_compile": "auto"}
    model.compile(optimizer=make_optimizer(config.optimizer, config, steps), loss=make_loss(config.loss),
                  metrics=keras_metrics(config.task, config.model.output_units) if metrics else None,
                  steps_per_execution=settings["steps_per_execution"], jit_compile=settings["jit_compile"])


_ORDER = ("loss",) + CLASSIFICATION_KEYS + REGRESSION_KEYS


def _ordered(logs: dict) -> dict:
    """Same key order as the PyTorch backend: loss, metrics, then val_loss, val_metrics."""
    logs = {k: float(v) for k, v in (logs or {}).items()}

    def rank(key: str):
        base = key.removeprefix("val_")
        return (key.startswith("val_"), _ORDER.index(base) if base in _ORDER else len(_ORDER), base)

    return dict(sorted(logs.items(), key=lambda kv: rank(kv[0])))


class _Steps(keras.callbacks.Callback):
    """Per-batch duties: progress, divergence check, stop requests, fault injection."""

    def __init__(self, reporter, control: TrainingControl, epoch: int, first: int, lr: float, spe: int = 1):
        super().__init__()
        self.reporter, self.control, self.epoch, self.first, self.lr = reporter, control, epoch, first, lr
        self.spe = spe
        self.done = 0
        self.stopped = False

    def on_train_batch_begin(self, batch, logs=None):
        # With several steps per execution, Keras calls this once per group of steps.
        if any(self.control.inject_nan(self.epoch, self.first + batch + i) for i in range(self.spe)):
            var = self.model.trainable_variables[0]
            value = np.array(var.numpy())
            value.flat[0] = np.nan
            var.assign(value)

    def on_train_batch_end(self, batch, logs=None):
        self.done = batch + 1
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.model.stop_training = True
            last = self.control.last_checkpoint
            kept = f" The last good checkpoint is {last}." if last else ""
            last_step = self.first + batch + 1
            where = f"step {last_step}" if self.spe == 1 else f"steps {max(last_step - self.spe, self.first) + 1}-{last_step}"
            raise TrainingDiverged(f"the loss became {loss} at epoch {self.epoch}, {where} "
                                   f"(learning rate {self.lr}).{kept} "
                                   "Lower the learning rate or normalise the inputs (data.scaling: standard).")
        self.reporter.step(self.first + batch + 1, loss)
        if self.control.should_stop:
            self.stopped = True
            self.model.stop_training = True


def _save(control: TrainingControl, model, epoch: int, step: int, history: list[dict]):
    return control.save(epoch, step, CHECKPOINT_SUFFIX, lambda tmp: model.save(tmp), {"history": history})


def _load_into(model, path) -> None:
    """Copy a checkpoint's weights and optimizer state into ``model`` (compiled)."""
    saved = keras.saving.load_model(path, safe_mode=True)
    model.set_weights(saved.get_weights())
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    for var, value in zip(model.optimizer.variables, saved.optimizer.variables):
        var.assign(value)


def fit(model, config, splits, reporter, control: TrainingControl | None = None) -> list[dict]:
    """Train with ``model.fit``; returns one dict of logs per epoch (same keys as the PyTorch backend)."""
    control = control or TrainingControl()
    tcfg = config.training
    x = np.asarray(splits.x_train, np.float32)
    y = _targets(splits.y_train, config.task)
    val = (np.asarray(splits.x_val, np.float32), _targets(splits.y_val, config.task)) if len(splits.x_val) else None
    n, bs = len(x), tcfg.batch_size
    steps = steps_per_epoch(n, bs)
    settings = execution_settings(config, n)
    compile_model(model, config, steps=steps, settings=settings)

    history: list[dict] = []
    start_epoch, start_step = 1, 0
    meta = control.restore(lambda path, _meta: _load_into(model, path))
    if meta:
        history = list(meta["history"])
        start_epoch, start_step = meta["epoch"], meta["step"]
        if start_step >= steps:
            start_epoch, start_step = start_epoch + 1, 0

    extra = []
    if getattr(control, "tensorboard", None):
        from dlcourse.backends.tensorflow.tensorboard import tensorboard_callback
        extra.append(tensorboard_callback(control.tensorboard, write_graph=start_epoch == 1))

    reporter.start(tcfg.epochs, steps)
    try:
        for epoch in range(start_epoch, tcfg.epochs + 1):
            reporter.epoch_start(epoch)
            t0 = time.perf_counter()
            first = start_step if epoch == start_epoch else 0
            order = epoch_order(config.seed, epoch, n, tcfg.shuffle)[first * bs:]
            steps_cb = _Steps(reporter, control, epoch, first, config.optimizer.lr, settings["steps_per_execution"])
            if config.data.augment:                          # a tf.data pipeline that augments each batch
                from dlcourse.backends.tensorflow.data import make_dataset
                data = {"x": make_dataset(x[order], y[order], bs, shuffle=False, augment=config.data.augment,
                                          seed=config.seed + epoch)}
            else:
                data = {"x": x[order], "y": y[order], "batch_size": bs}
            result = model.fit(**data, epochs=epoch, initial_epoch=epoch - 1, shuffle=False, validation_data=val,
                               validation_batch_size=4096, callbacks=[steps_cb, *extra], verbose=0)
            if steps_cb.stopped and first + steps_cb.done < steps:
                path = _save(control, model, epoch, first + steps_cb.done, history)
                raise control.interrupted(epoch, first + steps_cb.done, path)
            logs = _ordered({k: v[-1] for k, v in result.history.items()})
            seconds = time.perf_counter() - t0
            history.append({"epoch": epoch, **logs, "seconds": seconds})
            reporter.epoch_end(epoch, logs, seconds)
            _save(control, model, epoch, steps, history)
            if control.should_stop and epoch < tcfg.epochs:
                raise control.interrupted(epoch + 1, 0, control.last_checkpoint)
    finally:
        reporter.close()
    return history


def predict(model, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values."""
    x = np.asarray(x, dtype=np.float32)
    out = [np.asarray(model(x[i:i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def train_on_batches(model, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch, in order (parity tests)."""
    compile_model(model, config, metrics=False)              # one step per call: exact batch boundaries
    return [float(np.ravel(model.train_on_batch(np.asarray(xb, np.float32), _targets(yb, config.task)))[0])
            for xb, yb in batches]
