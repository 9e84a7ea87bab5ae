"""Watching a logged value between epochs: early stopping, and the monitor checks both it and ``plateau`` need.

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


class EarlyStopping:
    """Stop when ``spec.monitor`` has not improved by more than ``spec.min_delta`` for ``spec.patience``
    epochs (Keras' ``EarlyStopping``); ``spec`` is a :class:`dlcourse.config.EarlyStopping`.

    ``update(epoch, logs)`` returns ``(improved, stop)``. ``best_epoch`` and ``best`` name the
    best epoch so far; ``state()`` and ``EarlyStopping(spec, **state)`` carry it through a checkpoint.
    """

    def __init__(self, spec, best: float | None = None, best_epoch: int | None = None, wait: int = 0,
                 stopped_epoch: int | None = None):
        self.spec, self.mode = spec, mode(spec.monitor)
        self.best, self.best_epoch, self.wait, self.stopped_epoch = best, best_epoch, wait, stopped_epoch

    def update(self, epoch: int, logs: dict) -> tuple[bool, bool]:
        value = float(logs[self.spec.monitor])
        delta = self.spec.min_delta
        improved = self.best is None or (value < self.best - delta if self.mode == "min" else value > self.best + delta)
        if improved:
            self.best, self.best_epoch, self.wait = value, epoch, 0
        else:
            self.wait += 1
        stop = self.wait >= self.spec.patience and not improved
        if stop:
            self.stopped_epoch = epoch
        return improved, stop

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait, "stopped_epoch": self.stopped_epoch}
