"""Exercice 3.1 : tenseurs TensorFlow, formes, dtypes et broadcasting.

Complète les deux fonctions puis vérifie : dlcourse check tf_tenseurs CE_FICHIER.py
"""

import tensorflow as tf


def aplatir(images):
    """Aplatit un lot d'images.

    images : tf.Tensor (n, 28, 28) uint8, valeurs 0 à 255.
    Renvoie : tf.Tensor (n, 784) float32, valeurs dans [0, 1].
    """
    # TODO : convertir en float32 (tf.cast), diviser par 255, puis tf.reshape vers (n, 784).
    raise NotImplementedError


def centrer(x):
    """Centre chaque colonne.

    x : tf.Tensor (n, d) float32.
    Renvoie : tf.Tensor (n, d) float32, x moins la moyenne de sa colonne.
    """
    # TODO : moyenne de chaque colonne (tf.reduce_mean, quel axe ?), puis soustraction (broadcasting).
    raise NotImplementedError


if __name__ == "__main__":
    images = tf.random.uniform((2, 28, 28), maxval=256, dtype=tf.int32)
    print(aplatir(tf.cast(images, tf.uint8)).shape)
