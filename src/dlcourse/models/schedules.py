"""Learning-rate schedules as plain functions of the update number, shared by both backends.

Every engine reads one table, :func:`rates` (the rate of each update of the run), and
multiplies it by a factor that only the epoch loop changes (``plateau``, the learning-rate
finder). The formulas are those of the frameworks' own schedulers, which
``tests/training/test_schedules.py`` compares them with: Keras' ``CosineDecay`` with warm-up,
PyTorch's ``StepLR``, ``ExponentialLR`` (per epoch, here continuous) and ``OneCycleLR``.
"""

from __future__ import annotations

import math

import numpy as np


def schedule_steps(schedule, epochs: int, steps_per_epoch: int) -> tuple[int, int]:
    """``(warmup_steps, decay_steps)`` of a cosine schedule over ``epochs * steps_per_epoch`` updates."""
    total = max(epochs * steps_per_epoch, 1)
    warmup = min(int(round(schedule.warmup_epochs * steps_per_epoch)), total - 1)
    return warmup, max(total - warmup, 1)


def _cos_anneal(start: float, end: float, fraction: float) -> float:
    """From ``start`` (fraction 0) to ``end`` (fraction 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1.0)


def learning_rate(step: int, lr: float, schedule, epochs: int, steps_per_epoch: int) -> float:
    """The learning rate of update number ``step`` (0-based) for the reference rate ``lr``.

    ``schedule`` is a :class:`dlcourse.config.Schedule`; ``plateau`` returns ``lr`` (the loop
    applies its reductions).
    """
    name, spe = schedule.name, max(steps_per_epoch, 1)
    if name in ("constant", "plateau"):
        return lr
    if name == "step":
        return lr * schedule.gamma ** math.floor(step / (schedule.step_epochs * spe) + 1e-9)
    if name == "exponential":
        return lr * schedule.gamma ** (step / spe)
    if name == "one_cycle":
        total = max(epochs * spe, 2)
        start = lr / schedule.div_factor
        end_up = float(schedule.pct_start * total) - 1.0
        if step <= end_up:
            return _cos_anneal(start, lr, step / end_up if end_up > 0 else 1.0)
        return _cos_anneal(lr, start / schedule.final_div_factor, (step - end_up) / (total - 1 - end_up))
    warmup, decay = schedule_steps(schedule, epochs, steps_per_epoch)
    step = min(step, warmup + decay)
    if step < warmup:
        start = lr * schedule.warmup_start
        return start + (lr - start) * step / warmup
    done = (step - warmup) / decay
    cosine = 0.5 * (1.0 + math.cos(math.pi * done))
    return lr * ((1 - schedule.min_fraction) * cosine + schedule.min_fraction)


def rates(config, steps_per_epoch: int) -> np.ndarray:
    """``(epochs * steps_per_epoch,) float64``: the learning rate of each update of the run
    (before the loop's factor), from ``config.optimizer.lr`` and ``config.training.schedule``."""
    t = config.training
    total = max(t.epochs * steps_per_epoch, 1)
    return np.array([learning_rate(s, config.optimizer.lr, t.schedule, t.epochs, steps_per_epoch)
                     for s in range(total)], np.float64)


class Plateau:
    """``ReduceLROnPlateau`` between epochs: the factor by which the loop scales the schedule.

    After ``patience`` epochs in a row without an improvement of more than ``min_delta`` (``mode``
    ``'min'`` or ``'max'``), the factor is multiplied by ``schedule.factor``, never below ``min_lr / lr``.

    ``update(value)`` after each epoch with the monitored value; returns the new factor.
    ``state()`` / ``Plateau(schedule, lr, **state)`` carry it through a checkpoint.
    """

    def __init__(self, schedule, lr: float, mode: str, best: float | None = None, wait: int = 0, factor: float = 1.0):
        self.schedule, self.lr, self.mode = schedule, lr, mode
        self.best, self.wait, self.factor = best, wait, factor

    def update(self, value: float) -> float:
        s = self.schedule
        better = self.best is None or (value < self.best - s.min_delta if self.mode == "min"
                                       else value > self.best + s.min_delta)
        if better:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            if self.wait >= s.patience:                      # Keras' convention (PyTorch's waits one epoch more)
                self.factor = max(self.factor * s.factor, s.min_lr / self.lr)
                self.wait = 0
        return self.factor

    def state(self) -> dict:
        return {"best": self.best, "wait": self.wait, "factor": self.factor}
