"""Every layer type of the vocabulary computes the same thing in both frameworks, from the same initial weights.

One case per layer type (adding a type adds a case here). Both frameworks share this process:
torch and torch._dynamo are imported first (conftest).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tensorflow")

from dlcourse.backends import get_backend  # noqa: E402
from dlcourse.config import validate_config  # noqa: E402
from dlcourse.models.layers import LAYER_TYPES  # noqa: E402

TORCH, TF = get_backend("torch"), get_backend("tensorflow")
HEAD = {"type": "dense", "units": 3}

# name -> (sample shape, layers); each ends with a dense head, as every model must.
CASES = {
    "dense": ((6,), [{"type": "dense", "units": 4, "activation": "relu"}]),
    "flatten": ((4, 3), [{"type": "flatten"}]),
    "dropout": ((6,), [{"type": "dropout", "rate": 0.5}]),
    "activation-tanh": ((6,), [{"type": "dense", "units": 4}, {"type": "activation", "function": "tanh"}]),
    "activation-gelu": ((6,), [{"type": "dense", "units": 4}, {"type": "activation", "function": "gelu"}]),
    "activation-sigmoid": ((6,), [{"type": "activation", "function": "sigmoid"}]),
    "conv2d-valid": ((7, 7, 2), [{"type": "conv2d", "filters": 3, "kernel_size": 3, "activation": "relu"},
                                 {"type": "flatten"}]),
    "conv2d-same-stride2": ((7, 8, 2), [{"type": "conv2d", "filters": 3, "kernel_size": 3, "stride": 2,
                                         "padding": "same"}, {"type": "flatten"}]),
    "conv2d-same-even-kernel-grey": ((6, 6), [{"type": "conv2d", "filters": 2, "kernel_size": [4, 2],
                                               "padding": "same"}, {"type": "flatten"}]),
    "max_pool2d": ((8, 8, 2), [{"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"}]),
    "max_pool2d-stride": ((9, 9), [{"type": "max_pool2d", "pool_size": 3, "stride": 2}, {"type": "flatten"}]),
    "avg_pool2d": ((8, 6, 3), [{"type": "avg_pool2d", "pool_size": [2, 3]}, {"type": "flatten"}]),
    "global_avg_pool2d": ((5, 5, 3), [{"type": "conv2d", "filters": 4, "kernel_size": 2},
                                      {"type": "global_avg_pool2d"}]),
    "global_max_pool2d": ((6, 5, 2), [{"type": "global_max_pool2d"}]),
    "batch_norm-image": ((5, 5, 3), [{"type": "batch_norm", "momentum": 0.9}, {"type": "flatten"}]),
    "batch_norm-features": ((6,), [{"type": "dense", "units": 4}, {"type": "batch_norm", "epsilon": 1e-5}]),
}


def _config(shape_layers, optimizer=None):
    return validate_config({
        "name": "parity", "task": "classification", "data": {"dataset": "digits"},
        "model": {"layers": [*shape_layers, HEAD]},
        "optimizer": optimizer or {"name": "sgd", "lr": 0.01}, "training": {"batch_size": 8}})


def _pair(config, shape, seed=3):
    tm, km = TORCH.build_model(config.model, shape, seed=seed), TF.build_model(config.model, shape, seed=seed)
    for a, b in zip(TORCH.get_weights(tm), TF.get_weights(km), strict=True):
        np.testing.assert_array_equal(a, b)                  # same seed, same first weights, no copying
    return tm, km


def test_every_layer_type_has_a_case():
    used = {layer["type"] for _, layers in CASES.values() for layer in layers}
    # 'pretrained' is per framework (different ImageNet weights): tests/backends/test_pretrained_backbones.py
    assert used | {"dense", "pretrained"} == set(LAYER_TYPES)


@pytest.mark.parametrize("case", list(CASES))
def test_same_weights_same_outputs(case):
    import torch

    shape, layers = CASES[case]
    config = _config(layers)
    tm, km = _pair(config, shape)
    # random weights (not the initial ones: batch norm starts as the identity), set the same in both
    rng = np.random.default_rng(11)
    weights = [(rng.standard_normal(w.shape) * 0.5).astype(np.float32) for w in TORCH.get_weights(tm)]
    trace = config.model.trace(shape)
    names = [name for t in trace for name, _ in t.weights]
    weights = [np.abs(w) + 0.5 if name == "moving_variance" else w for w, name in zip(weights, names)]
    TORCH.set_weights(tm, weights)
    TF.set_weights(km, weights)
    x = np.random.default_rng(5).standard_normal((16, *shape)).astype(np.float32)
    # inference mode
    np.testing.assert_allclose(TORCH.predict(tm, x), TF.predict(km, x), rtol=0, atol=1e-5)
    assert TORCH.predict(tm, x).shape == (16, 3)
    if case == "dropout":                                     # masks come from different generators
        return
    # training mode: batch statistics for batch norm, and its moving statistics updated the same way
    tm.train()
    out_t = tm(torch.as_tensor(x)).detach().numpy()
    out_k = np.asarray(km(x, training=True))
    np.testing.assert_allclose(out_t, out_k, rtol=0, atol=1e-5)
    for a, b in zip(TORCH.get_weights(tm), TF.get_weights(km)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


CHAIN = [{"type": "conv2d", "filters": 4, "kernel_size": 3, "stride": 2, "padding": "same", "activation": "relu"},
         {"type": "max_pool2d", "pool_size": 2},
         {"type": "conv2d", "filters": 3, "kernel_size": 2, "padding": "same"},
         {"type": "activation", "function": "relu"},    # a bias right before batch norm gets no gradient: Adam's
         {"type": "batch_norm", "momentum": 0.9},       # update of it would be eps-driven noise in each framework
         {"type": "flatten"},
         {"type": "dense", "units": 6, "activation": "tanh"}]


@pytest.mark.parametrize("optimizer", [
    {"name": "sgd", "lr": 0.01, "momentum": 0.9},
    {"name": "adam", "lr": 0.001, "eps": 1e-8},
    {"name": "rmsprop", "lr": 0.001, "rho": 0.9, "eps": 1e-8},
], ids=["sgd-momentum", "adam", "rmsprop"])
def test_cnn_chain_five_steps_same_weights(optimizer):
    """conv (stride 2, Keras' asymmetric 'same') -> pool -> conv -> relu -> batch norm -> flatten -> dense, 5 steps."""
    shape = (11, 10, 2)
    config = _config(CHAIN, optimizer)
    tm, km = _pair(config, shape)
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((8, *shape)).astype(np.float32), rng.integers(0, 3, 8)) for _ in range(5)]
    t_losses = TORCH.train_on_batches(tm, config, batches)
    k_losses = TF.train_on_batches(km, config, batches)
    np.testing.assert_allclose(t_losses, k_losses, rtol=1e-4, atol=1e-5)
    first = TORCH.get_weights(TORCH.build_model(config.model, shape, seed=3))
    for a, b in zip(TORCH.get_weights(tm), TF.get_weights(km), strict=True):
        assert np.abs(a - b).max() < 1e-4                     # moving statistics included
    assert max(np.abs(a - w).max() for a, w in zip(TORCH.get_weights(tm), first)) > 1e-3, "the weights moved"
