"""An explicit, idiomatic PyTorch training loop over tensors held in memory.

Fast path: the whole training split is one tensor; a mini-batch is an index
into it (no per-sample Python work, no ``DataLoader`` workers). Each epoch's
order comes from :func:`dlcourse.training.batches.epoch_order`, so a resumed
run visits exactly the batches of an uninterrupted one.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from dlcourse.backends.torch.metrics import EpochMetrics
from dlcourse.backends.torch.optim import make_loss, make_optimizer, make_scheduler
from dlcourse.errors import TrainingDiverged
from dlcourse.training.batches import epoch_order, steps_per_epoch
from dlcourse.training.control import TrainingControl

CHECKPOINT_SUFFIX = ".pt"


def _targets(y: np.ndarray, task: str) -> torch.Tensor:
    """Labels ``(n,)`` int64 for classification, targets ``(n, k)`` float32 for regression."""
    if task == "classification":
        return torch.as_tensor(np.asarray(y), dtype=torch.int64)
    y = np.asarray(y, dtype=np.float32)
    return torch.as_tensor(y.reshape(len(y), -1))


@torch.inference_mode()
def _outputs(model: nn.Module, x: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """``x: (n, *shape)`` -> ``(n, outputs)`` in evaluation mode, in large batches."""
    model.eval()
    return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


def predict(model: nn.Module, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values."""
    if len(x) == 0:
        return np.zeros((0, 0), np.float32)
    return _outputs(model, torch.as_tensor(np.asarray(x, dtype=np.float32)), batch_size).numpy()


def _epoch_logs(metrics: EpochMetrics, out: torch.Tensor, y: torch.Tensor, loss_sum: float) -> dict:
    metrics.reset()
    metrics.update(out, y)
    return {"loss": loss_sum / max(len(out), 1), **metrics.compute()}


def execution_settings(config, n_train: int) -> dict:
    """The speed choices this loop makes for ``config`` (recorded in the run folder)."""
    fast = config.runtime.fast_path
    kernel = ("fused" if config.optimizer.name in ("sgd", "adam") else "foreach") if fast else "default"
    return {"data": "tensors in memory, batches by index", "optimizer_kernel": kernel,
            "eval_batch_size": 4096}


def _save(control: TrainingControl, model, optimizer, scheduler, epoch: int, step: int, extra: dict):
    """Checkpoint everything needed to continue bit for bit: weights, optimizer, schedule, RNG, epoch progress."""
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(),
             "scheduler": scheduler.state_dict() if scheduler else {}, "epoch": epoch, "step": step, **extra}
    return control.save(epoch, step, CHECKPOINT_SUFFIX, lambda tmp: torch.save(state, tmp),
                        {"history": extra.get("history", [])})


def fit(model: nn.Module, config, splits, reporter, control: TrainingControl | None = None) -> list[dict]:
    """Train ``model`` on ``splits`` as ``config`` says; returns one dict of logs per epoch.

    Logs: ``loss`` and the metrics of :class:`EpochMetrics` on the training batches
    (as seen during the epoch, like Keras), ``val_*`` on the validation split, ``seconds``.
    Each epoch ends with a checkpoint; a stop request ends the current step, writes a
    checkpoint and raises :class:`~dlcourse.training.control.TrainingInterrupted`.
    """
    control = control or TrainingControl()
    task, tcfg = config.task, config.training
    x = torch.as_tensor(splits.x_train)                      # (n, *shape) float32
    y = _targets(splits.y_train, task)                       # (n,) int64 or (n, k) float32
    xv, yv = torch.as_tensor(splits.x_val), _targets(splits.y_val, task)
    n_outputs = config.model.output_units
    loss_fn = make_loss(config.loss)
    optimizer = make_optimizer(config.optimizer, model.parameters(), fast=config.runtime.fast_path)
    metrics = EpochMetrics(task, n_outputs)
    n, bs = len(x), tcfg.batch_size
    steps = steps_per_epoch(n, bs)
    scheduler = make_scheduler(optimizer, config, steps)
    augment = None
    if config.data.augment:                                  # training split only; None means no per-sample work
        from dlcourse.backends.torch.data import batch_augmenter
        augment = batch_augmenter(config.data.augment, tuple(splits.x_train.shape[1:]))

    history: list[dict] = []
    start_epoch, start_step, resumed = 1, 0, {}

    def load(path, meta):
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler:
            scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        resumed.update(state)

    if control.restore(load):
        history = list(resumed["history"])
        start_epoch, start_step = resumed["epoch"], resumed["step"]
        if start_step >= steps:                              # the checkpoint closed its epoch
            start_epoch, start_step = start_epoch + 1, 0

    tb = None
    if getattr(control, "tensorboard", None):
        from dlcourse.backends.torch.tensorboard import TensorBoardLogger
        tb = TensorBoardLogger(control.tensorboard)
        if start_epoch == 1 and start_step == 0:
            tb.log_graph(model, splits.x_train[:1])

    reporter.start(tcfg.epochs, steps)
    try:
        for epoch in range(start_epoch, tcfg.epochs + 1):
            reporter.epoch_start(epoch)
            t0 = time.perf_counter()
            order = torch.as_tensor(epoch_order(config.seed, epoch, n, tcfg.shuffle))
            first = start_step if epoch == start_epoch else 0
            if first and resumed:
                outs, loss_sum, elapsed = [resumed["outputs"]], float(resumed["loss_sum"]), float(resumed["elapsed"])
            else:
                outs, loss_sum, elapsed = [], 0.0, 0.0
            model.train()
            for step in range(first, steps):
                idx = order[step * bs:(step + 1) * bs]
                xb, yb = x[idx], y[idx]                      # (b, *shape), (b,) or (b, k)
                if augment:
                    xb = augment(xb)                         # same shape, one random draw per image
                if control.inject_nan(epoch, step):
                    with torch.no_grad():
                        next(model.parameters()).view(-1)[0] = float("nan")
                out = model(xb)                              # (b, outputs)
                loss = loss_fn(out, yb)
                if not torch.isfinite(loss):                 # stop before the step spoils the weights
                    last = control.last_checkpoint
                    kept = f" The last good checkpoint is {last}." if last else ""
                    raise TrainingDiverged(
                        f"the loss became {float(loss.detach())} at epoch {epoch}, step {step + 1} "
                        f"(learning rate {config.optimizer.lr}).{kept} "
                        "Lower the learning rate or normalise the inputs (data.scaling: standard).")
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler:
                    scheduler.step()
                value = float(loss.detach())                 # one read of the loss per step
                loss_sum += value * len(idx)
                outs.append(out.detach())
                reporter.step(step + 1, value)
                if control.should_stop and step + 1 < steps:
                    path = _save(control, model, optimizer, scheduler, epoch, step + 1, {
                        "history": history, "outputs": torch.cat(outs), "loss_sum": loss_sum,
                        "elapsed": elapsed + time.perf_counter() - t0})
                    raise control.interrupted(epoch, step + 1, path)
            # outs covers the whole epoch in visiting order (a resumed epoch restored its first part)
            logs = _epoch_logs(metrics, torch.cat(outs), y[order], loss_sum)
            if len(xv):
                out_v = _outputs(model, xv)
                val = _epoch_logs(metrics, out_v, yv, float(loss_fn(out_v, yv)) * len(xv))
                logs.update({f"val_{k}": v for k, v in val.items()})
            control.end_epoch(epoch, tcfg.epochs, logs, elapsed + time.perf_counter() - t0, history, reporter,
                              lambda: _save(control, model, optimizer, scheduler, epoch, steps, {"history": history}),
                              tb)
    finally:
        reporter.close()
        if tb:
            tb.close()
    return history


def train_on_batches(model: nn.Module, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch, in order, no shuffling; returns the losses (parity tests)."""
    loss_fn = make_loss(config.loss)
    optimizer = make_optimizer(config.optimizer, model.parameters(), fast=config.runtime.fast_path)
    model.train()
    losses = []
    for xb, yb in batches:
        out = model(torch.as_tensor(np.asarray(xb, np.float32)))
        loss = loss_fn(out, _targets(yb, config.task))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses
