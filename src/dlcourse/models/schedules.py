"""Learning-rate schedules as plain functions of the step, shared by both backends."""

from __future__ import annotations

import math


def schedule_steps(schedule, epochs: int, steps_per_epoch: int) -> tuple[int, int]:
    """``(warmup_steps, decay_steps)`` of a schedule over ``epochs * steps_per_epoch`` updates."""
    total = max(epochs * steps_per_epoch, 1)
    warmup = min(int(round(schedule.warmup_epochs * steps_per_epoch)), total - 1)
    return warmup, max(total - warmup, 1)


def learning_rate(step: int, lr: float, schedule, epochs: int, steps_per_epoch: int) -> float:
    """The learning rate used by update number ``step`` (0-based), as Keras' ``CosineDecay`` computes it."""
    if schedule.name == "constant":
        return lr
    warmup, decay = schedule_steps(schedule, epochs, steps_per_epoch)
    step = min(step, warmup + decay)
    if step < warmup:
        start = lr * schedule.warmup_start
        return start + (lr - start) * step / warmup
    done = (step - warmup) / decay
    cosine = 0.5 * (1.0 + math.cos(math.pi * done))
    return lr * ((1 - schedule.min_fraction) * cosine + schedule.min_fraction)
