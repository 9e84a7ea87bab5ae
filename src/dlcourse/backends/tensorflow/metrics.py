"""Per-epoch metrics for Keras ``fit``: a list of ``keras.metrics.Metric`` to pass to ``model.compile``.

The names give the same log keys as the PyTorch side
(:mod:`dlcourse.backends.torch.metrics`): ``accuracy``, ``precision_macro``,
``recall_macro``, ``f1_macro``, ``precision_weighted``, ``recall_weighted``,
``f1_weighted`` for classification; ``mse``, ``rmse``, ``mae``, ``r2`` for
regression (and ``val_<name>`` on the validation data).

Keras' own ``Precision``/``Recall``/``F1Score`` are binary or expect one-hot
labels and add an epsilon to each ratio; the macro and weighted scores here
are computed from a confusion matrix accumulated over the epoch, the way
scikit-learn does (classes absent from both labels and predictions are left
out of the macro average, 0/0 counts as 0).

Wiring::

    model.compile(optimizer=..., loss=..., metrics=keras_metrics(config.task, n_outputs))
"""

from __future__ import annotations

import keras
from keras import ops

CLASSIFICATION_KEYS = ("accuracy", "precision_macro", "recall_macro", "f1_macro",
                       "precision_weighted", "recall_weighted", "f1_weighted")
REGRESSION_KEYS = ("mse", "rmse", "mae", "r2")


def _safe_divide(num, den):
    return ops.where(den > 0, num / ops.maximum(den, 1e-12), ops.zeros_like(num))


@keras.saving.register_keras_serializable(package="dlcourse")
class ConfusionScore(keras.metrics.Metric):
    """Precision, recall or F1, macro- or weighted-averaged, from a confusion matrix kept over the epoch.

    ``update_state(y_true, y_pred)``: ``y_true (b,)`` or ``(b, 1)`` int labels,
    ``y_pred (b, k)`` logits or probabilities (the arg-max is the predicted class).
    """

    def __init__(self, score: str = "f1", average: str = "macro", num_classes: int = 2, name: str | None = None,
                 **kwargs):
        if score not in ("precision", "recall", "f1"):
            raise ValueError(f"score must be precision, recall or f1, got {score!r}")
        if average not in ("macro", "weighted"):
            raise ValueError(f"average must be macro or weighted, got {average!r}")
        super().__init__(name=name or f"{score}_{average}", **kwargs)
        self.score, self.average, self.num_classes = score, average, int(num_classes)
        self.matrix = self.add_variable(shape=(self.num_classes, self.num_classes), initializer="zeros",
                                        dtype="float32", name="confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        pred = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        true_1h = ops.one_hot(labels, self.num_classes, dtype="float32")   # (b, k)
        pred_1h = ops.one_hot(pred, self.num_classes, dtype="float32")     # (b, k)
        # row = true class, column = predicted class
        self.matrix.assign_add(ops.matmul(ops.transpose(true_1h), pred_1h))

    def result(self):
        cm = ops.convert_to_tensor(self.matrix)
        tp = ops.diagonal(cm)
        support = ops.sum(cm, axis=1)                                  # tp + fn
        predicted = ops.sum(cm, axis=0)                                # tp + fp
        precision = _safe_divide(tp, predicted)
        recall = _safe_divide(tp, support)
        f1 = _safe_divide(2.0 * tp, support + predicted)
        value = {"precision": precision, "recall": recall, "f1": f1}[self.score]
        if self.average == "weighted":
            weights = support
        else:
            weights = ops.cast((support + predicted) > 0, "float32")
        return _safe_divide(ops.sum(value * weights), ops.sum(weights))

    def reset_state(self):
        self.matrix.assign(ops.zeros_like(self.matrix))

    def get_config(self):
        return {**super().get_config(), "score": self.score, "average": self.average, "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="dlcourse")
class ConfusionScores(keras.metrics.Metric):
    """Precision, recall and F1, macro- and weighted-averaged, from ONE confusion matrix kept over the epoch.

    Same values as six :class:`ConfusionScore` objects, for a sixth of the work per step:
    ``result()`` returns a dict, which Keras spreads into the logs
    (``precision_macro``, ``recall_macro``, ``f1_macro``, ``precision_weighted``...).
    """

    def __init__(self, num_classes: int = 2, name: str = "confusion_scores", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = int(num_classes)
        self.matrix = self.add_variable(shape=(self.num_classes, self.num_classes), initializer="zeros",
                                        dtype="float32", name="confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")            # (b,)
        pred = ops.cast(ops.argmax(y_pred, axis=-1), "int32")             # (b,)
        k = self.num_classes
        counts = ops.bincount(labels * k + pred, minlength=k * k)          # (k * k,) row = true class
        self.matrix.assign_add(ops.reshape(ops.cast(counts, "float32"), (k, k)))

    def result(self):
        cm = ops.convert_to_tensor(self.matrix)
        tp = ops.diagonal(cm)
        support = ops.sum(cm, axis=1)                                      # tp + fn
        predicted = ops.sum(cm, axis=0)                                    # tp + fp
        scores = {"precision": _safe_divide(tp, predicted), "recall": _safe_divide(tp, support),
                  "f1": _safe_divide(2.0 * tp, support + predicted)}
        weights = {"macro": ops.cast((support + predicted) > 0, "float32"), "weighted": support}
        return {f"{score}_{avg}": _safe_divide(ops.sum(value * w), ops.sum(w))
                for avg, w in weights.items() for score, value in scores.items()}

    def reset_state(self):
        self.matrix.assign(ops.zeros_like(self.matrix))

    def result_for(self, matrix) -> dict[str, float]:
        """The scores of a confusion matrix counted elsewhere: ``matrix (k, k)``, row = true class."""
        self.matrix.assign(ops.cast(matrix, "float32"))
        return {name: float(value) for name, value in self.result().items()}

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def keras_metrics(task: str, n_outputs: int) -> list[keras.metrics.Metric]:
    """Metric objects for ``model.compile(metrics=...)``; their names are the log keys.

    Parameters
    ----------
    task:
        ``"classification"`` (labels ``(n,)`` int, outputs ``(n, k)`` logits) or
        ``"regression"`` (targets and outputs ``(n, k)`` float32).
    n_outputs:
        Number of classes or of regression targets.
    """
    if task == "classification":
        k = max(int(n_outputs), 2)
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy"), ConfusionScores(k)]
    if task == "regression":
        return [keras.metrics.MeanSquaredError(name="mse"), keras.metrics.RootMeanSquaredError(name="rmse"),
                keras.metrics.MeanAbsoluteError(name="mae"),
                keras.metrics.R2Score(class_aggregation="uniform_average", name="r2")]
    raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")


def drop_custom_metrics(model) -> None:
    """Re-compile ``model`` with its own optimizer and loss, keeping only Keras' built-in metrics.

    Call it just before ``model.save``: the ``.keras`` file records the compile
    arguments, and plain Keras (without dlcourse installed) cannot rebuild
    :class:`ConfusionScore` when it loads the file with ``compile=True``.
    The optimizer object (and its state) is kept.
    """
    config = getattr(model, "_compile_config", None)
    metrics = config.config.get("metrics") if config is not None else None
    if not metrics:
        return
    kept = [m for m in metrics if not isinstance(m, (ConfusionScore, ConfusionScores))]
    if len(kept) == len(metrics):
        return
    model.compile(optimizer=model.optimizer, loss=model.loss, metrics=kept)
