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
