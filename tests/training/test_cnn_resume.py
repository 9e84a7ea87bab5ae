"""A convolutional network (conv, batch norm, pooling, dropout) interrupted mid-epoch and resumed ends where an
uninterrupted run ends: bit for bit in PyTorch on a CPU, within 1e-5 in Keras."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.config import validate_config
from dlcourse.data.splits import prepare_splits
from dlcourse.training.control import TrainingControl, TrainingInterrupted
from dlcourse.training.loop import fit
from dlcourse.training.progress import Reporter

pytestmark = pytest.mark.slow

CONFIG = {
    "name": "cnn-resume", "task": "classification", "seed": 2, "data": {"dataset": "digits"},
    "model": {"layers": [
        {"type": "conv2d", "filters": 6, "kernel_size": 3, "stride": 2, "padding": "same", "activation": "relu"},
        {"type": "batch_norm", "momentum": 0.9},
        {"type": "max_pool2d", "pool_size": 2},
        {"type": "dropout", "rate": 0.2},
        {"type": "flatten"},
        {"type": "dense", "units": 10}]},
    "optimizer": {"name": "adam", "lr": 0.01},
    "training": {"epochs": 3, "batch_size": 32},
    "runtime": {"threads": 1, "steps_per_execution": 4},     # Keras: several calls per epoch, so a stop lands mid-epoch
}


class _StopAt(Reporter):
    """Requests a stop once ``step`` steps of ``epoch`` are done."""

    def __init__(self, control: TrainingControl, epoch: int, step: int):
        self.control, self.at, self.epoch = control, (epoch, step), 0

    def epoch_start(self, epoch):
        self.epoch = epoch

    def step(self, done, loss=None):
        if (self.epoch, done) >= self.at:
            self.control.request_stop("test")


def _train(framework, config, splits, control, reporter=None):
    from dlcourse.backends import get_backend

    backend = get_backend(framework)
    backend.setup_runtime(config.seed, 1, True)
    model = backend.build_model(config.model, splits.x_train.shape[1:], seed=config.seed)
    history = fit(backend, model, config, splits, reporter or Reporter(), control)
    return backend.get_weights(model), history


def test_cnn_interrupted_mid_epoch_resumes_to_the_same_weights(framework, tmp_path):
    config = validate_config(CONFIG)
    _, splits, _ = prepare_splits(config.data, config.seed)
    reference, ref_history = _train(framework, config, splits, TrainingControl(tmp_path / "ref"))

    control = TrainingControl(tmp_path / "ck")
    with pytest.raises(TrainingInterrupted) as stop:
        _train(framework, config, splits, control, _StopAt(control, 2, 9))
    assert stop.value.epoch == 2 and 9 <= stop.value.step < 41, "stopped inside epoch 2"

    weights, history = _train(framework, config, splits, TrainingControl(tmp_path / "ck", resume=True))
    assert [h["epoch"] for h in history] == [1, 2, 3]
    for a, b in zip(reference, weights, strict=True):       # moving statistics of batch norm included
        if framework == "torch":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    for row, ref_row in zip(history, ref_history):
        assert row["val_accuracy"] == pytest.approx(ref_row["val_accuracy"], abs=1e-9)
        assert row["loss"] == pytest.approx(ref_row["loss"], rel=1e-5)
