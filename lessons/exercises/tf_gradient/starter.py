"""Exercice 3.2 : différentiation automatique avec tf.GradientTape.

Complète les deux fonctions puis vérifie : dlcourse check tf_gradient CE_FICHIER.py
"""

import tensorflow as tf


def derivee(x):
    """Dérivée de y = x**3 + 2*x en chaque point.

    x : tf.Tensor (n,) float32 (un tf.constant : il n'est pas suivi automatiquement).
    Renvoie : tf.Tensor (n,) float32, dy/dx calculé par tf.GradientTape.
    """
    # TODO : ouvrir un tf.GradientTape(), y surveiller x (tape.watch), calculer y, puis tape.gradient(y, x).
    raise NotImplementedError


def gradient_mse(w, b, x, y):
    """Gradients de la perte quadratique moyenne d'une droite.

    w, b : tf.Variable scalaires float32 ; x, y : tf.Tensor (n,) float32.
    Renvoie : (dL/dw, dL/db), deux tf.Tensor scalaires, pour L = moyenne((w * x + b - y) ** 2).
    """
    # TODO : calculer L dans un GradientTape (tf.reduce_mean), puis tape.gradient(L, [w, b]).
    raise NotImplementedError
