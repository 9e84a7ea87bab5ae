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

from dlcourse.backends.torch.optim import (clip_gradients, frozen_batch_norms, make_loss, make_optimizer, optimizer_step,
                                           optimizer_zero_grad, param_groups, penalties, penalty, set_learning_rate,
                                           without_compiler)
from dlcourse.backends.torch.runtime import autocast, resolve_device, world
from dlcourse.data.batches import steps_per_epoch, targets
from dlcourse.models.schedules import rates

SUFFIX = ".pt"


def execution_settings(config, train_shape: tuple[int, ...]) -> dict:
    """The speed choices for ``config`` on a training split of ``train_shape = (n, *sample_shape)``.

    ``steps_per_call``: one; a call is one Python step, nothing is gained by grouping them.
    ``optimizer_kernel``: fused (SGD, Adam) or multi-tensor ``foreach`` (RMSprop) with ``fast_path``.
    ``ignored``: the Keras-only settings the config sets explicitly, each with the reason (printed by
    the runner, so that a setting never has no effect silently).
    """
    rt = config.runtime
    fast = rt.fast_path
    kernel = ("fused" if config.optimizer.name in ("sgd", "adam") else "foreach") if fast else "default"
    ignored = []
    if rt.steps_per_execution != "auto":
        ignored.append("runtime.steps_per_execution is a Keras setting (mini-batches per compiled call); PyTorch "
                       "runs each mini-batch as its own Python step, so it has no effect here")
    if rt.jit_compile != "auto":
        ignored.append("runtime.jit_compile is a Keras setting (XLA); dlcourse does not call torch.compile, so it "
                       "has no effect here")
    return {"loop": "dlcourse epoch loop, explicit PyTorch steps", "steps_per_call": 1,
            "data": "tensors in memory, batches by index", "optimizer_kernel": kernel, "eval_batch_size": 4096,
            "ignored": ignored}


class Engine:
    """Optimizer steps on ``model`` over ``x: (n, *shape) float32``, ``y: (n,) int64 | (n, k) float32``
    (see :class:`dlcourse.backends.contract.StepEngine`).

    The model and the whole training split are moved to the run's device once; a mini-batch is
    an index into them there. With ``bf16`` or ``16-mixed`` the forward pass and the loss run under
    ``torch.autocast`` (float32 weights), ``16-mixed`` with a gradient scaler.
    """

    suffix = SUFFIX

    def __init__(self, model: nn.Module, config, x: np.ndarray, y: np.ndarray):
        self.device, self.precision = resolve_device(config.runtime.device), config.runtime.precision
        self.model, self.bs = model.to(self.device), config.training.batch_size
        model.dlcourse_autocast = (self.device, self.precision)           # predict computes the same way
        self.x = torch.as_tensor(np.ascontiguousarray(x, np.float32)).to(self.device)   # (n, *shape)
        self.y = torch.as_tensor(y).to(self.device)                     # (n,) int64 or (n, k) float32
        self.scaler = torch.amp.GradScaler("cuda") if self.precision == "16-mixed" else None
        self.loss_fn = make_loss(config.loss, config.training.label_smoothing)
        self.training = config.training
        self.optimizer = make_optimizer(config, param_groups(model))
        self.params = [p for g in self.optimizer.param_groups for p in g["params"]]
        self.frozen = frozen_batch_norms(model)              # stay in inference mode
        self.penalties = penalties(model)
        self.rates = rates(config, steps_per_epoch(len(x), self.bs))   # (updates,) the schedule's rates
        self.updates, self.lr_factor = 0, 1.0
        self.augment = None
        if config.data.augment:                              # training split only; None: no per-sample work
            from dlcourse.backends.torch.data import batch_augmenter
            self.augment = batch_augmenter(config.data.augment, tuple(x.shape[1:]))

    def _forward(self, batch: torch.Tensor):
        """``(outputs (b, k) float32, loss)`` of the rows ``batch (b,)``, training mode."""
        xb, yb = self.x[batch], self.y[batch]                # (b, *shape), (b,) or (b, k)
        if self.augment:
            xb = self.augment(xb)                            # same shape, one random draw per image
        with autocast(self.device, self.precision):
            out = self.net(xb)                               # (b, outputs)
            loss = self.loss_fn(out.float(), yb)
        extra = penalty(self.penalties)                       # l1/l2 of the kernels, added as Keras does
        if extra is not None:
            loss = loss + extra
        return out.detach().float(), loss

    def learning_rate(self) -> float:
        """The reference rate of the next update (the schedule's, times the loop's factor)."""
        return float(self.rates[min(self.updates, len(self.rates) - 1)] * self.lr_factor)

    def set_lr_factor(self, factor: float) -> None:
        self.lr_factor = float(factor)

    def _update(self, loss: torch.Tensor) -> None:
        set_learning_rate(self.optimizer, self.learning_rate())
        optimizer_zero_grad(self.optimizer)
        clip = self.training.clip_norm or self.training.clip_value
        if self.scaler is not None:                          # float16: scale, unscale, skip overflowing steps
            self.scaler.scale(loss).backward()
            if clip:
                self.scaler.unscale_(self.optimizer)
                clip_gradients(self.params, self.training)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            if clip:
                clip_gradients(self.params, self.training)
            optimizer_step(self.optimizer)
        self.updates += 1

    @property
    def net(self) -> nn.Module:
        """What the forward pass calls (the model, or its DistributedDataParallel wrapper)."""
        return self.model

    def _step(self, batch: torch.Tensor) -> tuple[float, torch.Tensor, torch.Tensor]:
        """One step on ``batch``; returns ``(loss value, outputs (b, k), loss)`` before the update."""
        out, loss = self._forward(batch)
        return float(loss.detach()), out, loss               # one read of the loss per step

    def run(self, idx: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        bs = self.bs
        idx = torch.as_tensor(idx).to(self.device)
        losses, outputs = [], []
        self.model.train()
        for module in self.frozen:
            module.eval()
        for start in range(0, len(idx), bs):
            value, out, loss = self._step(idx[start:start + bs])
            losses.append(value)
            outputs.append(out)
            if not np.isfinite(value):                       # stop before the step spoils the weights
                break
            self._update(loss)
        return len(losses), np.asarray(losses, np.float32), torch.cat(outputs).cpu().numpy()

    def any_rank(self, flag: bool) -> bool:
        return flag

    def save(self, path: Path) -> None:
        with without_compiler():
            optimizer_state = self.optimizer.state_dict()
        torch.save({"model": self.model.state_dict(), "optimizer": optimizer_state,
                    "schedule": {"updates": self.updates, "lr_factor": self.lr_factor},
                    "scaler": self.scaler.state_dict() if self.scaler else {}, "rng": torch.get_rng_state()}, path)

    def load(self, path: Path) -> None:
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        with without_compiler():
            self.optimizer.load_state_dict(state["optimizer"])
        self.updates, self.lr_factor = int(state["schedule"]["updates"]), float(state["schedule"]["lr_factor"])
        if self.scaler and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["rng"].cpu())

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
                # Traced once, without the re-trace and output comparison ``check_trace`` adds (1.1 s,
                # and it imports torch.distributed): the graph is only drawn, never run.
                traced = torch.jit.trace(model, self.x[:1], check_trace=False)
                warnings.filterwarnings("ignore", "The input to trace is already a ScriptModule")
                writer.add_graph(traced, self.x[:1])
        finally:
            model.train(was_training)


class DistributedEngine(Engine):
    """The same steps under ``torchrun``: ``DistributedDataParallel`` averages the gradients.

    Each mini-batch of the shared epoch order is split between the processes (process ``r`` takes
    rows ``r, r + W, r + 2W...`` of it); the loss is the mean over the whole mini-batch, and every
    process returns the outputs of all its rows (gathered), so the epoch's metrics are those of the
    whole split on every process.
    """

    def __init__(self, model: nn.Module, config, x: np.ndarray, y: np.ndarray):
        super().__init__(model, config, x, y)
        from torch.nn.parallel import DistributedDataParallel

        self.rank, self.world = world()
        device = [self.device] if self.device.startswith("cuda") else None
        self.ddp = DistributedDataParallel(self.model, device_ids=device)

    @property
    def net(self) -> nn.Module:
        return self.ddp

    def _step(self, batch: torch.Tensor) -> tuple[float, torch.Tensor, torch.Tensor]:
        dist = torch.distributed
        mine = batch[self.rank::self.world]                  # this process's share of the mini-batch
        out, loss = self._forward(mine)
        # the whole mini-batch's mean loss: sum of (local mean x local rows) / rows
        total = torch.stack([loss.detach().float() * len(mine), torch.tensor(float(len(mine)), device=loss.device)])
        dist.all_reduce(total)
        # outputs of every row, in the mini-batch's order (shares differ by one row at most)
        size = -(-len(batch) // self.world)
        padded = torch.zeros((size, *out.shape[1:]), dtype=out.dtype, device=out.device)
        padded[:len(out)] = out
        parts = [torch.empty_like(padded) for _ in range(self.world)]
        dist.all_gather(parts, padded)
        full = torch.empty((len(batch), *out.shape[1:]), dtype=out.dtype, device=out.device)
        for r, part in enumerate(parts):
            count = len(batch[r::self.world])
            full[r::self.world] = part[:count]
        # DDP averages the gradients of the processes' mean losses: scale so that the mean is the
        # whole mini-batch's (they differ only when the shares are unequal)
        loss = loss * (len(mine) * self.world / len(batch))
        return float(total[0] / total[1]), full, loss

    def any_rank(self, flag: bool) -> bool:
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
        return bool(value.item())


def make_engine(model: nn.Module, config, x: np.ndarray, y: np.ndarray) -> Engine:
    return DistributedEngine(model, config, x, y) if world()[1] > 1 else Engine(model, config, x, y)


@torch.inference_mode()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``x: (n, *shape)`` float32 -> ``(n, outputs)`` float32 logits or values, in evaluation mode.

    Runs where the model is, with the precision it was trained with.
    """
    if len(x) == 0:
        return np.zeros((0, 0), np.float32)
    device, precision = getattr(model, "dlcourse_autocast", ("cpu", "32"))
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    model.eval()
    with autocast(device, precision):
        out = [model(x[i:i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


def train_on_batches(model: nn.Module, config, batches) -> list[float]:
    """One optimizer step per ``(x, y)`` batch, in order, no shuffling; returns the losses (parity tests)."""
    loss_fn = make_loss(config.loss, config.training.label_smoothing)
    optimizer = make_optimizer(config, param_groups(model))
    params, terms = [p for g in optimizer.param_groups for p in g["params"]], penalties(model)
    model.train()
    for module in frozen_batch_norms(model):
        module.eval()
    losses = []
    for xb, yb in batches:
        out = model(torch.as_tensor(np.asarray(xb, np.float32)))
        loss = loss_fn(out, torch.as_tensor(targets(yb, config.task)))
        if terms:
            loss = loss + penalty(terms)
        optimizer_zero_grad(optimizer)
        loss.backward()
        clip_gradients(params, config.training)
        optimizer_step(optimizer)
        losses.append(float(loss.detach()))
    return losses
