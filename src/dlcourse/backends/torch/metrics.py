"""Per-epoch metrics for the PyTorch loop, built on torchmetrics.

The keys match the Keras side (:mod:`dlcourse.backends.tensorflow.metrics`) and the
final evaluation (:mod:`dlcourse.evaluation.metrics`, scikit-learn):

* classification: ``accuracy``, ``precision_macro``, ``recall_macro``, ``f1_macro``,
  ``precision_weighted``, ``recall_weighted``, ``f1_weighted``;
* regression: ``mse``, ``rmse``, ``mae``, ``r2``.

Macro averages skip the classes that appear neither in the labels nor in the
predictions, and a 0/0 ratio counts as 0, as scikit-learn does with
``zero_division=0``.

Wiring in a loop::

    metrics = EpochMetrics(config.task, n_outputs)
    for xb, yb in batches:
        out = model(xb)
        ...
        metrics.update(out.detach(), yb)
    logs.update(metrics.compute())
    metrics.reset()
"""

from __future__ import annotations

import torch
import torchmetrics
from torchmetrics import classification as tmc
from torchmetrics import regression as tmr

CLASSIFICATION_KEYS = ("accuracy", "precision_macro", "recall_macro", "f1_macro",
                       "precision_weighted", "recall_weighted", "f1_weighted")
REGRESSION_KEYS = ("mse", "rmse", "mae", "r2")


class EpochMetrics:
    """Accumulate metrics over the batches of an epoch.

    Parameters
    ----------
    task:
        ``"classification"`` or ``"regression"``.
    n_outputs:
        Number of classes (classification, at least 2) or of regression targets.
    """

    def __init__(self, task: str, n_outputs: int):
        if task not in ("classification", "regression"):
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        self.task, self.n_outputs = task, int(n_outputs)
        if task == "classification":
            k = max(self.n_outputs, 2)
            metrics = {"accuracy": tmc.MulticlassAccuracy(num_classes=k, average="micro")}
            for avg in ("macro", "weighted"):
                metrics[f"precision_{avg}"] = tmc.MulticlassPrecision(num_classes=k, average=avg, zero_division=0)
                metrics[f"recall_{avg}"] = tmc.MulticlassRecall(num_classes=k, average=avg, zero_division=0)
                metrics[f"f1_{avg}"] = tmc.MulticlassF1Score(num_classes=k, average=avg, zero_division=0)
            self.keys = CLASSIFICATION_KEYS
        else:
            metrics = {"mse": tmr.MeanSquaredError(num_outputs=1),
                       "mae": tmr.MeanAbsoluteError(num_outputs=1),
                       "r2": tmr.R2Score(multioutput="uniform_average")}
            self.keys = REGRESSION_KEYS
        self.collection = torchmetrics.MetricCollection(metrics, compute_groups=False)
        self._seen = 0

    @torch.no_grad()
    def update(self, outputs: torch.Tensor, y: torch.Tensor) -> None:
        """Add one batch.

        ``outputs``: ``(b, k)`` float logits (classification) or values (regression).
        ``y``: ``(b,)`` int64 labels, or ``(b, k)`` / ``(b,)`` float targets.
        """
        outputs = torch.as_tensor(outputs).detach()
        y = torch.as_tensor(y).detach()
        if len(outputs) == 0:
            return
        if self.task == "classification":
            self.collection.update(outputs.argmax(dim=1), y.long())
        else:
            pred = outputs.float().reshape(len(outputs), -1)
            target = y.float().reshape(len(y), -1)
            # MSE and MAE average over every element; R² per target, then the mean (scikit-learn's default).
            self.collection["mse"].update(pred.reshape(-1), target.reshape(-1))
            self.collection["mae"].update(pred.reshape(-1), target.reshape(-1))
            self.collection["r2"].update(pred.squeeze(1) if pred.shape[1] == 1 else pred,
                                         target.squeeze(1) if target.shape[1] == 1 else target)
        self._seen += len(outputs)

    def compute(self) -> dict[str, float]:
        """The metrics over every batch added since the last :meth:`reset`, as plain floats."""
        if self._seen == 0:
            return {}
        values = {k: float(v) for k, v in self.collection.compute().items()}
        if self.task == "regression":
            values["rmse"] = values["mse"] ** 0.5
        return {k: values[k] for k in self.keys}

    def reset(self) -> None:
        self.collection.reset()
        self._seen = 0
