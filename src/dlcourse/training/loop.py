"""The one epoch loop, framework-free, for every backend.

It owns what is the same in every framework: each epoch's order (:func:`epoch_order`), the
calls to the backend's step engine, mid-epoch resume, stop requests and checkpoints,
divergence detection and its sentence, the epoch's training and validation metrics (computed
once from NumPy outputs with the functions of the final evaluation), TensorBoard and progress.
A backend supplies only a :class:`~dlcourse.backends.contract.StepEngine`, ``predict`` and its
execution settings.

Usage::

    model = backend.build_model(config.model, feature_shape, seed=config.seed)
    history = fit(backend, model, config, splits, reporter, control)
"""

from __future__ import annotations

import math
import time

import numpy as np

from dlcourse.errors import TrainingDiverged
from dlcourse.evaluation.metrics import epoch_metrics, loss_value
from dlcourse.data.batches import epoch_order, steps_per_epoch, targets
from dlcourse.training.control import TrainingControl
from dlcourse.training.progress import Reporter
from dlcourse.training.watch import EarlyStopping, Plateau, mode


def _seen(task: str, outputs: np.ndarray) -> np.ndarray:
    """What the epoch's metrics need from ``outputs (b, k)``: the predicted classes ``(b,)``, or the values."""
    return outputs.argmax(axis=1) if task == "classification" else np.asarray(outputs, np.float32)


def _diverged(loss: float, epoch: int, step: int, config, control: TrainingControl) -> TrainingDiverged:
    last = control.last_checkpoint
    kept = f" The last good checkpoint is {last}." if last else ""
    lower = f"{config.optimizer.lr / 10:g}"
    return TrainingDiverged(f"the loss became {loss} at epoch {epoch}, step {step} (learning rate {config.optimizer.lr})."
                            f"{kept} Train again with a lower learning rate (--set optimizer.lr={lower}) or "
                            "standardised inputs (--set data.scaling=standard); resuming would repeat the same steps.")


def _stop_everywhere(engine, control: TrainingControl) -> bool:
    """Whether to stop now; in a distributed run, every process stops if one was asked to."""
    if engine.any_rank(control.should_stop) and not control.should_stop:
        control.request_stop("a stop request to another process")
    return control.should_stop


def _tensorboard(control: TrainingControl):
    folder = getattr(control, "tensorboard", None)
    if folder is None:
        return None
    from dlcourse.training.tensorboard import EpochWriter

    return EpochWriter(folder)


_FIRST_STEP_FILE = "DLCOURSE_FIRST_STEP_FILE"


def _first_step_done() -> None:
    """For the start-up benchmark: with ``$DLCOURSE_FIRST_STEP_FILE`` set, write the wall-clock time
    (``time.time()``) at which this process finished its first optimizer steps into it, once."""
    import os

    path = os.environ.pop(_FIRST_STEP_FILE, None)
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f"{time.time():.6f}\n")


def fit(backend, model, config, splits, reporter: Reporter | None = None,
        control: TrainingControl | None = None) -> list[dict]:
    """Train ``model`` on ``splits`` as ``config`` says; returns one dict of logs per epoch.

    Logs: ``loss`` (with the layers' penalties and label smoothing, as optimised) and the metrics
    of :func:`~dlcourse.evaluation.metrics.epoch_metrics` over the training batches as they were
    seen during the epoch (like Keras), ``val_*`` on the validation split (``val_loss``: the data
    loss alone), ``lr`` (the rate at the epoch's first update), ``seconds``. Each epoch ends with a
    checkpoint; a stop request ends the current call to the engine, writes a checkpoint and raises
    :class:`~dlcourse.training.control.TrainingInterrupted`.

    ``training.schedule: plateau`` scales the rate between epochs; ``training.early_stopping``
    ends the run early and, with ``restore_best``, leaves the best epoch's weights in ``model``.
    What happened is in ``control.outcome`` (``best_epoch``, ``stopped_epoch``...).
    """
    control = control or TrainingControl()
    reporter = reporter or Reporter()
    task, tcfg = config.task, config.training
    x = np.asarray(splits.x_train, np.float32)              # (n, *shape)
    y = targets(splits.y_train, task)                        # (n,) int64 or (n, k) float32
    xv, yv = np.asarray(splits.x_val, np.float32), targets(splits.y_val, task)
    n, bs = len(x), tcfg.batch_size
    steps = steps_per_epoch(n, bs)
    chunk = int(backend.execution_settings(config, x.shape)["steps_per_call"])
    engine = backend.make_engine(model, config, x, y)

    history: list[dict] = []
    start_epoch, start_step, meta = 1, 0, {}
    restored = control.restore(lambda path, _meta: engine.load(path))
    if restored:
        history, meta = list(restored["history"]), restored
        start_epoch, start_step = restored["epoch"], restored["step"]
        if start_step >= steps:                              # the checkpoint closed its epoch
            start_epoch, start_step = start_epoch + 1, 0
    sched, early = tcfg.schedule, tcfg.early_stopping
    plateau = Plateau(sched, config.optimizer.lr, mode(sched.monitor), **meta.get("plateau", {})) \
        if sched.name == "plateau" else None
    stopper = EarlyStopping(early, **meta.get("early_stopping", {})) if early else None
    best_weights = control.load_best(stopper.best_epoch) if stopper and early.restore_best and restored else None

    def save(epoch: int, step: int, extra: dict):
        watched = {"plateau": plateau.state()} if plateau else {}
        if stopper:
            watched["early_stopping"] = stopper.state()
        return control.save(epoch, step, engine.suffix, engine.save, {"history": history, **watched, **extra})

    tb = _tensorboard(control)
    if tb is not None and start_epoch == 1 and start_step == 0:
        engine.write_graph(tb.log_dir / "train")

    reporter.start(tcfg.epochs, steps)
    try:
        for epoch in range(start_epoch, tcfg.epochs + 1):
            reporter.epoch_start(epoch)
            t0 = time.perf_counter()
            order = epoch_order(config.seed, epoch, n, tcfg.shuffle)
            step = start_step if epoch == start_epoch else 0
            lr = float(meta.get("lr", engine.learning_rate())) if step else engine.learning_rate()
            if step and "seen" in meta:                      # the first part of an interrupted epoch
                kept = [np.asarray(meta["seen"], y.dtype if task == "classification" else np.float32)]
                loss_sum, elapsed = float(meta["loss_sum"]), float(meta["elapsed"])
            else:
                kept, loss_sum, elapsed = [], 0.0, 0.0
            while step < steps:
                end = min(step + chunk, steps)
                fault = next((j for j in range(step, end) if control.inject_nan(epoch, j)), None)
                if fault == step:
                    engine.inject_nan()
                elif fault is not None:
                    end = fault                              # the fault starts the next call
                done, losses, out = engine.run(order[step * bs:end * bs])
                _first_step_done()
                if done and not math.isfinite(float(losses[-1])):
                    raise _diverged(float(losses[-1]), epoch, step + done, config, control)
                sizes = np.minimum(bs, n - (step + np.arange(done)) * bs)
                loss_sum += float(np.dot(np.asarray(losses, np.float64), sizes))
                kept.append(_seen(task, out))
                step += done
                reporter.step(step, float(losses[-1]))
                if _stop_everywhere(engine, control) and step < steps:
                    path = save(epoch, step, {"seen": np.concatenate(kept).tolist(), "loss_sum": loss_sum,
                                              "elapsed": elapsed + time.perf_counter() - t0, "lr": lr})
                    raise control.interrupted(epoch, step, path)
            # kept covers the whole epoch in visiting order (a resumed epoch restored its first part)
            logs = {"loss": loss_sum / max(n, 1), **epoch_metrics(task, y[order], np.concatenate(kept))}
            if len(xv):
                out_v = backend.predict(model, xv)
                logs["val_loss"] = loss_value(task, yv, out_v)
                logs.update({f"val_{k}": v for k, v in epoch_metrics(task, yv, _seen(task, out_v)).items()})
            logs["lr"] = lr
            if plateau is not None:                          # the next epochs' rate
                engine.set_lr_factor(plateau.update(float(logs[sched.monitor])))
            stop_now = False
            if stopper is not None:
                improved, stop_now = stopper.update(epoch, logs)
                if improved and early.restore_best:
                    best_weights = [np.array(w) for w in backend.get_weights(model)]
                    control.save_best(epoch, best_weights)
            _stop_everywhere(engine, control)
            control.end_epoch(epoch, tcfg.epochs, logs, elapsed + time.perf_counter() - t0, history, reporter,
                              lambda: save(epoch, steps, {}), tb, final=stop_now)
            if stop_now:
                break
    finally:
        reporter.close()
        if tb is not None:
            tb.close()
    if stopper is not None:
        control.outcome["early_stopping"] = {"monitor": early.monitor, **stopper.state(),
                                             "restored_best": bool(early.restore_best and best_weights is not None)}
        if early.restore_best and best_weights is not None:
            backend.set_weights(model, best_weights)
    return history
