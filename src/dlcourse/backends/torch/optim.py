"""Optimizers and losses from the framework-free spec."""

from __future__ import annotations

import torch
from torch import nn


def make_optimizer(spec, params) -> torch.optim.Optimizer:
    """SGD, Adam or RMSprop with every hyper-parameter set explicitly from ``spec``."""
    if spec.name == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum, nesterov=spec.nesterov)
    if spec.name == "adam":
        return torch.optim.Adam(params, lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=spec.eps)
    if spec.name == "rmsprop":
        # PyTorch adds eps outside the square root, as the spec defines it.
        return torch.optim.RMSprop(params, lr=spec.lr, alpha=spec.rho, eps=spec.eps, momentum=spec.momentum)
    raise ValueError(f"unknown optimizer {spec.name!r}")


def make_loss(name: str) -> nn.Module:
    """``cross_entropy`` takes logits ``(n, k)`` and labels ``(n,)`` int64; ``mse`` takes ``(n, k)`` float32."""
    return nn.CrossEntropyLoss() if name == "cross_entropy" else nn.MSELoss()
