"""Chapter 7's techniques mean the same computation in both frameworks: the step engines, started from
the same weights, take the same steps with penalties, decoupled weight decay, label smoothing,
clipping, frozen layers, discriminative rates and the schedules.

Dropout is left out here: its random masks are each framework's own (its effect is measured by
``dlcourse experiment regularization``).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tensorflow")

from dlcourse.backends import get_backend  # noqa: E402
from dlcourse.config import validate_config  # noqa: E402

TORCH, TF = get_backend("torch"), get_backend("tensorflow")


def _config(optimizer: dict, training: dict | None = None, first: dict | None = None, bn: dict | None = None):
    layers = [{"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu", **(first or {})},
              {"type": "batch_norm", "momentum": 0.9, **(bn or {})},
              {"type": "flatten"},
              {"type": "dense", "units": 16, "activation": "tanh"},
              {"type": "dense", "units": 10}]
    return validate_config({
        "name": "parity", "task": "classification", "data": {"dataset": "digits"},
        "model": {"layers": layers}, "optimizer": optimizer,
        "training": {"batch_size": 16, "epochs": 2, "shuffle": False, **(training or {})},
        "runtime": {"threads": 1},
    })


def _train(config, steps: int = 6):
    """Both engines from the same weights on the same rows; returns per framework ``(losses, weights, start)``."""
    rng = np.random.default_rng(3)
    x = rng.random((16 * steps, 8, 8), dtype=np.float32)
    y = rng.integers(0, 10, 16 * steps)
    start = TORCH.get_weights(TORCH.build_model(config.model, (8, 8), seed=1))
    out = {}
    for name, backend in (("torch", TORCH), ("tensorflow", TF)):
        model = backend.build_model(config.model, (8, 8), seed=9)
        backend.set_weights(model, start)
        engine = backend.make_engine(model, config, x, y)
        done, losses, _ = engine.run(np.arange(len(x)))
        assert done == steps
        out[name] = (np.asarray(losses), backend.get_weights(model))
    return out, start


CASES = {
    "l1-l2": ({"name": "sgd", "lr": 0.05, "momentum": 0.9}, {}, {"l1": 0.01, "l2": 0.05}),
    "adamw": ({"name": "adamw", "lr": 0.01, "weight_decay": 0.1}, {}, {}),
    "label-smoothing": ({"name": "sgd", "lr": 0.2, "momentum": 0.9}, {"label_smoothing": 0.2}, {}),
    "clip-norm": ({"name": "sgd", "lr": 0.5}, {"clip_norm": 0.05}, {}),
    "clip-value": ({"name": "sgd", "lr": 0.5, "momentum": 0.5}, {"clip_value": 0.002}, {}),
    "one-cycle": ({"name": "adam", "lr": 0.02}, {"schedule": {"name": "one_cycle", "pct_start": 0.3}}, {}),
    "lr-scale": ({"name": "adam", "lr": 0.01}, {}, {"lr_scale": 0.1}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_steps_in_both_frameworks(case):
    optimizer, training, first = CASES[case]
    out, start = _train(_config(optimizer, training, first))
    (t_losses, t_w), (k_losses, k_w) = out["torch"], out["tensorflow"]
    np.testing.assert_allclose(t_losses, k_losses, rtol=1e-4, atol=1e-5)
    for a, b in zip(t_w, k_w):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-4)
    assert np.abs(t_w[0] - start[0]).max() > 1e-3, "the first layer's kernel moved"


def test_frozen_layers_do_not_move_and_frozen_batch_norm_keeps_its_statistics():
    config = _config({"name": "sgd", "lr": 0.2, "momentum": 0.9}, first={"trainable": False}, bn={"trainable": False})
    out, start = _train(config)
    (t_losses, t_w), (k_losses, k_w) = out["torch"], out["tensorflow"]
    np.testing.assert_allclose(t_losses, k_losses, rtol=1e-4, atol=1e-5)
    for i in range(6):                                       # conv kernel, bias; BN gamma, beta, moving mean/var
        np.testing.assert_array_equal(t_w[i], start[i])
        np.testing.assert_array_equal(k_w[i], start[i])
    for a, b, s in zip(t_w[6:], k_w[6:], start[6:]):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-4)
        assert np.abs(a - s).max() > 1e-4                    # the head trained


def test_keras_l2_equals_pytorch_sgd_weight_decay_twice_as_large():
    """``L2(l)`` on the loss adds ``2·l·w`` to the gradient: PyTorch's coupled ``SGD(weight_decay=2·l)``."""
    import torch

    l2 = 0.05
    config = validate_config({
        "name": "l2", "task": "classification", "data": {"dataset": "digits"},
        "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "tanh", "l2": l2},
                             {"type": "dense", "units": 10, "l2": l2}]},
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9}, "training": {"batch_size": 16},
    })
    rng = np.random.default_rng(0)
    batches = [(rng.random((16, 8, 8), dtype=np.float32), rng.integers(0, 10, 16)) for _ in range(5)]
    plain = config.model_copy(deep=True)
    for layer in plain.model.layers[1:]:
        layer.l2 = 0.0
    tm = TORCH.build_model(plain.model, (8, 8), seed=0)
    kernels = [m.weight for m in tm if isinstance(m, torch.nn.Linear)]
    others = [p for p in tm.parameters() if all(p is not k for k in kernels)]
    opt = torch.optim.SGD([{"params": kernels, "weight_decay": 2 * l2}, {"params": others, "weight_decay": 0.0}],
                          lr=0.1, momentum=0.9)
    for xb, yb in batches:
        loss = torch.nn.functional.cross_entropy(tm(torch.as_tensor(xb)), torch.as_tensor(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
    km = TF.build_model(config.model, (8, 8), seed=0)
    TF.train_on_batches(km, config, batches)                  # Keras' own train_on_batch with L2(l)
    for a, b in zip(TORCH.get_weights(tm), TF.get_weights(km)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
