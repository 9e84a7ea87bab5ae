"""The PyTorch step engine: mini-batches indexed out of tensors held in memory, an explicit step.

The training split is one tensor; a mini-batch is an index into it (no per-sample Python
work, no ``DataLoader`` workers). The epoch loop (:mod:`dlcourse.training.loop`) decides the
order and everything around the steps.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dlcourse.backends.torch.optim import make_loss, make_optimizer, make_scheduler
from dlcourse.data.batches import steps_per_epoch, targets

SUFFIX = ".pt"


def execution_settings(config, train_shape: tuple[int, ...]) -> dict:
    """The speed choices for ``config`` on a training split of ``train_shape = (n, *sample_shape)``.

    ``steps_per_call``: one; a call is one Python step, nothing is gained by grouping them.
    ``optimizer_kernel``: fused (SGD, Adam) or multi-tensor ``foreach`` (RMSprop) with ``fast_path``.
    """
    fast = config.runtime.fast_path
    kernel = ("fused" if config.optimizer.name in ("sgd", "adam") else "foreach") if fast else "default"
    calls = config.runtime.steps_per_execution
    return {"loop": "dlcourse epoch loop, explicit PyTorch steps", "steps_per_call": 1 if calls == "auto" else int(calls),
            "data": "tensors in memory, batches by index", "optimizer_kernel": kernel, "eval_batch_size": 4096}


class Engine:
    """Optimizer steps on ``model`` over ``x: (n, *shape) float32``, ``y: (n,) int64 | (n, k) float32``
    (see :class:`dlcourse.backends.contract.StepEngine`)."""

    suffix = SUFFIX

    def __init__(self, model: nn.Module, config, x: np.ndarray, y: np.ndarray):
        self.model, self.bs = model, config.training.batch_size
        self.x = torch.as_tensor(np.ascontiguousarray(x, np.float32))   # (n, *shape)
        self.y = torch.as_tensor(y)                                     # (n,) int64 or (n, k) float32
        self.loss_fn = make_loss(config.loss)
        self.optimizer = make_optimizer(config, model.parameters())
        self.scheduler = make_scheduler(self.optimizer, config, steps_per_epoch(len(x), self.bs))
        self.augment = None
        if config.data.augment:                              # training split only; None: no per-sample work
            from dlcourse.backends.torch.data import batch_augmenter
            self.augment = batch_augmenter(config.data.augment, tuple(x.shape[1:]))

    def run(self, idx: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        model, bs = self.model, self.bs
        idx = torch.as_tensor(idx)
        losses, outputs = [], []
        model.train()
        for start in range(0, len(idx), bs):
            batch = idx[start:start + bs]
            xb, yb = self.x[batch], self.y[batch]            # (b, *shape), (b,) or (b, k)
            if self.augment:
                xb = self.augment(xb)                        # same shape, one random draw per image
            out = model(xb)                                  # (b, outputs)
            loss = self.loss_fn(out, yb)
            value = float(loss.detach())                     # one read of the loss per step
            losses.append(value)
            outputs.append(out.detach())
            if not np.isfinite(value):                       # stop before the step spoils the weights
                break
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            if self.scheduler:
                self.scheduler.step()
        return len(losses), np.asarray(losses, np.float32), torch.cat(outputs).numpy()

    def save(self, path: Path) -> None:
        torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict() if self.scheduler else {},
                    "rng": torch.get_rng_state()}, path)

    def load(self, path: Path) -> None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler:
            self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])

    def inject_nan(self) -> None:
        with torch.no_grad():
            next(self.model.parameters()).view(-1)[0] = float("nan")

    def write_graph(self, log_dir: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        model, was_training = self.model, self.model.training
        model.eval()
        try:
            with warnings.catch_warnings(), SummaryWriter(str(log_dir)) as writer:
                warnings.simplefilter("ignore", FutureWarning)   # add_graph traces with torch.jit
                writer.add_graph(model, self.x[:1])
        finally:
            model.train(was_training)


def make_engine(model: nn.Module, config, x: np.ndarray, y: np.ndarray) -> Engine:
    return Engine(model, config, x, y)


@torch.inference_mode()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values, in evaluation mode."""
    if len(x) == 0:
        return np.zeros((0, 0), np.float32)
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    model.eval()
    return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def train_on_batches(model: nn.Module, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch, in order, no shuffling; returns the losses (parity tests)."""
    loss_fn = make_loss(config.loss)
    optimizer = make_optimizer(config, model.parameters())
    model.train()
    losses = []
    for xb, yb in batches:
        out = model(torch.as_tensor(np.asarray(xb, np.float32)))
        loss = loss_fn(out, torch.as_tensor(targets(yb, config.task)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses
