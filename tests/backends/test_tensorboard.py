"""The shared loop writes TensorBoard scalars that TensorBoard's own reader loads, under Keras' tags, for every backend."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.evaluation.tensorboard import has_graph, read_scalars

pytest.importorskip("tensorboard")


def test_epoch_writer_scalars_in_the_keras_layout(tmp_path):
    from dlcourse.training.tensorboard import EpochWriter

    history = [{"epoch": e, "loss": 1.0 / e, "accuracy": 0.5 + 0.1 * e, "val_loss": 1.5 / e,
                "val_accuracy": 0.4 + 0.1 * e, "seconds": 0.2} for e in (1, 2, 3)]
    tb = EpochWriter(tmp_path / "tb")
    for row in history:
        tb.log_epoch(row["epoch"], row)
    tb.close()
    scalars = read_scalars(tmp_path / "tb")
    assert set(scalars) == {"train", "validation"}
    assert set(scalars["train"]) == {"epoch_loss", "epoch_accuracy"}
    assert [s for s, _ in scalars["train"]["epoch_loss"]] == [0, 1, 2]
    assert [v for _, v in scalars["validation"]["epoch_accuracy"]] == pytest.approx([r["val_accuracy"] for r in history])
    assert [v for _, v in scalars["train"]["epoch_loss"]] == pytest.approx([r["loss"] for r in history])
    assert not has_graph(tmp_path / "tb")


def test_read_scalars_of_empty_folder(tmp_path):
    assert read_scalars(tmp_path) == {}
    assert not has_graph(tmp_path)


@pytest.mark.slow
def test_training_writes_history_and_graph(framework, tmp_path):
    """Through the loop, each framework's run gets the history's values as scalars, and its engine's graph."""
    from dlcourse.backends import get_backend
    from dlcourse.config import validate_config
    from dlcourse.data.dataset import Splits
    from dlcourse.training.control import TrainingControl
    from dlcourse.training.loop import fit

    backend = get_backend(framework)
    config = validate_config({"name": "tb", "task": "regression", "data": {"dataset": "linear"},
                              "model": {"layers": [{"type": "dense", "units": 1}]},
                              "optimizer": {"name": "sgd", "lr": 0.05}, "training": {"epochs": 3, "batch_size": 16}})
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1)).astype(np.float32)
    y = (3 * x + 0.1 * rng.normal(size=x.shape)).astype(np.float32)
    control = TrainingControl()
    control.tensorboard = tmp_path / "tb"
    model = backend.build_model(config.model, (1,), seed=0)
    history = fit(backend, model, config, Splits(x[:48], y[:48], x[48:], y[48:], x[:0], y[:0]), control=control)
    scalars = read_scalars(tmp_path / "tb")
    assert {"epoch_loss", "epoch_mse", "epoch_rmse", "epoch_mae", "epoch_r2"} <= set(scalars["train"])
    assert [s for s, _ in scalars["train"]["epoch_loss"]] == [0, 1, 2]
    assert [v for _, v in scalars["train"]["epoch_mae"]] == pytest.approx([h["mae"] for h in history], rel=1e-6)
    assert [v for _, v in scalars["validation"]["epoch_r2"]] == pytest.approx([h["val_r2"] for h in history], rel=1e-6)
    assert "epoch_seconds" not in scalars["train"]
    assert has_graph(tmp_path / "tb")
