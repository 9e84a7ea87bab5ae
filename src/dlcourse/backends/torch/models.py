"""Build an ``nn.Module`` from a :class:`dlcourse.config.ModelSpec`."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dlcourse.models.init import initial_weights

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}


def build_model(spec, input_shape: tuple[int, ...], seed: int = 0) -> nn.Sequential:
    """An ``nn.Sequential`` for inputs ``(n, *input_shape)`` float32; outputs ``(n, units)`` logits or values.

    A plain ``nn.Sequential`` keeps the saved ``state_dict`` loadable without dlcourse.
    The initial weights come from :func:`dlcourse.models.init.initial_weights` (the same
    values in both frameworks; PyTorch's own default law differs from Keras').
    """
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    shape = tuple(input_shape)                               # one sample's shape
    for layer in spec.layers:
        if layer.type == "flatten":
            layers.append(nn.Flatten())                      # (n, *shape) -> (n, prod(shape))
            shape = (int(np.prod(shape)),)
        elif layer.type == "dense":
            if len(shape) != 1:
                from dlcourse.errors import ConfigError
                raise ConfigError(f"model: a dense layer receives inputs of shape {shape}, it needs a flat vector.",
                                  "Add {type: flatten} before the first dense layer.")
            layers.append(nn.Linear(shape[0], layer.units))  # (n, in) -> (n, units)
            if layer.activation != "linear":
                layers.append(_ACTIVATIONS[layer.activation]())
            shape = (layer.units,)
        elif layer.type == "dropout":
            layers.append(nn.Dropout(layer.rate))
    model = nn.Sequential(*layers)
    set_weights(model, initial_weights(spec, input_shape, seed))
    return model


def _linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def get_weights(model: nn.Module) -> list[np.ndarray]:
    """Weights in the canonical (Keras) layout: ``[kernel (in, out), bias (out,)]`` per dense layer."""
    out = []
    for m in _linears(model):
        out += [m.weight.detach().cpu().numpy().T.copy(), m.bias.detach().cpu().numpy().copy()]
    return out


def set_weights(model: nn.Module, weights: list[np.ndarray]) -> None:
    """Inverse of :func:`get_weights` (kernels are transposed to PyTorch's ``(out, in)``)."""
    with torch.no_grad():
        for i, m in enumerate(_linears(model)):
            m.weight.copy_(torch.as_tensor(np.asarray(weights[2 * i]).T))
            m.bias.copy_(torch.as_tensor(np.asarray(weights[2 * i + 1])))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_table(model: nn.Module, input_shape: tuple[int, ...]) -> list[dict]:
    """``[{'layer', 'output_shape', 'params'}]`` for each module, from a forward pass on one zero sample."""
    rows = []
    x = torch.zeros((1, *input_shape))
    with torch.no_grad():
        for name, module in model.named_children():
            x = module(x)
            rows.append({"layer": f"{name}: {type(module).__name__}", "output_shape": [None, *x.shape[1:]],
                         "params": sum(p.numel() for p in module.parameters())})
    return rows
