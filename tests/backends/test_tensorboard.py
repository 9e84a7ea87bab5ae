"""Both backends write TensorBoard scalars that TensorBoard's own event reader loads, under the same tags."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.evaluation.tensorboard import has_graph, read_scalars

# This file holds both frameworks in one process. TensorFlow is loaded before the
# PyTorch writer: the writer then uses TensorFlow for its file I/O instead of
# TensorBoard's stub, which TensorFlow's own summaries could not use afterwards.
try:
    import dlcourse.backends.tensorflow  # noqa: F401  (torch and torch._dynamo come first: conftest)
except ImportError:
    pass


def test_torch_logger_scalars_and_graph(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    from dlcourse.backends.torch.tensorboard import TensorBoardLogger

    history = [{"epoch": e, "loss": 1.0 / e, "accuracy": 0.5 + 0.1 * e, "val_loss": 1.5 / e,
                "val_accuracy": 0.4 + 0.1 * e, "seconds": 0.2} for e in (1, 2, 3)]
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    with TensorBoardLogger(tmp_path / "tb") as tb:
        tb.log_graph(model, np.zeros((1, 2, 2), np.float32))
        for row in history:
            tb.log_epoch(row["epoch"], row)
    scalars = read_scalars(tmp_path / "tb")
    assert set(scalars) == {"train", "validation"}
    assert set(scalars["train"]) == {"epoch_loss", "epoch_accuracy"}
    assert [s for s, _ in scalars["train"]["epoch_loss"]] == [0, 1, 2]
    assert [v for _, v in scalars["validation"]["epoch_accuracy"]] == pytest.approx([r["val_accuracy"] for r in history])
    assert [v for _, v in scalars["train"]["epoch_loss"]] == pytest.approx([r["loss"] for r in history])
    assert has_graph(tmp_path / "tb")


@pytest.mark.slow
def test_keras_callback_scalars_match_history(tmp_path):
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorboard")
    from dlcourse.backends.tensorflow.metrics import keras_metrics
    from dlcourse.backends.tensorflow.tensorboard import tensorboard_callback

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1)).astype(np.float32)
    y = (3 * x + 0.1 * rng.normal(size=x.shape)).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=keras_metrics("regression", 1))
    hist = model.fit(x, y, epochs=3, batch_size=16, validation_data=(x[:16], y[:16]), verbose=0,
                     callbacks=[tensorboard_callback(tmp_path / "tb")]).history
    scalars = read_scalars(tmp_path / "tb")
    assert {"epoch_loss", "epoch_mse", "epoch_rmse", "epoch_mae", "epoch_r2"} <= set(scalars["train"])
    assert [s for s, _ in scalars["train"]["epoch_loss"]] == [0, 1, 2]
    assert [v for _, v in scalars["train"]["epoch_mae"]] == pytest.approx(hist["mae"], rel=1e-5)
    assert [v for _, v in scalars["validation"]["epoch_r2"]] == pytest.approx(hist["val_r2"], rel=1e-5)


def test_read_scalars_of_empty_folder(tmp_path):
    pytest.importorskip("tensorboard")
    assert read_scalars(tmp_path) == {}
    assert not has_graph(tmp_path)


def test_keras_compiled_loop_writes_the_callback_layout(tmp_path):
    pytest.importorskip("tensorboard")
    tf = pytest.importorskip("tensorflow")
    from dlcourse.backends.tensorflow.tensorboard import TensorBoardLogger

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def double(x):
        return 2.0 * x

    tb = TensorBoardLogger(tmp_path / "tb")
    tb.log_graph(double, tf.TensorSpec([None], tf.float32))
    tb.log_epoch(1, {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.6, "seconds": 1.0})
    tb.log_epoch(2, {"epoch": 2, "loss": 0.25, "accuracy": 0.9, "val_loss": 0.4, "seconds": 1.0})
    tb.close()
    scalars = read_scalars(tmp_path / "tb")
    assert scalars["train"]["epoch_loss"] == [(0, 0.5), (1, 0.25)]
    assert [v for _, v in scalars["train"]["epoch_accuracy"]] == pytest.approx([0.8, 0.9])
    assert scalars["validation"]["epoch_loss"] == [(0, pytest.approx(0.6)), (1, pytest.approx(0.4))]
    assert "epoch_seconds" not in scalars["train"]
    assert has_graph(tmp_path / "tb")
