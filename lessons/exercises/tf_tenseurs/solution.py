"""Exercice 3.1 : solution de référence."""

import tensorflow as tf


def aplatir(images):
    """images : tf.Tensor (n, 28, 28) uint8 -> tf.Tensor (n, 784) float32 dans [0, 1]."""
    pixels = tf.cast(images, tf.float32) / 255.0
    return tf.reshape(pixels, (-1, 28 * 28))


def centrer(x):
    """x : tf.Tensor (n, d) float32 -> x moins la moyenne de chaque colonne."""
    moyennes = tf.reduce_mean(x, axis=0)  # (d,) : diffusé sur les n lignes
    return x - moyennes
