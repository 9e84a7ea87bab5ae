"""An explicit, idiomatic PyTorch training loop over tensors held in memory."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from dlcourse.backends.torch.optim import make_loss, make_optimizer
from dlcourse.errors import TrainingDiverged


def _targets(y: np.ndarray, task: str) -> torch.Tensor:
    """Labels ``(n,)`` int64 for classification, targets ``(n, k)`` float32 for regression."""
    if task == "classification":
        return torch.as_tensor(y, dtype=torch.int64)
    y = np.asarray(y, dtype=np.float32)
    return torch.as_tensor(y.reshape(len(y), -1))


@torch.inference_mode()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values, in large batches."""
    model.eval()
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    outs = [model(xt[i:i + batch_size]) for i in range(0, len(xt), batch_size)]
    return torch.cat(outs).numpy() if outs else np.zeros((0, 0), np.float32)


def _metric(task: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Sum over the batch of the correct predictions (classification) or absolute errors (regression)."""
    if task == "classification":
        return (out.argmax(dim=1) == y).sum()
    return (out - y).abs().mean(dim=1).sum()


def _evaluate(model, loss_fn, task, x: torch.Tensor, y: torch.Tensor, batch_size: int = 4096) -> dict:
    model.eval()
    loss_sum, metric_sum = torch.zeros(()), torch.zeros(())
    with torch.inference_mode():
        for i in range(0, len(x), batch_size):
            out = model(x[i:i + batch_size])
            loss_sum += loss_fn(out, y[i:i + batch_size]) * len(out)
            metric_sum += _metric(task, out, y[i:i + batch_size])
    n = max(len(x), 1)
    return {"loss": float(loss_sum) / n, _metric_name(task): float(metric_sum) / n}


def _metric_name(task: str) -> str:
    return "accuracy" if task == "classification" else "mae"


def fit(model: nn.Module, config, splits, reporter) -> list[dict]:
    """Train ``model`` on ``splits`` as ``config`` says; returns one dict of logs per epoch.

    Each epoch draws a permutation from a generator seeded with ``config.seed``,
    then steps through mini-batches of ``config.training.batch_size`` (the last one
    may be smaller), as Keras' ``fit`` does.
    """
    task, tcfg = config.task, config.training
    x = torch.as_tensor(splits.x_train)
    y = _targets(splits.y_train, task)
    xv, yv = torch.as_tensor(splits.x_val), _targets(splits.y_val, task)
    loss_fn = make_loss(config.loss)
    optimizer = make_optimizer(config.optimizer, model.parameters())
    gen = torch.Generator().manual_seed(config.seed)
    n, bs = len(x), tcfg.batch_size
    steps = (n + bs - 1) // bs
    name = _metric_name(task)
    history = []
    reporter.start(tcfg.epochs, steps)
    try:
        for epoch in range(1, tcfg.epochs + 1):
            reporter.epoch_start(epoch)
            t0 = time.perf_counter()
            model.train()
            order = torch.randperm(n, generator=gen) if tcfg.shuffle else torch.arange(n)
            loss_sum, metric_sum = torch.zeros(()), torch.zeros(())
            for step in range(steps):
                idx = order[step * bs:(step + 1) * bs]
                xb, yb = x[idx], y[idx]                      # (b, *shape), (b,) or (b, k)
                out = model(xb)                              # (b, outputs)
                loss = loss_fn(out, yb)
                if not torch.isfinite(loss):                 # stop before the step spoils the weights
                    raise TrainingDiverged(
                        f"the loss became {float(loss)} at epoch {epoch}, step {step + 1} "
                        f"(learning rate {config.optimizer.lr}).")
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    loss_sum += loss.detach() * len(idx)
                    metric_sum += _metric(task, out.detach(), yb)
                reporter.step(step + 1, float(loss.detach()))
            logs = {"loss": float(loss_sum) / n, name: float(metric_sum) / n}
            if len(xv):
                logs.update({f"val_{k}": v for k, v in _evaluate(model, loss_fn, task, xv, yv).items()})
            seconds = time.perf_counter() - t0
            history.append({"epoch": epoch, **logs, "seconds": seconds})
            reporter.epoch_end(epoch, logs, seconds)
    finally:
        reporter.close()
    return history


def train_on_batches(model: nn.Module, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch, in order, no shuffling; returns the losses (parity tests)."""
    loss_fn = make_loss(config.loss)
    optimizer = make_optimizer(config.optimizer, model.parameters())
    model.train()
    losses = []
    for xb, yb in batches:
        out = model(torch.as_tensor(np.asarray(xb, np.float32)))
        loss = loss_fn(out, _targets(yb, config.task))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return losses
