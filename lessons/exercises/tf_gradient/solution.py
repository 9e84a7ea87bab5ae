"""Exercice 3.2 : solution de référence."""

import tensorflow as tf


def derivee(x):
    """x : tf.Tensor (n,) float32 -> dy/dx de y = x**3 + 2*x, tf.Tensor (n,) float32."""
    with tf.GradientTape() as tape:
        tape.watch(x)  # un tf.constant n'est pas une variable : il faut le surveiller
        y = x ** 3 + 2.0 * x
    return tape.gradient(y, x)


def gradient_mse(w, b, x, y):
    """w, b : tf.Variable scalaires ; x, y : (n,) float32 -> (dL/dw, dL/db)."""
    with tf.GradientTape() as tape:
        perte = tf.reduce_mean((w * x + b - y) ** 2)
    grad_w, grad_b = tape.gradient(perte, [w, b])
    return grad_w, grad_b
