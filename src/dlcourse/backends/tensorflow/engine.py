"""The Keras step engine: a compiled in-graph loop over tensors held in memory.

The training split is one tensor; a ``tf.function`` runs ``steps_per_call`` mini-batches per
call in a graph loop (gather, augment, forward, loss, gradient, update). With
``runtime.fast_path`` Adam goes through one fused kernel per variable
(:func:`~dlcourse.backends.tensorflow.optim.fused_apply`) and ``jit_compile: true`` compiles each
step with XLA; without it, every step is Keras' own ``optimizer.apply``, one step per call.
The same mathematics as ``model.train_on_batch`` (tested to 1e-5). The epoch loop
(:mod:`dlcourse.training.loop`) decides the order and everything around the steps.
"""

from __future__ import annotations

import io
import zipfile
import contextlib
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from dlcourse.backends.tensorflow.optim import fused_apply, make_loss, make_optimizer
from dlcourse.data.batches import steps_per_call, steps_per_epoch, targets
from dlcourse.models.schedules import rates

SUFFIX = ".keras"
RANDOM_STATE = "dlcourse_random_state.npz"                   # extra entry of a checkpoint's .keras archive


def execution_settings(config, train_shape: tuple[int, ...]) -> dict:
    """The speed choices for ``config`` on a training split of ``train_shape = (n, *sample_shape)``.

    ``steps_per_call``: mini-batches per compiled call (:func:`~dlcourse.data.batches.steps_per_call`:
    fewer Python round trips; progress, stop requests and fault checks happen between calls).
    ``optimizer_kernel``: Adam's fused kernel with ``fast_path``, else Keras' ``optimizer.apply``.
    ``jit_compile``: XLA (``auto``: off, slower on a CPU for these models).
    """
    rt = config.runtime
    work = config.model.multiply_adds(tuple(train_shape[1:]))
    # the fused kernel writes plain float32 slots: not under a strategy's mirrored variables or mixed precision
    fused = rt.fast_path and config.optimizer.name == "adam" and rt.distribution == "none" and rt.precision == "32"
    calls = 1 if rt.distribution != "none" else steps_per_call(config, int(train_shape[0]), work)
    return {"loop": "dlcourse epoch loop, compiled tf.function steps", "steps_per_call": calls,
            "data": "one float32 tensor in memory" + (", augmented per batch in the graph" if config.data.augment else ""),
            "optimizer_kernel": "fused ResourceApplyAdam" if fused else "keras optimizer.apply",
            "jit_compile": bool(rt.fast_path and rt.jit_compile is True), "eval_batch_size": 4096}


def compile_model(model, config, smoothing: bool = False) -> None:
    """Attach the optimizer and the plain loss (what a saved file records); no metrics. ``smoothing``:
    compile the label-smoothed loss instead (for ``train_on_batch``; it is not serialisable)."""
    loss = make_loss(config.loss, label_smoothing=config.training.label_smoothing if smoothing else 0.0,
                     classes=config.model.output_units)
    model.compile(optimizer=make_optimizer(config), loss=loss, jit_compile=False)


def _scaled_variables(model) -> list[tuple]:
    """``[(variable, lr_scale)]`` of the trainable weights of layers whose ``lr_scale`` is not 1."""
    return [(v, float(getattr(layer, "dlcourse_lr_scale", 1.0))) for layer in model.layers
            for v in layer.trainable_weights if getattr(layer, "dlcourse_lr_scale", 1.0) != 1.0]


class Engine:
    """Optimizer steps on ``model`` over ``x: (n, *shape) float32``, ``y: (n,) int64 | (n, k) float32``
    (see :class:`dlcourse.backends.contract.StepEngine`)."""

    suffix = SUFFIX

    def __init__(self, model, config, x: np.ndarray, y: np.ndarray):
        from dlcourse.backends.tensorflow.runtime import STRATEGY

        settings = execution_settings(config, x.shape)
        self.model, self.bs, self.strategy = model, int(config.training.batch_size), STRATEGY
        with STRATEGY.scope() if STRATEGY is not None else contextlib.nullcontext():
            compile_model(model, config)
            optimizer = model.optimizer
            optimizer.build(model.trainable_variables)
            self.lr_factor = tf.Variable(1.0, trainable=False, dtype=tf.float32, name="dlcourse_lr_factor")
        smoothing, units = config.training.label_smoothing, config.model.output_units
        self.loss_fn = make_loss(config.loss, label_smoothing=smoothing, classes=units)
        self.per_sample = make_loss(config.loss, reduction=None, label_smoothing=smoothing, classes=units)
        self.inner = getattr(optimizer, "inner_optimizer", optimizer)     # under float16 loss scaling
        self.table = rates(config, steps_per_epoch(len(x), self.bs))      # (updates,) the schedule's rates
        self.rates = tf.constant(self.table, tf.float32)
        self.scaled = _scaled_variables(model)
        self.x = tf.constant(np.asarray(x, np.float32))      # (n, *shape)
        self.y = tf.constant(y)                              # (n,) int64 or (n, k) float32
        fused = fused_apply(optimizer) if settings["optimizer_kernel"].startswith("fused") else None
        self.apply = fused or optimizer.apply
        self.augment = None
        if config.data.augment:
            from dlcourse.backends.tensorflow.data import batch_augmenter
            self.augment = batch_augmenter(config.data.augment, tuple(x.shape[1:]), config.seed)
            self.augment(self.x[:1])                         # creates its random state outside the graph
        # XLA compiles one step (the loop's shapes vary from call to call); autograph off: the loop
        # is an explicit tf.while_loop, and tracing skips converting Keras' code.
        self.step = tf.function(self._step, jit_compile=True, autograph=False) if settings["jit_compile"] else self._step
        # under a strategy, one step per call: collectives inside a graph loop would mix the steps' shapes
        steps = self._steps if STRATEGY is None else self._replicated_step
        self.function = tf.function(steps, reduce_retracing=True, autograph=False,
                                    input_signature=[tf.TensorSpec([None], tf.int64)])

    def run(self, idx: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        if self.strategy is None:
            done, losses, outputs = self.function(tf.constant(idx, tf.int64))
            return int(done), losses.numpy(), outputs.numpy()
        losses, outputs = [], []
        for start in range(0, len(idx), self.bs):
            loss, out, finite = self.function(tf.constant(idx[start:start + self.bs], tf.int64))
            losses.append(float(loss))
            outputs.append(out.numpy())
            if not bool(finite):
                break
        return len(losses), np.asarray(losses, np.float32), np.concatenate(outputs)

    def _rows(self, batch):
        """The inputs and targets of the rows ``batch (b,)``, augmented when the config asks for it."""
        xb, yb = tf.gather(self.x, batch), tf.gather(self.y, batch)  # (b, *shape), (b,) or (b, k)
        if self.augment is not None:
            xb = self.augment(xb)                             # same shape, one random draw per image
        return xb, yb

    def _step(self, batch):
        """One optimizer step on the rows ``batch (b,)``; returns ``(loss, outputs (b, k), loss is finite)``."""
        model = self.model
        xb, yb = self._rows(batch)
        with tf.GradientTape() as tape:
            out = model(xb, training=True)                   # (b, outputs)
            loss = self.loss_fn(yb, out)                      # mean over the batch
            if model.losses:                                  # the layers' l1/l2 penalties
                loss = loss + tf.add_n(model.losses)
            scaled = model.optimizer.scale_loss(loss)         # float16: the loss-scale optimizer's factor
        finite = tf.math.is_finite(loss)
        variables = model.trainable_variables
        grads = tape.gradient(scaled, variables)             # outside the condition: the graph optimizer sees it

        def update():
            self._update(self.apply, grads, variables)
            return tf.constant(True)

        tf.cond(finite, update, lambda: tf.constant(False))   # a non-finite loss is not applied
        return loss, tf.cast(out, tf.float32), finite

    def _update(self, apply, grads, variables):
        """``apply(grads, variables)`` at this update's rate: the schedule's table at ``iterations``, times
        the loop's factor. Discriminative rates: a layer with ``lr_scale`` s keeps s times the update it
        received (exact for SGD, momentum, Adam, AdamW and RMSprop, whose updates are proportional to the rate)."""
        last = tf.cast(tf.shape(self.rates)[0] - 1, tf.int64)
        i = tf.minimum(tf.cast(self.inner.iterations, tf.int64), last)
        self.inner.learning_rate = tf.gather(self.rates, i) * self.lr_factor
        before = [tf.identity(v) for v, _ in self.scaled]
        apply(grads, variables)
        for (var, scale), old in zip(self.scaled, before):
            var.assign(old + scale * (var - old))

    def learning_rate(self) -> float:
        """The reference rate of the next update (the schedule's, times the loop's factor)."""
        i = min(int(self.inner.iterations.numpy()), len(self.table) - 1)
        return float(self.table[i] * float(self.lr_factor.numpy()))

    def set_lr_factor(self, factor: float) -> None:
        self.lr_factor.assign(float(factor))

    def _replicated_step(self, batch):
        """:meth:`_step` under a ``tf.distribute`` strategy: replica ``r`` of ``R`` takes the ``r``-th
        contiguous block of ``batch (b,)``; each replica's loss is its share of the whole batch's mean
        (``sum of its losses / b``), and the optimizer sums the replicas' gradients. Under a strategy,
        the step of a non-finite loss is applied (the loop then stops; the last good checkpoint stays)."""
        model, n = self.model, tf.shape(batch)[0]
        rows = self._rows(batch)                              # gathered (and augmented) once, then shared out

        def replica(xb, yb):
            ctx = tf.distribute.get_replica_context()
            size = (n + ctx.num_replicas_in_sync - 1) // ctx.num_replicas_in_sync
            mine = slice(ctx.replica_id_in_sync_group * size, (ctx.replica_id_in_sync_group + 1) * size)
            xb, yb = xb[mine], yb[mine]
            with tf.GradientTape() as tape:
                out = model(xb, training=True)               # (b_r, outputs)
                loss = tf.reduce_sum(self.per_sample(yb, out)) / tf.cast(n, tf.float32)
                if model.losses:                              # penalties: each replica carries its share
                    loss = loss + tf.add_n(model.losses) / ctx.num_replicas_in_sync
                scaled = model.optimizer.scale_loss(loss)
            variables = model.trainable_variables
            self._update(model.optimizer.apply, tape.gradient(scaled, variables), variables)
            out = tf.cast(out, tf.float32)                   # padded to the block size: collectives need equal shapes
            return loss, tf.pad(out, [[0, size - tf.shape(out)[0]], [0, 0]])

        losses, outputs = self.strategy.run(replica, args=rows)
        loss = self.strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)
        # blocks are contiguous and only the last ones are short: the first n rows are the batch's, in order
        return loss, self.strategy.gather(outputs, axis=0)[:n], tf.math.is_finite(loss)

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

    def _random_states(self) -> list:
        """The seed generators' states (dropout, augmentation): not weights, so ``model.save`` leaves them out."""
        layers = [self.model] + ([self.augment.model] if self.augment is not None else [])
        return [v for layer in layers for v in layer.variables if "seed_generator" in v.path]

    def save(self, path: Path) -> None:
        """The ``.keras`` file (weights, optimizer) with the random states added as one more archive entry."""
        self.model.save(path)
        buffer = io.BytesIO()
        np.savez(buffer, *[np.asarray(v) for v in self._random_states()], lr_factor=np.asarray(self.lr_factor))
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(RANDOM_STATE, buffer.getvalue())

    def load(self, path: Path) -> None:
        saved = keras.saving.load_model(path, safe_mode=True)
        self.model.set_weights(saved.get_weights())
        for var, value in zip(self.model.optimizer.variables, saved.optimizer.variables):
            var.assign(value)
        with zipfile.ZipFile(path) as archive:
            if RANDOM_STATE in archive.namelist():
                states = np.load(io.BytesIO(archive.read(RANDOM_STATE)))
                for i, var in enumerate(self._random_states()):
                    var.assign(states[f"arr_{i}"])
                if "lr_factor" in states:
                    self.lr_factor.assign(float(states["lr_factor"]))

    def any_rank(self, flag: bool) -> bool:
        return flag                                          # one process drives every replica

    def inject_nan(self) -> None:
        var = self.model.trainable_variables[0]
        value = np.array(var.numpy())
        value.flat[0] = np.nan
        var.assign(value)

    def write_graph(self, log_dir: Path) -> None:
        writer = tf.summary.create_file_writer(str(log_dir))
        with writer.as_default():
            tf.summary.graph(self.function.get_concrete_function(tf.TensorSpec([None], tf.int64)).graph)
        writer.close()


def make_engine(model, config, x: np.ndarray, y: np.ndarray) -> Engine:
    return Engine(model, config, x, y)


def predict(model, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values, inference mode."""
    x = np.asarray(x, dtype=np.float32)
    out = [np.asarray(model(x[i:i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def train_on_batches(model, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch with Keras' own ``train_on_batch``, in order (parity tests)."""
    compile_model(model, config, smoothing=True)
    scaled = _scaled_variables(model)
    if scaled:
        raise NotImplementedError("train_on_batches runs Keras' own train_on_batch: no per-layer lr_scale")
    return [float(np.ravel(model.train_on_batch(np.asarray(xb, np.float32), targets(yb, config.task)))[0])
            for xb, yb in batches]
