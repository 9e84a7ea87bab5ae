"""Final metrics computed with scikit-learn, the single source of truth for evaluation."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """``(n, k)`` logits -> ``(n, k)`` probabilities (numerically stable)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``y_true, y_pred: (n,)`` int class indices -> accuracy, macro and weighted precision/recall/F1."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    out = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for avg in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=0)
        out.update({f"precision_{avg}": float(p), f"recall_{avg}": float(r), f"f1_{avg}": float(f)})
    return out


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``y_true, y_pred: (n, k)`` or ``(n,)`` float -> MSE, RMSE, MAE, R²."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(y_true, np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, np.float64).reshape(len(y_pred), -1)
    mse = float(mean_squared_error(y_true, y_pred))
    return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(mean_absolute_error(y_true, y_pred)),
            "r2": float(r2_score(y_true, y_pred))}


def final_metrics(task: str, y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Metrics from the model's raw outputs (logits ``(n, k)`` or values ``(n, k)``)."""
    if task == "classification":
        return classification_metrics(np.asarray(y_true), outputs.argmax(axis=1))
    return regression_metrics(y_true, outputs)
