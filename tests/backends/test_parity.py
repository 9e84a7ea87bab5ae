"""The same spec in both frameworks, with the same weights, computes the same thing.

Both frameworks share this process: torch and torch._dynamo are imported first (conftest).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tensorflow")

from dlcourse.backends import get_backend  # noqa: E402
from dlcourse.config import validate_config  # noqa: E402

TORCH, TF = get_backend("torch"), get_backend("tensorflow")


def _config(optimizer):
    return validate_config({
        "name": "parity", "task": "classification", "data": {"dataset": "digits"},
        "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 32, "activation": "relu"},
                             {"type": "dense", "units": 10}]},
        "optimizer": optimizer, "training": {"batch_size": 32},
    })


def _pair(config):
    tm = TORCH.build_model(config.model, (8, 8), seed=1)
    km = TF.build_model(config.model, (8, 8), seed=2)
    TF.set_weights(km, TORCH.get_weights(tm))
    return tm, km


def _batches(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((32, 8, 8)).astype(np.float32), rng.integers(0, 10, 32)) for _ in range(n)]


def test_same_weights_same_outputs():
    tm, km = _pair(_config({"name": "sgd"}))
    x = np.random.default_rng(5).standard_normal((100, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(TORCH.predict(tm, x), TF.predict(km, x), rtol=0, atol=1e-5)


@pytest.mark.parametrize("optimizer", [
    {"name": "sgd", "lr": 0.01, "momentum": 0.9},
    {"name": "adam", "lr": 0.001, "eps": 1e-8},
    {"name": "rmsprop", "lr": 0.001, "rho": 0.9, "eps": 1e-8},
    {"name": "rmsprop", "lr": 0.001, "rho": 0.9, "eps": 1e-8, "momentum": 0.9},
], ids=["sgd-momentum", "adam", "rmsprop", "rmsprop-momentum"])
def test_five_steps_same_weights(optimizer):
    config = _config(optimizer)
    tm, km = _pair(config)
    batches = _batches()
    t_losses = TORCH.train_on_batches(tm, config, batches)
    k_losses = TF.train_on_batches(km, config, batches)
    np.testing.assert_allclose(t_losses, k_losses, rtol=1e-4, atol=1e-5)
    for a, b in zip(TORCH.get_weights(tm), TF.get_weights(km)):
        assert np.abs(a - b).max() < 1e-4
    # and the weights did move
    assert np.abs(TORCH.get_weights(tm)[0] - _pair(config)[0].state_dict()["1.weight"].numpy().T).max() > 1e-4


@pytest.mark.parametrize("init", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"])
def test_same_seed_same_initial_weights_without_copying(init):
    config = _config({"name": "sgd"})
    config.model.init = init
    t = TORCH.get_weights(TORCH.build_model(config.model, (8, 8), seed=4))
    k = TF.get_weights(TF.build_model(config.model, (8, 8), seed=4))
    for a, b in zip(t, k):
        np.testing.assert_array_equal(a, b)
    other = TORCH.get_weights(TORCH.build_model(config.model, (8, 8), seed=5))
    assert not np.array_equal(t[0], other[0])
    fan_in, fan_out = t[0].shape
    std = {"glorot_uniform": np.sqrt(2 / (fan_in + fan_out)), "glorot_normal": np.sqrt(2 / (fan_in + fan_out)),
           "he_uniform": np.sqrt(2 / fan_in), "he_normal": np.sqrt(2 / fan_in)}[init]
    assert abs(t[0].std() / std - 1) < 0.1          # the law's standard deviation
