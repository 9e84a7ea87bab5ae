"""Optimizers, learning-rate schedules and losses from the framework-free spec."""

from __future__ import annotations

import keras
import tensorflow as tf



def make_optimizer(config, steps_per_epoch: int | None = None) -> keras.optimizers.Optimizer:
    """SGD, Adam, AdamW or RMSprop with every hyper-parameter set explicitly from ``config.optimizer``,
    and the gradient clipping of ``config.training``.

    The learning rate is a plain variable that the step engine sets before every update from the
    schedule's table (:func:`dlcourse.models.schedules.rates`), so a saved model reloads in plain
    Keras. ``steps_per_epoch`` is accepted for callers that know it and unused.
    """
    spec, t = config.optimizer, config.training
    lr = spec.lr
    clip = {"global_clipnorm": t.clip_norm} if t.clip_norm else {"clipvalue": t.clip_value} if t.clip_value else {}
    if spec.name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr, momentum=spec.momentum, nesterov=spec.nesterov, **clip)
    if spec.name == "adam":
        return keras.optimizers.Adam(learning_rate=lr, beta_1=spec.beta1, beta_2=spec.beta2, epsilon=spec.eps, **clip)
    if spec.name == "adamw":                     # decoupled: w -= lr * weight_decay * w before the Adam step
        return keras.optimizers.AdamW(learning_rate=lr, weight_decay=spec.weight_decay, beta_1=spec.beta1,
                                      beta_2=spec.beta2, epsilon=spec.eps, **clip)
    if spec.name == "rmsprop":
        # Keras adds epsilon inside the square root: sqrt(v + eps**2) ~ sqrt(v) + eps.
        return keras.optimizers.RMSprop(learning_rate=lr, rho=spec.rho, epsilon=spec.eps ** 2, momentum=spec.momentum,
                                        **clip)
    raise ValueError(f"unknown optimizer {spec.name!r}")


def _plain(optimizer) -> bool:
    """No option that changes the update rule (clipping, weight decay, EMA, accumulation, loss scaling)."""
    return not any([optimizer.clipnorm, optimizer.clipvalue, optimizer.global_clipnorm, optimizer.weight_decay,
                    optimizer.use_ema, optimizer.gradient_accumulation_steps, optimizer.loss_scale_factor])


def fused_apply(optimizer: keras.optimizers.Optimizer):
    """``apply(grads, variables)`` with one fused TensorFlow kernel per variable, or ``None``.

    Keras' ``Adam.update_step`` runs about a dozen small ops per variable; TensorFlow's
    ``ResourceApplyAdam`` kernel computes the same update in one:
    ``m += (1 - b1)(g - m); v += (1 - b2)(g² - v); w -= lr·sqrt(1 - b2^t)/(1 - b1^t) · m / (sqrt(v) + eps)``.
    It writes into the optimizer's own slots (``_momentums``, ``_velocities``, ``iterations``), so
    saving, reloading and continuing with ``fit`` see exactly the state Keras would have.
    Only plain Adam qualifies (no amsgrad, clipping, weight decay, EMA...); other optimizers
    return ``None`` and keep Keras' ``optimizer.apply``. Call inside a ``tf.function``, after
    ``optimizer.build(variables)``.
    """
    if type(optimizer) is not keras.optimizers.Adam or optimizer.amsgrad or not _plain(optimizer):
        return None
    beta1, beta2, eps = float(optimizer.beta_1), float(optimizer.beta_2), float(optimizer.epsilon)

    def apply(grads, variables):
        lr = tf.cast(optimizer.learning_rate, tf.float32)           # the schedule's value at this step
        t = tf.cast(optimizer.iterations + 1, tf.float32)
        b1_power, b2_power = tf.pow(beta1, t), tf.pow(beta2, t)
        for grad, var in zip(grads, variables):
            i = optimizer._get_variable_index(var)
            tf.raw_ops.ResourceApplyAdam(
                var=var.value.handle, m=optimizer._momentums[i].value.handle,
                v=optimizer._velocities[i].value.handle, beta1_power=b1_power, beta2_power=b2_power, lr=lr,
                beta1=beta1, beta2=beta2, epsilon=eps, grad=tf.cast(grad, tf.float32))
        optimizer.iterations.assign_add(1)

    return apply


def make_loss(name: str, reduction: str | None = "sum_over_batch_size", label_smoothing: float = 0.0,
              classes: int | None = None):
    """``cross_entropy`` takes logits (``from_logits=True``), as PyTorch's ``CrossEntropyLoss`` does,
    and labels ``(n,)``; with ``label_smoothing`` the labels become smoothed one-hot rows of ``classes``
    (Keras' sparse loss has no smoothing). ``reduction=None`` gives one loss per sample (what a
    distributed step sums)."""
    if name == "cross_entropy" and label_smoothing:
        dense = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=label_smoothing,
                                                     reduction=reduction)
        return lambda y, out: dense(tf.one_hot(tf.cast(y, tf.int32), classes), out)   # (n,) -> (n, classes)
    if name == "cross_entropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)
    return keras.losses.MeanSquaredError(reduction=reduction)
