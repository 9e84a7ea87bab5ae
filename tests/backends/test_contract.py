"""One contract that every backend passes: its typed interface, build, train, predict, save, reload."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from dlcourse.backends import get_backend
from dlcourse.backends.contract import BACKEND_FUNCTIONS, ENGINE_METHODS, Backend, StepEngine
from dlcourse.config import validate_config
from dlcourse.data.dataset import Splits
from dlcourse.training.loop import fit
from dlcourse.training.progress import Reporter


def _parameters(function) -> list[str]:
    return [p for p in inspect.signature(function).parameters if p != "self"]


def test_backend_satisfies_the_typed_contract(framework):
    """Every function of the Protocol exists with the Protocol's parameter names, and so does the engine."""
    backend = get_backend(framework)
    assert isinstance(backend, Backend) and backend.NAME == framework
    for name in BACKEND_FUNCTIONS:
        assert _parameters(getattr(backend, name)) == _parameters(getattr(Backend, name)), name
    config = _config()
    model = backend.build_model(config.model, (4, 3), seed=0)
    x, y = np.zeros((8, 4, 3), np.float32), np.zeros(8, np.int64)
    engine = backend.make_engine(model, config, x, y)
    assert isinstance(engine, StepEngine) and engine.suffix.startswith(".")
    for name in ENGINE_METHODS:
        assert _parameters(getattr(engine, name)) == _parameters(getattr(StepEngine, name)), name
    done, losses, outputs = engine.run(np.arange(8))
    assert done == 1 and losses.shape == (1,) and losses.dtype == np.float32
    assert outputs.shape == (8, 3) and outputs.dtype == np.float32


def _config(task="classification", optimizer=None, epochs=2):
    out_units = 3 if task == "classification" else 1
    return validate_config({
        "name": "contract", "task": task, "seed": 3,
        "data": {"dataset": "digits" if task == "classification" else "linear"},
        "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "relu"},
                             {"type": "dropout", "rate": 0.1}, {"type": "dense", "units": out_units}]},
        "optimizer": optimizer or {"name": "adam", "lr": 0.01},
        "training": {"epochs": epochs, "batch_size": 16},
    })


def _splits(task, n=96, shape=(4, 3)):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, *shape)).astype(np.float32)
    if task == "classification":
        y = (x.reshape(n, -1)[:, :3].argmax(axis=1)).astype(np.int64)
    else:
        y = x.reshape(n, -1)[:, :1].astype(np.float32) * 2.0
    return Splits(x[:64], y[:64], x[64:80], y[64:80], x[80:], y[80:])


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_backend_contract(framework, task, tmp_path):
    backend = get_backend(framework)
    config = _config(task)
    backend.setup_runtime(config.seed, 1, True)
    splits = _splits(task)
    model = backend.build_model(config.model, (4, 3), seed=config.seed)
    before = backend.predict(model, splits.x_test)
    assert before.shape == (16, 3 if task == "classification" else 1) and before.dtype == np.float32

    history = fit(backend, model, config, splits, Reporter())
    assert [h["epoch"] for h in history] == [1, 2]
    metric = "accuracy" if task == "classification" else "mae"
    for key in ("loss", metric, "val_loss", f"val_{metric}", "seconds"):
        assert np.isfinite(history[-1][key]), key
    after = backend.predict(model, splits.x_test)
    assert not np.allclose(before, after), "training changed nothing"

    backend.save_model(model, tmp_path)
    reloaded = backend.load_model(tmp_path, config, (4, 3))
    np.testing.assert_allclose(backend.predict(reloaded, splits.x_test), after, rtol=0, atol=1e-6)


def test_weights_roundtrip_and_param_count(framework):
    backend = get_backend(framework)
    config = _config()
    model = backend.build_model(config.model, (4, 3), seed=0)
    weights = backend.get_weights(model)
    assert [w.shape for w in weights] == [(12, 16), (16,), (16, 3), (3,)]
    assert all(np.all(w == 0) for w in weights[1::2]), "biases start at zero in both frameworks"
    limit = np.sqrt(6 / (12 + 16))                    # glorot_uniform bound of the first kernel
    assert np.abs(weights[0]).max() <= limit
    new = [np.full_like(w, 0.01 * (i + 1)) for i, w in enumerate(weights)]
    backend.set_weights(model, new)
    for a, b in zip(backend.get_weights(model), new):
        np.testing.assert_array_equal(a, b)
    assert backend.count_params(model) == 12 * 16 + 16 + 16 * 3 + 3
    table = backend.layer_table(model)
    assert len(table) == len(config.model.layers), "one row per spec layer"
    assert [r["params"] for r in table] == [t.params for t in config.model.trace((4, 3))]


def test_divergence_stops_with_one_sentence(framework):
    from dlcourse.errors import TrainingDiverged

    backend = get_backend(framework)
    config = _config("regression", {"name": "sgd", "lr": 1e6}, epochs=3)
    splits = _splits("regression")
    splits.y_train = splits.y_train * 1e6
    model = backend.build_model(config.model, (4, 3), seed=0)
    with pytest.raises(TrainingDiverged, match=r"at epoch \d+, step \d+ \(learning rate 1000000.0\)"):
        fit(backend, model, config, splits, Reporter())
