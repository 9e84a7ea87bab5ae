"""Build an ``nn.Sequential`` from a :class:`dlcourse.config.ModelSpec`: one table entry per layer type.

The spec is channels-last; PyTorch computes channels-first. The first image layer is preceded
by a change of layout (``(n, h, w, c) -> (n, c, h, w)``, or ``(n, h, w) -> (n, 1, h, w)`` for
grey images), and :func:`get_weights` / :func:`set_weights` convert every weight to and from the
canonical layout (:mod:`dlcourse.models.layers`): kernels transposed, and the rows of a dense
layer fed by a flattened ``(c, h, w)`` tensor permuted to the ``(h, w, c)`` order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from dlcourse.models.layers import LayerTrace, initial_weights, pair

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}


class Permute(nn.Module):
    """``x.permute(*dims)`` as a module (torchvision has one; importing torchvision costs seconds)."""

    def __init__(self, dims: list[int]):
        super().__init__()
        self.dims = list(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


class _BiasedVariance:
    """Batch norm whose moving variance follows Keras' convention (the biased batch variance).

    PyTorch's own layers store the unbiased variance; this keeps both frameworks' moving
    statistics equal step after step. Same ``state_dict`` keys as ``nn.BatchNorm*d``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:       # (n, c) or (n, c, h, w)
        if not self.training:
            return super().forward(x)
        var, mean = torch.var_mean(x, dim=[0, *range(2, x.dim())], correction=0)   # (c,), biased
        with torch.no_grad():
            self.running_mean.lerp_(mean, self.momentum)     # momentum here is 1 - Keras' momentum
            self.running_var.lerp_(var, self.momentum)
            self.num_batches_tracked.add_(1)
        view = (1, -1) + (1,) * (x.dim() - 2)
        return (x - mean.view(view)) * torch.rsqrt(var.view(view) + self.eps) * self.weight.view(view) \
            + self.bias.view(view)


class BatchNorm1d(_BiasedVariance, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` storing the biased variance (see :class:`_BiasedVariance`)."""


class BatchNorm2d(_BiasedVariance, nn.BatchNorm2d):
    """``nn.BatchNorm2d`` storing the biased variance (see :class:`_BiasedVariance`)."""


# ----------------------------------------------------------------------------- the table
@dataclass
class _Context:
    """Layout while building: ``channels_first`` once an image layer ran; ``perm`` of a flattened
    ``(c, h, w)`` tensor (``torch feature j`` = canonical feature ``perm[j]``) until a dense layer consumes it."""

    channels_first: bool = False
    perm: np.ndarray | None = None
    load_pretrained: bool = True                             # False: a saved run's weights come next


def _activation(name: str) -> list[nn.Module]:
    return [] if name == "linear" else [_ACTIVATIONS[name]()]


def _dense(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
    return [nn.Linear(t.input_shape[0], t.layer.units), *_activation(t.layer.activation)]   # (n, in) -> (n, units)


def _conv2d(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
    layer, (h, w, c) = t.layer, t.image_input
    (top, bottom), (left, right) = layer.padding_pairs((h, w, c))
    pad: list[nn.Module] = []
    if (top, left) != (bottom, right):                       # Keras' asymmetric 'same': pad explicitly
        pad, padding = [nn.ZeroPad2d((left, right, top, bottom))], (0, 0)
    else:
        padding = (top, left)
    conv = nn.Conv2d(c, layer.filters, pair(layer.kernel_size), pair(layer.stride), padding=padding)
    return [*pad, conv, *_activation(layer.activation)]     # (n, c, h, w) -> (n, filters, h', w')


def _pool(kind):
    def build(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
        return [kind(pair(t.layer.pool_size), t.layer.strides())]   # (n, c, h, w) -> (n, c, h', w')
    return build


def _global_pool(kind):
    def build(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
        ctx.channels_first = False
        return [kind(1), nn.Flatten()]                       # (n, c, h, w) -> (n, c, 1, 1) -> (n, c)
    return build


def _batch_norm(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
    kind = BatchNorm2d if len(t.input_shape) == 3 else BatchNorm1d
    return [kind(t.input_shape[-1], eps=t.layer.epsilon, momentum=1.0 - t.layer.momentum)]


def _flatten(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
    if ctx.channels_first and len(t.input_shape) == 3:       # (n, c, h, w) flattens in (c, h, w) order
        h, w, c = t.input_shape
        ctx.perm = np.arange(h * w * c).reshape(h, w, c).transpose(2, 0, 1).ravel()
    ctx.channels_first = False
    return [nn.Flatten()]                                    # (n, *shape) -> (n, prod(shape))


def _pretrained(t: LayerTrace, ctx: _Context) -> list[nn.Module]:
    """torchvision's backbone with its ImageNet weights (or those of ``weights``): (n, h, w, 3) -> (n, features)."""
    from dlcourse.backends.torch.pretrained import build_backbone
    from dlcourse.models.pretrained import locate, lookup

    entry = lookup(t.layer.name, "torch")
    return [build_backbone(entry, locate(entry, t.layer.weights) if ctx.load_pretrained else None, t.input_shape)]


#: type -> builder ``(trace, context) -> modules``; the modules of one spec layer, in order.
BUILDERS: dict[str, Callable[[LayerTrace, _Context], list[nn.Module]]] = {
    "flatten": _flatten,
    "dense": _dense,
    "dropout": lambda t, ctx: [nn.Dropout(t.layer.rate)],
    "activation": lambda t, ctx: _activation(t.layer.function) or [nn.Identity()],
    "conv2d": _conv2d,
    "max_pool2d": _pool(nn.MaxPool2d),
    "avg_pool2d": _pool(nn.AvgPool2d),
    "global_avg_pool2d": _global_pool(nn.AdaptiveAvgPool2d),
    "global_max_pool2d": _global_pool(nn.AdaptiveMaxPool2d),
    "batch_norm": _batch_norm,
    "pretrained": _pretrained,
}


# ----------------------------------------------------------------------------- weight layouts
def _weighted(modules: list[nn.Module]) -> nn.Module | None:
    return next((m for m in modules if isinstance(m, (nn.Linear, nn.Conv2d, nn.BatchNorm1d, nn.BatchNorm2d))), None)


def _to_canonical(module: nn.Module, perm: np.ndarray | None) -> list[np.ndarray]:
    inv = None if perm is None else np.argsort(perm)

    def rows(a: np.ndarray) -> np.ndarray:                   # torch feature order -> canonical order
        return a if inv is None else a[inv]

    def arr(t: torch.Tensor) -> np.ndarray:
        return t.detach().cpu().numpy().copy()

    if isinstance(module, nn.Linear):                        # (out, in) -> (in, out)
        return [rows(arr(module.weight).T).copy(), arr(module.bias)]
    if isinstance(module, nn.Conv2d):                        # (out, in, kh, kw) -> (kh, kw, in, out)
        return [np.ascontiguousarray(arr(module.weight).transpose(2, 3, 1, 0)), arr(module.bias)]
    return [rows(arr(v)) for v in (module.weight, module.bias, module.running_mean, module.running_var)]


def _from_canonical(module: nn.Module, perm: np.ndarray | None, weights: list[np.ndarray]) -> None:
    def rows(a: np.ndarray) -> np.ndarray:                   # canonical order -> torch feature order
        return np.asarray(a) if perm is None else np.asarray(a)[perm]

    with torch.no_grad():
        if isinstance(module, nn.Linear):
            module.weight.copy_(torch.as_tensor(np.ascontiguousarray(rows(weights[0]).T)))
            module.bias.copy_(torch.as_tensor(np.asarray(weights[1])))
        elif isinstance(module, nn.Conv2d):
            module.weight.copy_(torch.as_tensor(np.ascontiguousarray(np.asarray(weights[0]).transpose(3, 2, 0, 1))))
            module.bias.copy_(torch.as_tensor(np.asarray(weights[1])))
        else:
            for var, value in zip((module.weight, module.bias, module.running_mean, module.running_var), weights):
                var.copy_(torch.as_tensor(np.ascontiguousarray(rows(value))))


@dataclass
class _Slot:
    """The modules ``model[start:end]`` built for spec layer ``trace.index``; ``perm`` as in :class:`_Context`."""

    trace: LayerTrace
    start: int
    end: int
    perm: np.ndarray | None


def _slots(model: nn.Sequential) -> list[_Slot]:
    slots = getattr(model, "dlcourse_slots", None)
    if slots is None:
        raise TypeError("this nn.Sequential was not built by dlcourse.backends.torch.build_model")
    return slots


def build_model(spec, input_shape: tuple[int, ...], seed: int = 0) -> nn.Sequential:
    """An ``nn.Sequential`` for inputs ``(n, *input_shape)`` float32 (channels-last); outputs ``(n, units)``.

    A plain ``nn.Sequential`` of built-in modules (batch norm aside, which keeps the built-in
    ``state_dict`` keys), so the saved ``state_dict`` loads without dlcourse. The initial weights
    come from :func:`dlcourse.models.layers.initial_weights` (the same values in both frameworks);
    a ``pretrained`` layer reads its ImageNet weights file.
    """
    return build(spec, input_shape, seed)


def build(spec, input_shape: tuple[int, ...], seed: int = 0, pretrained: bool = True) -> nn.Sequential:
    """:func:`build_model`; ``pretrained=False`` builds a ``pretrained`` layer's architecture without
    reading its file (a saved run's own weights are loaded next)."""
    torch.manual_seed(seed)
    modules: list[nn.Module] = []
    slots: list[_Slot] = []
    ctx = _Context(load_pretrained=pretrained)
    for t in spec.trace(input_shape):
        start = len(modules)
        wants_image = t.layer.image_layer or (t.layer.type == "batch_norm" and len(t.input_shape) == 3)
        if wants_image and not ctx.channels_first:
            modules.append(nn.Unflatten(1, (1, t.input_shape[0])) if len(t.input_shape) == 2   # (n, h, w) -> (n, 1, h, w)
                           else Permute([0, 3, 1, 2]))                                     # (n, h, w, c) -> (n, c, h, w)
            ctx.channels_first = True
        perm = ctx.perm
        if t.layer.type == "dense":
            ctx.perm = None                                  # its outputs are in the natural order
        modules += BUILDERS[t.layer.type](t, ctx)
        slots.append(_Slot(t, start, len(modules), perm if t.weights else None))
    model = nn.Sequential(*modules)
    model.dlcourse_slots = slots
    _set_weights(model, initial_weights(spec, input_shape, seed), canonical_only=True)
    return model


def get_weights(model: nn.Sequential) -> list[np.ndarray]:
    """Every weight in the canonical layout (:mod:`dlcourse.models.layers`), layer by layer."""
    out: list[np.ndarray] = []
    for slot in _slots(model):
        if slot.trace.layer.type == "pretrained":            # its own arrays, state_dict order
            out += [v.detach().cpu().numpy().copy() for v in model[slot.start].state_dict().values()]
            continue
        module = _weighted(list(model[slot.start:slot.end]))
        if module is not None:
            out += _to_canonical(module, slot.perm)
    return out


def set_weights(model: nn.Sequential, weights: list[np.ndarray]) -> None:
    """Inverse of :func:`get_weights`."""
    _set_weights(model, weights)


def _set_weights(model: nn.Sequential, weights: list[np.ndarray], canonical_only: bool = False) -> None:
    """Inverse of :func:`get_weights` (``canonical_only``: the spec's initial weights, a pretrained layer kept)."""
    i = 0
    for slot in _slots(model):
        if slot.trace.layer.type == "pretrained":
            if canonical_only:
                continue
            state = model[slot.start].state_dict()
            model[slot.start].load_state_dict({k: torch.as_tensor(np.asarray(w)) for k, w in
                                               zip(state, weights[i:i + len(state)])})
            i += len(state)
            continue
        module = _weighted(list(model[slot.start:slot.end]))
        if module is not None:
            n = len(slot.trace.weights)
            _from_canonical(module, slot.perm, weights[i:i + n])
            i += n


def count_params(model: nn.Sequential) -> int:
    """Every weight, moving statistics included (Keras' count): the spec's own count."""
    return int(sum(w.size for w in get_weights(model)))


def layer_table(model: nn.Sequential) -> list[dict]:
    """One row per spec layer: ``{'layer': native modules, 'output_shape': [None, ...], 'params'}``.

    Shapes come from a forward pass on one zero sample, so they show PyTorch's own
    channels-first layout.
    """
    slots = _slots(model)
    x = torch.zeros((1, *slots[0].trace.input_shape))
    rows = []
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for slot in slots:
            group = list(model[slot.start:slot.end])
            for module in group:
                x = module(x)
            native = sum(v.numel() for m in group for name, v in [*m.named_parameters(), *m.named_buffers()]
                         if name != "num_batches_tracked")
            rows.append({"layer": " + ".join(type(m).__name__ for m in group), "output_shape": [None, *x.shape[1:]],
                         "params": int(native)})
    model.train(was_training)
    return rows
