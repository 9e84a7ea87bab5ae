"""Final metrics computed with scikit-learn, the single source of truth for evaluation."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """``(n, k)`` logits -> ``(n, k)`` probabilities (numerically stable)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, k: int | None = None) -> np.ndarray:
    """``(k, k)`` int64 counts, rows = true class, columns = predicted class (one NumPy ``bincount``)."""
    y_true, y_pred = np.asarray(y_true, np.int64).ravel(), np.asarray(y_pred, np.int64).ravel()
    k = int(k if k is not None else max(int(y_true.max(initial=0)), int(y_pred.max(initial=0))) + 1)
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros(len(num), np.float64), where=den > 0)


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``y_true, y_pred: (n,)`` int class indices -> accuracy, macro and weighted precision/recall/F1.

    Computed from one confusion matrix, with scikit-learn's definitions (``precision_recall_fscore_support``
    with ``zero_division=0``; macro averages over the classes present in ``y_true`` or ``y_pred``;
    weighted by each class's support); ``tests/backends/test_metrics.py`` checks them against it.
    """
    counts = confusion_counts(y_true, y_pred).astype(np.float64)
    tp, support, predicted = np.diag(counts), counts.sum(axis=1), counts.sum(axis=0)
    present = (support + predicted) > 0
    precision, recall = _ratio(tp, predicted), _ratio(tp, support)
    f1 = _ratio(2 * tp, support + predicted)
    total = max(support.sum(), 1.0)
    out = {"accuracy": float(tp.sum() / total)}
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        out[f"{name}_macro"] = float(values[present].mean()) if present.any() else 0.0
        out[f"{name}_weighted"] = float((values * support).sum() / total) if support.sum() else 0.0
    return {k: out[k] for k in ("accuracy", "precision_macro", "recall_macro", "f1_macro",
                                "precision_weighted", "recall_weighted", "f1_weighted")}


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """``y_true, y_pred: (n, k)`` or ``(n,)`` float -> MSE, RMSE, MAE, R²."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(y_true, np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, np.float64).reshape(len(y_pred), -1)
    mse = float(mean_squared_error(y_true, y_pred))
    return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(mean_absolute_error(y_true, y_pred)),
            "r2": float(r2_score(y_true, y_pred))}


def epoch_metrics(task: str, y_true: np.ndarray, seen: np.ndarray) -> dict[str, float]:
    """The metrics of an epoch or a test: ``seen`` holds the predicted classes ``(n,)`` (classification)
    or the output values ``(n, k)`` (regression)."""
    if task == "classification":
        return classification_metrics(np.asarray(y_true), seen)
    return regression_metrics(y_true, seen)


def final_metrics(task: str, y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Metrics from the model's raw outputs (logits ``(n, k)`` or values ``(n, k)``)."""
    return epoch_metrics(task, y_true, outputs.argmax(axis=1) if task == "classification" else outputs)


def loss_value(task: str, y_true: np.ndarray, outputs: np.ndarray) -> float:
    """The training loss, in float64: mean cross-entropy of logits ``(n, k)`` against labels ``(n,)``,
    or mean squared error of values against targets ``(n, k)`` (both frameworks' ``mean`` reduction)."""
    outputs = np.asarray(outputs, np.float64)
    if len(outputs) == 0:
        return float("nan")
    if task == "classification":
        shifted = outputs - outputs.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(outputs)), np.asarray(y_true, np.int64)].mean())
    return float(np.mean((outputs - np.asarray(y_true, np.float64).reshape(outputs.shape)) ** 2))


def classification_report(y_true: np.ndarray, logits: np.ndarray, classes: list[str] | None = None) -> dict:
    """Full evaluation of a classifier (scikit-learn).

    Parameters
    ----------
    y_true: ``(n,)`` int class indices.
    logits: ``(n, k)`` float logits.
    classes: ``k`` class names (default ``"0".."k-1"``).

    Returns
    -------
    dict with ``summary`` (see :func:`classification_metrics`, plus ``log_loss``),
    ``per_class`` (``[{class, precision, recall, f1, support}]``), ``confusion_matrix``
    (``k x k`` list, rows = true class), ``roc_auc`` (one-vs-rest macro; ``None`` when a
    class is missing from ``y_true``), ``top_k_accuracy`` (``{"top_2": .., "top_3": ..}``).
    """
    from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support, roc_auc_score
    from sklearn.metrics import top_k_accuracy_score

    y_true = np.asarray(y_true).astype(np.int64)
    logits = np.asarray(logits, np.float64)
    k = logits.shape[1]
    classes = list(classes) if classes else [str(i) for i in range(k)]
    labels = list(range(k))
    probs = softmax(logits)
    y_pred = probs.argmax(axis=1)
    summary = classification_metrics(y_true, y_pred)
    summary["log_loss"] = float(log_loss(y_true, np.clip(probs, 1e-15, 1.0), labels=labels))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    per_class = [{"class": classes[i], "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                  "support": int(s[i])} for i in labels]
    roc_auc = None
    if len(np.unique(y_true)) == k and k >= 2:
        roc_auc = float(roc_auc_score(y_true, probs[:, 1]) if k == 2 else
                        roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=labels))
    top_k = {f"top_{t}": float(top_k_accuracy_score(y_true, probs, k=t, labels=labels))
             for t in (2, 3, 5) if t < k}
    return {"summary": summary, "per_class": per_class,
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "roc_auc": roc_auc, "top_k_accuracy": top_k}


def regression_report(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Full evaluation of a regressor: :func:`regression_metrics` and residual statistics.

    ``y_true, y_pred``: ``(n, k)`` or ``(n,)`` float. Residuals are ``y_pred - y_true``.
    Returns ``{"summary": {...}, "residuals": {mean, std, min, max, median_abs, p95_abs}}``.
    """
    y_true = np.asarray(y_true, np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, np.float64).reshape(len(y_pred), -1)
    res = (y_pred - y_true).ravel()
    return {"summary": regression_metrics(y_true, y_pred),
            "residuals": {"mean": float(res.mean()), "std": float(res.std()), "min": float(res.min()),
                          "max": float(res.max()), "median_abs": float(np.median(np.abs(res))),
                          "p95_abs": float(np.percentile(np.abs(res), 95))}}
