"""Initial weights drawn once, with NumPy, from the seed: both frameworks start from the same values.

Each framework's own initialisers draw different random numbers even with the
same seed (and PyTorch's default law differs from Keras'), so the backends
build their layers, then copy these arrays in (canonical layout: Keras').
"""

from __future__ import annotations

import numpy as np


def _truncated_normal(rng: np.random.Generator, std: float, shape: tuple[int, int]) -> np.ndarray:
    """Normal(0, std) redrawn outside ±2 std, as Keras' ``TruncatedNormal`` does."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * std


def kernel(init: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """A ``(fan_in, fan_out)`` float32 kernel drawn from ``init``'s law (the laws Keras defines)."""
    shape = (fan_in, fan_out)
    if init == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, shape)
    elif init == "glorot_normal":
        w = _truncated_normal(rng, np.sqrt(2.0 / (fan_in + fan_out)) / 0.87962566103423978, shape)
    elif init == "he_uniform":
        limit = np.sqrt(6.0 / fan_in)
        w = rng.uniform(-limit, limit, shape)
    elif init == "he_normal":
        w = _truncated_normal(rng, np.sqrt(2.0 / fan_in) / 0.87962566103423978, shape)
    else:
        raise ValueError(f"unknown initialiser {init!r}")
    return w.astype(np.float32)


def initial_weights(spec, input_shape: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """``[kernel (in, out) float32, bias (out,) float32]`` for each dense layer of ``spec``, from ``seed``."""
    rng = np.random.default_rng([seed, 0x1A17])
    width = int(np.prod(input_shape))
    weights = []
    for layer in spec.layers:
        if layer.type == "dense":
            weights += [kernel(spec.init, width, layer.units, rng), np.zeros(layer.units, np.float32)]
            width = layer.units
    return weights
