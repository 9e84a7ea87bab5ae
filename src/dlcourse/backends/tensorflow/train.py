"""Training a Keras model: a compiled in-graph loop (the fast path) or Keras' own ``fit``.

Both visit each epoch's permutation (:func:`dlcourse.training.batches.epoch_order`), so both
frameworks see the same mini-batches and a resumed run continues with the batches it would
have seen. Each epoch ends with a checkpoint (``.keras`` file: weights and optimizer state).

* **compiled loop** (``runtime.fast_path: true``, no augmentation): the training split is held
  as one tensor; a ``tf.function`` runs ``steps_per_execution`` mini-batches per call in a
  graph loop (gather, forward, loss, gradient, update), Adam through one fused kernel per
  variable (:func:`~dlcourse.backends.tensorflow.optim.fused_apply`). Per-step Python and
  metric work is gone: the epoch's metrics are computed once, from the outputs the loop returns.
  Same mathematics as ``fit`` (tested to 1e-5).
* **Keras fit** (``fast_path: false``, or ``data.augment``, which needs a ``tf.data`` pipeline):
  ``model.fit`` once per epoch, with callbacks for progress, divergence and stop requests.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import tensorflow as tf

from dlcourse.backends.tensorflow.metrics import CLASSIFICATION_KEYS, REGRESSION_KEYS, ConfusionScores, keras_metrics
from dlcourse.backends.tensorflow.optim import fused_apply, make_loss, make_optimizer
from dlcourse.errors import TrainingDiverged
from dlcourse.training.batches import epoch_order, steps_per_epoch
from dlcourse.training.control import TrainingControl

CHECKPOINT_SUFFIX = ".keras"


def _targets(y: np.ndarray, task: str) -> np.ndarray:
    if task == "classification":
        return np.asarray(y, dtype=np.int64)
    y = np.asarray(y, dtype=np.float32)
    return y.reshape(len(y), -1)


COMPILED_LOOP = "compiled loop: tf.function over in-memory tensors"
KERAS_FIT = "keras fit"


def execution_settings(config, n_train: int) -> dict:
    """The speed choices for ``config`` (recorded in the run folder's ``environment.json``).

    ``loop``: the compiled loop, or Keras' ``fit`` (``fast_path: false``, or augmentation).
    ``steps_per_execution``: mini-batches run per compiled call (fewer Python round trips;
    progress, stop requests and fault checks happen between calls). ``optimizer_kernel``:
    Adam's fused kernel on the compiled loop, else Keras' ``optimizer.apply``. ``jit_compile``:
    XLA (``auto``: off, it is slower on a CPU for these models).
    """
    rt = config.runtime
    steps = steps_per_epoch(n_train, config.training.batch_size)
    compiled = rt.fast_path and not config.data.augment
    if rt.steps_per_execution != "auto":
        spe = rt.steps_per_execution
    elif not rt.fast_path:
        spe = 1
    else:                       # rows per call; the compiled loop reports progress 3-10 times a second
        spe = max(1, min(steps, (8192 if compiled else 2048) // config.training.batch_size))
    settings = {"loop": KERAS_FIT, "steps_per_execution": int(spe),
                "jit_compile": rt.jit_compile if rt.fast_path else "auto", "eval_batch_size": 4096}
    if not rt.fast_path:
        settings["data"] = "NumPy arrays, Keras' defaults"
    elif config.data.augment:
        settings["data"] = "tf.data pipeline augmenting each batch"
    else:
        settings.update(loop=COMPILED_LOOP, data="one float32 tensor in memory, one permutation per epoch",
                        jit_compile=rt.jit_compile is True,
                        optimizer_kernel="fused ResourceApplyAdam" if config.optimizer.name == "adam"
                        else "keras optimizer.apply")
    return settings


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
    """Per-batch duties under ``fit``: progress, divergence check, stop requests, fault injection."""

    def __init__(self, reporter, control: TrainingControl, epoch: int, first: int, config, spe: int = 1):
        super().__init__()
        self.reporter, self.control, self.epoch, self.first, self.config = reporter, control, epoch, first, config
        self.spe = spe
        self.done = 0
        self.stopped = False

    def on_train_batch_begin(self, batch, logs=None):
        # With several steps per execution, Keras calls this once per group of steps.
        if any(self.control.inject_nan(self.epoch, self.first + batch + i) for i in range(self.spe)):
            _poison(self.model)

    def on_train_batch_end(self, batch, logs=None):
        self.done = batch + 1
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss):
            self.model.stop_training = True
            last_step = self.first + batch + 1
            where = f"step {last_step}" if self.spe == 1 else f"steps {max(last_step - self.spe, self.first) + 1}-{last_step}"
            raise _diverged(loss, self.epoch, where, self.config, self.control)
        self.reporter.step(self.first + batch + 1, loss)
        if self.control.should_stop:
            self.stopped = True
            self.model.stop_training = True


def _save(control: TrainingControl, model, epoch: int, step: int, meta: dict):
    return control.save(epoch, step, CHECKPOINT_SUFFIX, lambda tmp: model.save(tmp), meta)


def _load_into(model, path) -> None:
    """Copy a checkpoint's weights and optimizer state into ``model`` (compiled)."""
    saved = keras.saving.load_model(path, safe_mode=True)
    model.set_weights(saved.get_weights())
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    for var, value in zip(model.optimizer.variables, saved.optimizer.variables):
        var.assign(value)


def _restore(model, control: TrainingControl, steps: int) -> tuple[list[dict], int, int, dict]:
    """``(history, start epoch, start step, checkpoint metadata)``: a fresh start, or the newest checkpoint."""
    meta = control.restore(lambda path, _meta: _load_into(model, path))
    if not meta:
        return [], 1, 0, {}
    epoch, step = meta["epoch"], meta["step"]
    if step >= steps:                                        # the checkpoint closed its epoch
        epoch, step = epoch + 1, 0
    return list(meta["history"]), epoch, step, meta


def _diverged(loss: float, epoch: int, where: str, config, control: TrainingControl) -> TrainingDiverged:
    last = control.last_checkpoint
    kept = f" The last good checkpoint is {last}." if last else ""
    return TrainingDiverged(f"the loss became {loss} at epoch {epoch}, {where} (learning rate {config.optimizer.lr})."
                            f"{kept} Lower the learning rate or normalise the inputs (data.scaling: standard).")


def _poison(model) -> None:
    """Fault injection: a NaN in the first weight."""
    var = model.trainable_variables[0]
    value = np.array(var.numpy())
    value.flat[0] = np.nan
    var.assign(value)


def fit(model, config, splits, reporter, control: TrainingControl | None = None) -> list[dict]:
    """Train ``model`` on ``splits`` as ``config`` says; returns one dict of logs per epoch.

    Logs: ``loss`` and the metrics of :func:`~dlcourse.backends.tensorflow.metrics.keras_metrics`
    on the training batches (as seen during the epoch), ``val_*`` on the validation split,
    ``seconds``: the same keys, in the same order, as the PyTorch backend. A stop request ends
    the current call, writes a checkpoint and raises ``TrainingInterrupted``.
    """
    control = control or TrainingControl()
    settings = execution_settings(config, len(splits.x_train))
    if settings["loop"] == COMPILED_LOOP:
        return _fit_compiled(model, config, splits, reporter, control, settings)
    return _fit_keras(model, config, splits, reporter, control, settings)


class _CompiledSteps:
    """A ``tf.function`` training on mini-batches of an in-memory split, several per call.

    ``self(idx)``: ``idx (m,)`` int64 positions in the split, in visiting order, cut into
    mini-batches of ``batch_size`` (the last may be smaller). Returns ``(done, losses, outputs)``:
    steps run, ``(done,)`` float32 losses, ``(rows, outputs)`` float32 model outputs. A
    non-finite loss ends the call before its update is applied (it is the last of ``losses``).
    """

    def __init__(self, model, x: np.ndarray, y: np.ndarray, batch_size: int, loss_fn, jit_compile: bool):
        self.model, self.bs, self.loss_fn = model, int(batch_size), loss_fn
        self.x = tf.constant(x)                              # (n, *shape) float32
        self.y = tf.constant(y)                              # (n,) int64 or (n, k) float32
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        self.apply = fused_apply(optimizer) or optimizer.apply
        # XLA compiles one step (the loop's shapes vary from call to call); autograph off: the loop
        # is an explicit tf.while_loop, and tracing skips converting Keras' code.
        self.step = tf.function(self._step, jit_compile=True, autograph=False) if jit_compile else self._step
        self.function = tf.function(self._steps, reduce_retracing=True, autograph=False,
                                    input_signature=[tf.TensorSpec([None], tf.int64)])

    def __call__(self, idx: np.ndarray):
        done, losses, outputs = self.function(tf.constant(idx, tf.int64))
        return int(done), losses.numpy(), outputs.numpy()

    def _step(self, batch):
        """One optimizer step on the rows ``batch (b,)``; returns ``(loss, outputs (b, k), loss is finite)``."""
        model = self.model
        xb, yb = tf.gather(self.x, batch), tf.gather(self.y, batch)  # (b, *shape), (b,) or (b, k)
        with tf.GradientTape() as tape:
            out = model(xb, training=True)                   # (b, outputs)
            loss = self.loss_fn(yb, out)                      # mean over the batch
            if model.losses:                                  # weight penalties, as fit adds them
                loss += tf.add_n(model.losses)
        finite = tf.math.is_finite(loss)

        def update():
            variables = model.trainable_variables
            self.apply(tape.gradient(loss, variables), variables)
            return tf.constant(True)

        tf.cond(finite, update, lambda: tf.constant(False))   # a non-finite loss is not applied
        return loss, out, finite

    def _steps(self, idx):
        bs = self.bs
        count = (tf.shape(idx)[0] + bs - 1) // bs

        def more(i, finite, losses, outputs):
            return tf.logical_and(i < count, finite)

        def body(i, finite, losses, outputs):
            loss, out, finite = self.step(idx[i * bs:(i + 1) * bs])
            return i + 1, finite, losses.write(i, loss), outputs.write(i, out)

        done, _, losses, outputs = tf.while_loop(more, body, [
            tf.constant(0), tf.constant(True), tf.TensorArray(tf.float32, size=0, dynamic_size=True),
            tf.TensorArray(tf.float32, size=0, dynamic_size=True, infer_shape=False)])
        return done, losses.stack(), outputs.concat()


class _EpochScores:
    """Per-epoch metrics of the compiled loop, with the keys and formulas of :func:`keras_metrics`.

    ``logs(y, seen, loss_sum)``: for a classifier ``seen (n,)`` holds the predicted classes, and
    the scores come from one confusion matrix (counted with NumPy, scored by
    :class:`ConfusionScores`); for a regression ``seen (n, k)`` holds the outputs, scored by the
    Keras metric objects.
    """

    def __init__(self, task: str, n_outputs: int):
        self.task = task
        self.k = max(int(n_outputs), 2)
        self.metrics = keras_metrics(task, n_outputs)

    def seen(self, outputs: np.ndarray) -> np.ndarray:
        """What the epoch's metrics need from ``outputs (b, k)``: the predicted classes, or the values."""
        return outputs.argmax(axis=1) if self.task == "classification" else outputs

    def logs(self, y: np.ndarray, seen: np.ndarray, loss_sum: float) -> dict:
        logs = {"loss": loss_sum / max(len(y), 1)}
        if self.task == "classification":
            k = self.k
            counts = np.bincount(np.asarray(y, np.int64) * k + seen, minlength=k * k).reshape(k, k)
            logs["accuracy"] = float(np.trace(counts) / max(counts.sum(), 1))
            scores = next(m for m in self.metrics if isinstance(m, ConfusionScores))
            logs.update(scores.result_for(counts))
            return logs
        for metric in self.metrics:
            metric.reset_state()
            metric.update_state(y, seen)
            logs[metric.name] = float(metric.result())
        return logs


def _fit_compiled(model, config, splits, reporter, control: TrainingControl, settings: dict) -> list[dict]:
    """Train with :class:`_CompiledSteps`, ``steps_per_execution`` mini-batches per call.

    Training metrics are computed once per epoch from the outputs the loop returned (for a
    classifier, its predicted classes). A run resumed mid-epoch restores the loss sum and the
    predictions of the epoch's first part from the checkpoint, so its logs match an uninterrupted run.
    """
    tcfg, task = config.training, config.task
    x = np.asarray(splits.x_train, np.float32)               # (n, *shape)
    y = _targets(splits.y_train, task)                       # (n,) int64 or (n, k) float32
    xv, yv = np.asarray(splits.x_val, np.float32), _targets(splits.y_val, task)
    n, bs, chunk = len(x), tcfg.batch_size, settings["steps_per_execution"]
    steps = steps_per_epoch(n, bs)
    compile_model(model, config, metrics=False, steps=steps)
    loss_fn = model.loss
    scores = _EpochScores(task, config.model.output_units)
    history, start_epoch, start_step, meta = _restore(model, control, steps)
    run = _CompiledSteps(model, x, y, bs, loss_fn, settings["jit_compile"])

    tb = None
    if getattr(control, "tensorboard", None):
        from dlcourse.backends.tensorflow.tensorboard import TensorBoardLogger
        tb = TensorBoardLogger(control.tensorboard)
        if start_epoch == 1 and start_step == 0:
            tb.log_graph(run.function, tf.TensorSpec([None], tf.int64))

    reporter.start(tcfg.epochs, steps)
    try:
        for epoch in range(start_epoch, tcfg.epochs + 1):
            reporter.epoch_start(epoch)
            t0 = time.perf_counter()
            order = epoch_order(config.seed, epoch, n, tcfg.shuffle)
            step = start_step if epoch == start_epoch else 0
            if step and "seen" in meta:
                kept = [np.asarray(meta["seen"], y.dtype if task == "classification" else np.float32)]
                loss_sum, elapsed = float(meta["loss_sum"]), float(meta["elapsed"])
            else:
                kept, loss_sum, elapsed = [], 0.0, 0.0
            while step < steps:
                end = min(step + chunk, steps)
                fault = next((j for j in range(step, end) if control.inject_nan(epoch, j)), None)
                if fault == step:
                    _poison(model)
                elif fault is not None:
                    end = fault                              # the fault starts the next call
                done, losses, out = run(order[step * bs:end * bs])
                if not math.isfinite(losses[-1]):
                    raise _diverged(float(losses[-1]), epoch, f"step {step + done}", config, control)
                sizes = np.minimum(bs, n - (step + np.arange(done)) * bs)
                loss_sum += float(np.dot(losses.astype(np.float64), sizes))
                kept.append(scores.seen(out))
                step = end
                reporter.step(step, float(losses[-1]))
                if control.should_stop and step < steps:
                    labels = np.concatenate(kept)
                    path = _save(control, model, epoch, step, {
                        "history": history, "seen": labels.tolist(), "loss_sum": loss_sum,
                        "elapsed": elapsed + time.perf_counter() - t0})
                    raise control.interrupted(epoch, step, path)
            # kept covers the whole epoch in visiting order (a resumed epoch restored its first part)
            logs = scores.logs(y[order], np.concatenate(kept), loss_sum)
            if len(xv):
                out_v = predict(model, xv, settings["eval_batch_size"])
                val_loss = float(loss_fn(yv, out_v)) + sum(float(v) for v in model.losses)
                val = scores.logs(yv, scores.seen(out_v), val_loss * len(yv))
                logs.update({f"val_{key}": v for key, v in val.items()})
            control.end_epoch(epoch, tcfg.epochs, logs, elapsed + time.perf_counter() - t0, history, reporter,
                              lambda: _save(control, model, epoch, steps, {"history": history}), tb)
    finally:
        reporter.close()
        if tb:
            tb.close()
    return history


def _fit_keras(model, config, splits, reporter, control: TrainingControl, settings: dict) -> list[dict]:
    """Train with ``model.fit``, once per epoch on that epoch's permutation."""
    tcfg = config.training
    x = np.asarray(splits.x_train, np.float32)
    y = _targets(splits.y_train, config.task)
    val = (np.asarray(splits.x_val, np.float32), _targets(splits.y_val, config.task)) if len(splits.x_val) else None
    n, bs = len(x), tcfg.batch_size
    steps = steps_per_epoch(n, bs)
    compile_model(model, config, steps=steps, settings=settings)
    history, start_epoch, start_step, _ = _restore(model, control, steps)

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
            steps_cb = _Steps(reporter, control, epoch, first, config, settings["steps_per_execution"])
            if config.data.augment:                          # a tf.data pipeline that augments each batch
                from dlcourse.backends.tensorflow.data import make_dataset
                data = {"x": make_dataset(x[order], y[order], bs, shuffle=False, augment=config.data.augment,
                                          seed=config.seed + epoch)}
            else:
                data = {"x": x[order], "y": y[order], "batch_size": bs}
            result = model.fit(**data, epochs=epoch, initial_epoch=epoch - 1, shuffle=False, validation_data=val,
                               validation_batch_size=4096, callbacks=[steps_cb, *extra], verbose=0)
            if steps_cb.stopped and first + steps_cb.done < steps:
                path = _save(control, model, epoch, first + steps_cb.done, {"history": history})
                raise control.interrupted(epoch, first + steps_cb.done, path)
            logs = _ordered({k: v[-1] for k, v in result.history.items()})
            control.end_epoch(epoch, tcfg.epochs, logs, time.perf_counter() - t0, history, reporter,
                              lambda: _save(control, model, epoch, steps, {"history": history}))
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
