"""Optimizers, their parameter groups, gradient clipping, penalties and losses from the framework-free spec."""

from __future__ import annotations

import contextlib
import inspect
import sys

import torch
from torch import nn


def param_groups(model: nn.Module) -> list[dict]:
    """The trainable parameters of a model built by :func:`~dlcourse.backends.torch.models.build_model`,
    one group per ``lr_scale`` (``{'params': [...], 'lr_scale': s}``); frozen layers' parameters are
    left out (and marked ``requires_grad=False``). Any other module: one group of every parameter."""
    slots = getattr(model, "dlcourse_slots", None)
    if slots is None:
        return [{"params": [p for p in model.parameters() if p.requires_grad], "lr_scale": 1.0}]
    groups: dict[float, list] = {}
    for slot in slots:
        layer = slot.trace.layer
        frozen = {id(p) for m in _frozen_blocks(model, slot) for p in m.parameters()}
        for module in model[slot.start:slot.end]:
            for p in module.parameters(recurse=True):
                trainable = layer.trainable and id(p) not in frozen
                p.requires_grad_(trainable)
                if trainable:
                    groups.setdefault(float(layer.lr_scale), []).append(p)
    return [{"params": params, "lr_scale": scale} for scale, params in groups.items()]


def _frozen_blocks(model: nn.Module, slot) -> list[nn.Module]:
    """The stages of a ``pretrained`` layer that ``train_blocks: N`` leaves frozen (all but the last N)."""
    layer = slot.trace.layer
    if layer.type != "pretrained" or layer.train_blocks == "all":
        return []
    from dlcourse.backends.torch.pretrained import blocks

    stages = blocks(model[slot.start])
    return stages[:len(stages) - int(layer.train_blocks)]


def frozen_batch_norms(model: nn.Module) -> list[nn.Module]:
    """The batch-norm modules of frozen layers: they stay in inference mode while the rest trains."""
    out = []
    for slot in getattr(model, "dlcourse_slots", []):
        frozen = list(model[slot.start:slot.end]) if not slot.trace.layer.trainable else _frozen_blocks(model, slot)
        out += [m for part in frozen for m in part.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    return out


def penalties(model: nn.Module) -> list[tuple[torch.Tensor, float, float]]:
    """``[(kernel, l1, l2)]`` of the layers whose spec sets ``l1`` or ``l2`` (dense and conv2d kernels)."""
    out = []
    for slot in getattr(model, "dlcourse_slots", []):
        layer = slot.trace.layer
        l1, l2 = float(getattr(layer, "l1", 0.0)), float(getattr(layer, "l2", 0.0))
        if l1 or l2:
            module = next(m for m in model[slot.start:slot.end] if isinstance(m, (nn.Linear, nn.Conv2d)))
            out.append((module.weight, l1, l2))
    return out


def penalty(terms: list[tuple[torch.Tensor, float, float]]) -> torch.Tensor | None:
    """``Σ l1·Σ|w| + l2·Σw²`` over ``terms`` (Keras' ``L1L2``), or ``None`` without any."""
    if not terms:
        return None
    return sum(l1 * w.abs().sum() + l2 * w.square().sum() for w, l1, l2 in terms)


def make_optimizer(config, groups) -> torch.optim.Optimizer:
    """SGD, Adam, AdamW or RMSprop for ``groups`` (:func:`param_groups`, or an iterable of parameters),
    every hyper-parameter set explicitly from ``config.optimizer``.

    ``config.runtime.fast_path``: fused kernels (SGD, Adam, AdamW) or multi-tensor ``foreach`` ones
    (RMSprop): same update, fewer kernel calls.
    """
    spec, fast = config.optimizer, config.runtime.fast_path
    groups = list(groups)
    if groups and isinstance(groups[0], dict):
        groups = [{"params": g["params"], "lr": spec.lr * g.get("lr_scale", 1.0), "lr_scale": g.get("lr_scale", 1.0)}
                  for g in groups]
    kernel = {"fused": True} if fast and spec.name in ("sgd", "adam", "adamw") else {"foreach": True} if fast else {}
    with without_compiler():
        return _optimizer(spec, groups, kernel)


def _optimizer(spec, groups, kernel) -> torch.optim.Optimizer:
    if spec.name == "sgd":
        return torch.optim.SGD(groups, lr=spec.lr, momentum=spec.momentum, nesterov=spec.nesterov, **kernel)
    if spec.name == "adam":
        return torch.optim.Adam(groups, lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=spec.eps, **kernel)
    if spec.name == "adamw":                     # decoupled: w -= lr * weight_decay * w before the Adam step
        return torch.optim.AdamW(groups, lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=spec.eps,
                                 weight_decay=spec.weight_decay, **kernel)
    if spec.name == "rmsprop":
        # PyTorch adds eps outside the square root, as the spec defines it.
        return torch.optim.RMSprop(groups, lr=spec.lr, alpha=spec.rho, eps=spec.eps, momentum=spec.momentum, **kernel)
    raise ValueError(f"unknown optimizer {spec.name!r}")


# torch.optim wraps ``Optimizer.__init__``'s ``add_param_group``, ``zero_grad``, ``state_dict`` and
# ``load_state_dict`` in ``torch._disable_dynamo``, and every ``step`` in a wrapper that runs
# ``import torch._dynamo``: the first optimizer call of a process imports the compiler (torch._dynamo,
# sympy; 1.3-1.6 s on a 2-core laptop) even though nothing is compiled. dlcourse never calls
# ``torch.compile``, so outside a compilation those wrappers only call the method: the two helpers
# below call it directly while the compiler is not loaded, and use the public calls once it is
# (another library or the learner imported it) or when a hook is registered. Same update, same
# state; ``tests/backends/test_torch_eager_optimizer.py`` proves it for every optimizer.
_DISABLED = ("add_param_group", "state_dict", "load_state_dict")         # zero_grad: optimizer_zero_grad


@contextlib.contextmanager
def without_compiler():
    """Within this block, ``torch.optim.Optimizer``'s constructor (``add_param_group``), ``state_dict`` and
    ``load_state_dict`` run without importing ``torch._dynamo`` (when it is not imported yet)."""
    if "torch._dynamo" in sys.modules:
        yield
        return
    raws = [getattr(getattr(torch.optim.Optimizer, name), "__wrapped__", None) for name in _DISABLED]
    raws = [raw for raw in raws if raw is not None and not hasattr(raw, "__dynamo_disable")]
    for raw in raws:
        setattr(raw, "__dynamo_disable", raw)      # the wrapper's cache of "the disabled function"
    try:
        yield
    finally:
        for raw in raws:
            with contextlib.suppress(AttributeError):
                delattr(raw, "__dynamo_disable")


def _hooked(optimizer: torch.optim.Optimizer) -> bool:
    from torch.optim import optimizer as module

    return bool(optimizer._optimizer_step_pre_hooks or optimizer._optimizer_step_post_hooks
                or getattr(module, "_global_optimizer_pre_hooks", None)
                or getattr(module, "_global_optimizer_post_hooks", None))


def optimizer_step(optimizer: torch.optim.Optimizer) -> None:
    """``optimizer.step()``, without importing ``torch._dynamo`` when it is not loaded (see above).

    The public ``step`` is a profiler-and-hooks wrapper around a ``no_grad`` wrapper around the update;
    with no hook registered, the update under ``torch.no_grad()`` is all they run in eager mode.
    """
    if "torch._dynamo" in sys.modules or optimizer.defaults.get("differentiable") or _hooked(optimizer):
        optimizer.step()
        return
    update = inspect.unwrap(type(optimizer).step)
    with torch.no_grad():
        update(optimizer)


def optimizer_zero_grad(optimizer: torch.optim.Optimizer) -> None:
    """``optimizer.zero_grad(set_to_none=True)``: every parameter's ``.grad`` set to ``None``, which is all
    that call does in eager mode, without importing the compiler."""
    if "torch._dynamo" in sys.modules:
        optimizer.zero_grad(set_to_none=True)
        return
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.grad = None


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Every group's rate: ``lr`` times its ``lr_scale``."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def clip_gradients(params, training) -> None:
    """``training.clip_value`` (each value to ``[-v, v]``) or ``training.clip_norm`` (global L2 norm)."""
    if training.clip_value:
        nn.utils.clip_grad_value_(params, training.clip_value)
    if training.clip_norm:
        nn.utils.clip_grad_norm_(params, training.clip_norm)


def make_loss(name: str, label_smoothing: float = 0.0) -> nn.Module:
    """``cross_entropy`` takes logits ``(n, k)`` and labels ``(n,)`` int64 (targets smoothed by
    ``label_smoothing``); ``mse`` takes ``(n, k)`` float32."""
    return nn.CrossEntropyLoss(label_smoothing=label_smoothing) if name == "cross_entropy" else nn.MSELoss()
