"""Watching a logged value between epochs: early stopping, the ``plateau`` schedule, and the monitor checks both need.

Framework-free: the epoch loop feeds :class:`EarlyStopping` each epoch's logs; the backend is
only asked for the model's weights when the monitored value improves.
"""

from __future__ import annotations

from dlcourse.errors import ConfigError, did_you_mean

#: Logged values that improve downwards (with or without ``val_``); every other one improves upwards.
DOWNWARDS = ("loss", "mse", "mae", "rmse")


def mode(monitor: str) -> str:
    """``'min'`` for losses and errors, ``'max'`` for scores (accuracy, F1, R²)."""
    return "min" if monitor.removeprefix("val_") in DOWNWARDS else "max"


def logged_names(task: str) -> list[str]:
    """Every value an epoch logs for ``task`` (training and validation)."""
    import numpy as np

    from dlcourse.evaluation.metrics import epoch_metrics

    if task == "classification":
        names = list(epoch_metrics(task, np.array([0, 1]), np.array([0, 1])))
    else:
        names = list(epoch_metrics(task, np.zeros((2, 1), np.float32), np.zeros((2, 1), np.float32)))
    base = ["loss", *names]
    return base + [f"val_{n}" for n in base]


def check_monitors(config) -> None:
    """The values that ``training.early_stopping`` and a ``plateau`` schedule watch exist in the logs
    (a ``val_`` one needs a validation split); a teaching :class:`ConfigError` otherwise."""
    t = config.training
    watched = [("training.early_stopping.monitor", t.early_stopping.monitor)] if t.early_stopping else []
    if t.schedule.name == "plateau":
        watched.append(("training.schedule.monitor", t.schedule.monitor))
    names = logged_names(config.task)
    for key, monitor in watched:
        if monitor not in names:
            raise ConfigError(f"{key}: {monitor!r} is not a value a {config.task} run logs.{did_you_mean(monitor, names)}",
                              f"Use one of: {', '.join(names)}.")
        if monitor.startswith("val_") and config.data.val_fraction == 0:
            raise ConfigError(f"{key}: {monitor!r} needs a validation split, but data.val_fraction is 0.",
                              f"Set data.val_fraction (e.g. 0.1) or watch {monitor.removeprefix('val_')!r}.")


class _Watch:
    """The best value of a watched log so far and how many epochs in a row it has not improved.

    An epoch improves on ``best`` when its value is lower by more than ``min_delta`` (``mode``
    ``'min'``) or higher by more than ``min_delta`` (``'max'``); the first epoch always does.
    """

    def __init__(self, mode: str, min_delta: float, best: float | None = None, wait: int = 0):
        self.mode, self.min_delta, self.best, self.wait = mode, min_delta, best, wait

    def _improves(self, value: float) -> bool:
        """Record ``value``; whether it improved on the best (then ``wait`` is 0, else one more)."""
        better = self.best is None or (value < self.best - self.min_delta if self.mode == "min"
                                       else value > self.best + self.min_delta)
        if better:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
        return better


class EarlyStopping(_Watch):
    """Stop when ``spec.monitor`` has not improved by more than ``spec.min_delta`` for ``spec.patience``
    epochs (Keras' ``EarlyStopping``); ``spec`` is a :class:`dlcourse.config.EarlyStopping`.

    ``update(epoch, logs)`` returns ``(improved, stop)``. ``best_epoch`` and ``best`` name the
    best epoch so far; ``state()`` and ``EarlyStopping(spec, **state)`` carry it through a checkpoint.
    """

    def __init__(self, spec, best: float | None = None, best_epoch: int | None = None, wait: int = 0,
                 stopped_epoch: int | None = None):
        super().__init__(mode(spec.monitor), spec.min_delta, best, wait)
        self.spec, self.best_epoch, self.stopped_epoch = spec, best_epoch, stopped_epoch

    def update(self, epoch: int, logs: dict) -> tuple[bool, bool]:
        improved = self._improves(float(logs[self.spec.monitor]))
        if improved:
            self.best_epoch = epoch
        stop = self.wait >= self.spec.patience and not improved
        if stop:
            self.stopped_epoch = epoch
        return improved, stop

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait, "stopped_epoch": self.stopped_epoch}


class Plateau(_Watch):
    """``ReduceLROnPlateau`` between epochs: the factor by which the loop scales the schedule.

    After ``patience`` epochs in a row without an improvement of more than ``min_delta`` (``mode``
    ``'min'`` or ``'max'``), the factor is multiplied by ``schedule.factor``, never below ``min_lr / lr``
    (Keras' convention; PyTorch's waits one epoch more). ``schedule`` is a
    :class:`dlcourse.config.Schedule` named ``plateau``.

    ``update(value)`` after each epoch with the monitored value; returns the new factor.
    ``state()`` / ``Plateau(schedule, lr, mode, **state)`` carry it through a checkpoint.
    """

    def __init__(self, schedule, lr: float, mode: str, best: float | None = None, wait: int = 0, factor: float = 1.0):
        super().__init__(mode, schedule.min_delta, best, wait)
        self.schedule, self.lr, self.factor = schedule, lr, factor

    def update(self, value: float) -> float:
        if not self._improves(value) and self.wait >= self.schedule.patience:
            self.factor = max(self.factor * self.schedule.factor, self.schedule.min_lr / self.lr)
            self.wait = 0
        return self.factor

    def state(self) -> dict:
        return {"best": self.best, "wait": self.wait, "factor": self.factor}
