"""Optimizers, learning-rate schedules and losses from the framework-free spec."""

from __future__ import annotations

import keras

from dlcourse.training.schedules import schedule_steps


def _learning_rate(spec, config, steps_per_epoch: int | None):
    """The constant ``spec.lr``, or Keras' built-in ``CosineDecay`` (so plain Keras can reload the file)."""
    schedule = config.training.schedule if config is not None else None
    if schedule is None or schedule.name == "constant" or not steps_per_epoch:
        return spec.lr
    warmup, decay = schedule_steps(schedule, config.training.epochs, steps_per_epoch)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=spec.lr * schedule.warmup_start, decay_steps=decay, alpha=schedule.min_fraction,
        warmup_target=spec.lr, warmup_steps=warmup)


def make_optimizer(spec, config=None, steps_per_epoch: int | None = None) -> keras.optimizers.Optimizer:
    """SGD, Adam or RMSprop with every hyper-parameter set explicitly from ``spec``."""
    lr = _learning_rate(spec, config, steps_per_epoch)
    if spec.name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr, momentum=spec.momentum, nesterov=spec.nesterov)
    if spec.name == "adam":
        return keras.optimizers.Adam(learning_rate=lr, beta_1=spec.beta1, beta_2=spec.beta2, epsilon=spec.eps)
    if spec.name == "rmsprop":
        # Keras adds epsilon inside the square root: sqrt(v + eps**2) ~ sqrt(v) + eps.
        return keras.optimizers.RMSprop(learning_rate=lr, rho=spec.rho, epsilon=spec.eps ** 2, momentum=spec.momentum)
    raise ValueError(f"unknown optimizer {spec.name!r}")


def make_loss(name: str) -> keras.losses.Loss:
    """``cross_entropy`` takes logits (``from_logits=True``), as PyTorch's ``CrossEntropyLoss`` does."""
    if name == "cross_entropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return keras.losses.MeanSquaredError()
