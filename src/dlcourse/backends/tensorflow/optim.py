"""Optimizers and losses from the framework-free spec."""

from __future__ import annotations

import keras


def make_optimizer(spec) -> keras.optimizers.Optimizer:
    """SGD, Adam or RMSprop with every hyper-parameter set explicitly from ``spec``."""
    if spec.name == "sgd":
        return keras.optimizers.SGD(learning_rate=spec.lr, momentum=spec.momentum, nesterov=spec.nesterov)
    if spec.name == "adam":
        return keras.optimizers.Adam(learning_rate=spec.lr, beta_1=spec.beta1, beta_2=spec.beta2, epsilon=spec.eps)
    if spec.name == "rmsprop":
        # Keras adds epsilon inside the square root: sqrt(v + eps**2) ~ sqrt(v) + eps.
        return keras.optimizers.RMSprop(learning_rate=spec.lr, rho=spec.rho, epsilon=spec.eps ** 2,
                                        momentum=spec.momentum)
    raise ValueError(f"unknown optimizer {spec.name!r}")


def make_loss(name: str) -> keras.losses.Loss:
    """``cross_entropy`` takes logits (``from_logits=True``), as PyTorch's ``CrossEntropyLoss`` does."""
    if name == "cross_entropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return keras.losses.MeanSquaredError()
