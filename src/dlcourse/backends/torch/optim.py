"""Optimizers, learning-rate schedules and losses from the framework-free spec."""

from __future__ import annotations

import torch
from torch import nn

from dlcourse.models.schedules import learning_rate


def make_optimizer(config, params) -> torch.optim.Optimizer:
    """SGD, Adam or RMSprop for ``params``, every hyper-parameter set explicitly from ``config.optimizer``.

    ``config.runtime.fast_path``: fused kernels (SGD, Adam) or multi-tensor ``foreach`` ones (RMSprop):
    same update, fewer kernel calls.
    """
    spec, fast = config.optimizer, config.runtime.fast_path
    kernel = {"fused": True} if fast and spec.name in ("sgd", "adam") else {"foreach": True} if fast else {}
    if spec.name == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum, nesterov=spec.nesterov, **kernel)
    if spec.name == "adam":
        return torch.optim.Adam(params, lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=spec.eps, **kernel)
    if spec.name == "rmsprop":
        # PyTorch adds eps outside the square root, as the spec defines it.
        return torch.optim.RMSprop(params, lr=spec.lr, alpha=spec.rho, eps=spec.eps, momentum=spec.momentum, **kernel)
    raise ValueError(f"unknown optimizer {spec.name!r}")


def make_scheduler(optimizer, config, steps_per_epoch: int):
    """A ``LambdaLR`` stepped after every update, or ``None`` for a constant learning rate."""
    schedule, lr = config.training.schedule, config.optimizer.lr
    if schedule.name == "constant":
        return None
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate(step, lr, schedule, config.training.epochs, steps_per_epoch) / lr)


def make_loss(name: str) -> nn.Module:
    """``cross_entropy`` takes logits ``(n, k)`` and labels ``(n,)`` int64; ``mse`` takes ``(n, k)`` float32."""
    return nn.CrossEntropyLoss() if name == "cross_entropy" else nn.MSELoss()
