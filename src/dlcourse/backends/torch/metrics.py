"""Per-epoch metrics for the PyTorch loop: scikit-learn on what the epoch's batches produced.

The keys match the Keras side (:mod:`dlcourse.backends.tensorflow.metrics`) and the
final evaluation (:mod:`dlcourse.evaluation.metrics`, whose functions compute them):

* classification: ``accuracy``, ``precision_macro``, ``recall_macro``, ``f1_macro``,
  ``precision_weighted``, ``recall_weighted``, ``f1_weighted``;
* regression: ``mse``, ``rmse``, ``mae``, ``r2``.

Macro averages skip the classes that appear neither in the labels nor in the
predictions, and a 0/0 ratio counts as 0 (scikit-learn's ``zero_division=0``).
Only the predicted classes (or the output values) are kept between batches, and
the scores are computed once, by :meth:`EpochMetrics.compute`; no metrics library
is imported on the PyTorch side (torchmetrics would add seconds to every start).

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

import numpy as np
import torch

from dlcourse.evaluation.metrics import classification_metrics, regression_metrics

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
        self.keys = CLASSIFICATION_KEYS if task == "classification" else REGRESSION_KEYS
        self.reset()

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
            self._seen.append(outputs.argmax(dim=1).cpu().numpy())              # (b,) predicted classes
            self._true.append(y.long().cpu().numpy())
        else:
            self._seen.append(outputs.float().reshape(len(outputs), -1).cpu().numpy())   # (b, k)
            self._true.append(y.float().reshape(len(y), -1).cpu().numpy())

    def compute(self) -> dict[str, float]:
        """The metrics over every batch added since the last :meth:`reset`, as plain floats."""
        if not self._seen:
            return {}
        y, seen = np.concatenate(self._true), np.concatenate(self._seen)
        values = classification_metrics(y, seen) if self.task == "classification" else regression_metrics(y, seen)
        return {k: values[k] for k in self.keys}

    def reset(self) -> None:
        self._seen: list[np.ndarray] = []
        self._true: list[np.ndarray] = []
