"""Per-epoch metric objects of both backends agree with scikit-learn on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.evaluation.metrics import classification_metrics, regression_metrics

# (y_true, y_pred, n_classes, hand-computed values checked on top of scikit-learn's)
CASES = {
    "all-correct": ([0, 1, 2, 1, 0, 2], [0, 1, 2, 1, 0, 2], 3, {"accuracy": 1.0, "f1_macro": 1.0}),
    "all-wrong": ([0, 0, 1, 1], [1, 1, 0, 0], 2, {"accuracy": 0.0, "precision_macro": 0.0, "f1_weighted": 0.0}),
    # class 2 is never predicted: its precision is 0/0 -> 0; precision_macro = (1 + 1/3 + 0) / 3
    "class-missing-from-predictions": ([0, 1, 2, 2], [0, 1, 1, 1], 3,
                                       {"accuracy": 0.5, "precision_macro": 4 / 9, "recall_macro": 2 / 3}),
    # class 3 exists in the model (4 outputs) but neither in labels nor predictions: left out of the macro average
    "class-absent-everywhere": ([0, 1, 2, 0, 1], [0, 1, 1, 0, 2], 4, {"accuracy": 0.6, "recall_macro": 0.5}),
    "binary": ([0, 1, 1, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 1, 1, 0], 2, {"accuracy": 0.75}),
}


def _logits(pred: list[int], k: int, seed: int = 0) -> np.ndarray:
    """``(n, k)`` float32 logits whose arg-max is ``pred`` (random values elsewhere)."""
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(len(pred), k)).astype(np.float32)
    out[np.arange(len(pred)), pred] = out.max(axis=1) + 1.0
    return out


def _random_case(n=257, k=5, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    return y, pred


def _torch_values(task, n_out, outputs, y, batch=3):
    import torch

    from dlcourse.backends.torch.metrics import EpochMetrics

    m = EpochMetrics(task, n_out)
    for i in range(0, len(y), batch):
        m.update(torch.as_tensor(outputs[i:i + batch]), torch.as_tensor(y[i:i + batch]))
    return m, m.compute()


def _keras_values(task, n_out, outputs, y, batch=3):
    from dlcourse.backends.tensorflow.metrics import keras_metrics

    metrics = keras_metrics(task, n_out)
    for metric in metrics:
        for i in range(0, len(y), batch):
            metric.update_state(y[i:i + batch], outputs[i:i + batch])
    return metrics, _results(metrics)


def _results(metrics) -> dict[str, float]:
    """``{name: value}`` of Keras metrics; a metric whose result is a dict gives several entries (as in fit's logs)."""
    out = {}
    for metric in metrics:
        result = metric.result()
        if isinstance(result, dict):
            out.update({k: float(v) for k, v in result.items()})
        else:
            out[metric.name] = float(result)
    return out


def _frameworks():
    return [pytest.param(_torch_values, id="torch"), pytest.param(_keras_values, id="tensorflow")]


@pytest.mark.parametrize("values", _frameworks())
@pytest.mark.parametrize("case", list(CASES))
def test_classification_matches_sklearn(values, case):
    pytest.importorskip("torch" if values is _torch_values else "keras")
    y_true, y_pred, k, hand = CASES[case]
    y = np.asarray(y_true, np.int64)
    _, got = values("classification", k, _logits(y_pred, k), y)
    expected = classification_metrics(y, np.asarray(y_pred))
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key
    for key, value in hand.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key


@pytest.mark.parametrize("values", _frameworks())
def test_classification_random_batches_and_reset(values):
    pytest.importorskip("torch" if values is _torch_values else "keras")
    y, pred = _random_case()
    logits = _logits(list(pred), 5)
    obj, got = values("classification", 5, logits, y, batch=32)
    expected = classification_metrics(y, pred)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key
    # reset: the next epoch starts from zero
    if values is _torch_values:
        obj.reset()
        assert obj.compute() == {}
        obj.update(logits[:10], y[:10])
        again = obj.compute()
    else:
        for metric in obj:
            metric.reset_state()
            metric.update_state(y[:10], logits[:10])
        again = _results(obj)
    first10 = classification_metrics(y[:10], pred[:10])
    assert again["f1_macro"] == pytest.approx(first10["f1_macro"], abs=1e-6)


@pytest.mark.parametrize("values", _frameworks())
@pytest.mark.parametrize("k", [1, 3])
def test_regression_matches_sklearn(values, k):
    pytest.importorskip("torch" if values is _torch_values else "keras")
    rng = np.random.default_rng(k)
    y = rng.normal(size=(101, k)).astype(np.float32)
    out = (y + 0.3 * rng.normal(size=y.shape)).astype(np.float32)
    _, got = values("regression", k, out, y, batch=16)
    expected = regression_metrics(y, out)
    assert set(got) == set(expected) == {"mse", "rmse", "mae", "r2"}
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key


def test_regression_perfect_prediction_hand_values():
    pytest.importorskip("torch")
    y = np.array([[1.0], [2.0], [4.0]], np.float32)
    _, got = _torch_values("regression", 1, y.copy(), y)
    assert got == pytest.approx({"mse": 0.0, "rmse": 0.0, "mae": 0.0, "r2": 1.0})
    # all predictions off by 2: mse 4, mae 2
    _, got = _torch_values("regression", 1, y + 2, y)
    assert got["mse"] == pytest.approx(4.0) and got["mae"] == pytest.approx(2.0) and got["rmse"] == pytest.approx(2.0)


@pytest.mark.slow
def test_keras_fit_logs_match_sklearn_on_validation():
    """Compiled into ``fit``, the val_* logs equal scikit-learn's metrics on the model's own predictions."""
    keras = pytest.importorskip("keras")
    from dlcourse.backends.tensorflow.metrics import keras_metrics

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5).astype(np.int64)     # 3 classes
    xv, yv = x[:90], y[:90]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=keras_metrics("classification", 3))
    hist = model.fit(x, y, epochs=2, batch_size=32, validation_data=(xv, yv), verbose=0).history
    pred = np.asarray(model(xv, training=False)).argmax(axis=1)
    expected = classification_metrics(yv, pred)
    for key, value in expected.items():
        assert hist[f"val_{key}"][-1] == pytest.approx(value, abs=1e-5), key
        assert key in hist


def test_torch_loop_style_epoch_matches_sklearn():
    """Used as a training loop would (update per batch while training), the epoch values equal scikit-learn's."""
    torch = pytest.importorskip("torch")
    from dlcourse.backends.torch.metrics import EpochMetrics

    torch.manual_seed(0)
    x = torch.randn(200, 4)
    y = (x[:, 0] + x[:, 1] > 0).long()
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    metrics = EpochMetrics("classification", 2)
    preds = []
    for i in range(0, 200, 32):
        out = model(x[i:i + 32])
        loss = torch.nn.functional.cross_entropy(out, y[i:i + 32])
        opt.zero_grad()
        loss.backward()
        opt.step()
        metrics.update(out.detach(), y[i:i + 32])
        preds.append(out.detach().argmax(1))
    got = metrics.compute()
    expected = classification_metrics(y.numpy(), torch.cat(preds).numpy())
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key


@pytest.mark.slow
def test_keras_model_saved_after_drop_custom_metrics_loads_in_plain_keras(tmp_path, cli):
    keras = pytest.importorskip("keras")
    import subprocess
    import sys

    from dlcourse.backends.tensorflow.metrics import drop_custom_metrics, keras_metrics

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=keras_metrics("classification", 3))
    model.fit(np.zeros((8, 4), np.float32), np.zeros(8, np.int64), verbose=0)
    drop_custom_metrics(model)
    assert [m.name for m in model._compile_config.config["metrics"]] == ["accuracy"]
    model.save(tmp_path / "m.keras")
    code = f"import keras; m = keras.saving.load_model({str(tmp_path / 'm.keras')!r}); print(m.compiled)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("True")
