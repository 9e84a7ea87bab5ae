"""The one set of metric functions (epochs and final evaluation) agrees with scikit-learn, and both frameworks' epoch logs use it."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.evaluation.metrics import classification_metrics, epoch_metrics, final_metrics, loss_value, regression_metrics

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


def _sklearn(y, pred) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    out = {"accuracy": accuracy_score(y, pred)}
    for avg in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y, pred, average=avg, zero_division=0)
        out.update({f"precision_{avg}": p, f"recall_{avg}": r, f"f1_{avg}": f})
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_classification_matches_sklearn_and_hand_values(case):
    y_true, y_pred, k, hand = CASES[case]
    got = classification_metrics(np.asarray(y_true), np.asarray(y_pred))
    expected = _sklearn(y_true, y_pred)
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key
    for key, value in hand.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key
    # from logits, as the final evaluation reads a model's outputs
    assert final_metrics("classification", np.asarray(y_true), _logits(y_pred, k)) == got


@pytest.mark.parametrize("seed", range(5))
def test_classification_random_cases_match_sklearn(seed):
    y, pred = _random_case(n=50 + 97 * seed, k=2 + seed, seed=seed)
    got, expected = classification_metrics(y, pred), _sklearn(y, pred)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key


@pytest.mark.parametrize("k", [1, 3])
def test_regression_matches_sklearn(k):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    rng = np.random.default_rng(k)
    y = rng.normal(size=(101, k)).astype(np.float32)
    out = (y + 0.3 * rng.normal(size=y.shape)).astype(np.float32)
    got = epoch_metrics("regression", y, out)
    assert got["mse"] == pytest.approx(mean_squared_error(y, out)) and got["r2"] == pytest.approx(r2_score(y, out))
    assert got["mae"] == pytest.approx(mean_absolute_error(y, out)) and got["rmse"] == pytest.approx(np.sqrt(got["mse"]))


def test_regression_perfect_prediction_hand_values():
    y = np.array([[1.0], [2.0], [4.0]], np.float32)
    assert regression_metrics(y, y.copy()) == pytest.approx({"mse": 0.0, "rmse": 0.0, "mae": 0.0, "r2": 1.0})
    got = regression_metrics(y, y + 2)                  # all predictions off by 2: mse 4, mae 2
    assert got["mse"] == pytest.approx(4.0) and got["mae"] == pytest.approx(2.0) and got["rmse"] == pytest.approx(2.0)


def test_loss_value_matches_each_frameworks_loss():
    """The validation loss the loop computes in NumPy equals PyTorch's and Keras' own losses."""
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(64, 5)).astype(np.float32)
    y = rng.integers(0, 5, 64)
    values, targets = rng.normal(size=(64, 2)).astype(np.float32), rng.normal(size=(64, 2)).astype(np.float32)
    # by hand: -log softmax of the true class, averaged
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert loss_value("classification", y, logits) == pytest.approx(-np.log(p[np.arange(64), y]).mean(), rel=1e-12)
    assert loss_value("regression", targets, values) == pytest.approx(((values - targets) ** 2).mean(), rel=1e-6)
    torch = pytest.importorskip("torch")
    ce = torch.nn.functional.cross_entropy(torch.as_tensor(logits), torch.as_tensor(y))
    assert loss_value("classification", y, logits) == pytest.approx(float(ce), rel=1e-6)
    mse = torch.nn.functional.mse_loss(torch.as_tensor(values), torch.as_tensor(targets))
    assert loss_value("regression", targets, values) == pytest.approx(float(mse), rel=1e-6)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_epoch_logs_are_the_final_metrics_of_the_same_predictions(framework, task):
    """Validation logs of the shared loop, in either framework, equal the final metrics of the model's predictions."""
    from dlcourse.backends import get_backend
    from dlcourse.config import validate_config
    from dlcourse.data.dataset import Splits
    from dlcourse.training.loop import fit

    backend = get_backend(framework)
    config = validate_config({
        "name": "m", "task": task, "seed": 1, "data": {"dataset": "digits" if task == "classification" else "linear"},
        "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                             {"type": "dense", "units": 3 if task == "classification" else 1}]},
        "optimizer": {"name": "adam", "lr": 0.01}, "training": {"epochs": 2, "batch_size": 16}})
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, :3].argmax(1) if task == "classification" else x[:, :1] * 2).astype(
        np.int64 if task == "classification" else np.float32)
    backend.setup_runtime(1, 1, True)
    model = backend.build_model(config.model, (6,), seed=1)
    history = fit(backend, model, config, Splits(x[:80], y[:80], x[80:], y[80:], x[:0], y[:0]))
    out = backend.predict(model, x[80:])
    expected = final_metrics(task, y[80:], out)
    for key, value in expected.items():
        assert history[-1][f"val_{key}"] == pytest.approx(value, abs=1e-9), key
    assert history[-1]["val_loss"] == pytest.approx(loss_value(task, y[80:], out), rel=1e-9)
