"""Exercice 4.2 : différentiation automatique avec autograd (le jumeau de tf.GradientTape).

Complète les deux fonctions puis vérifie : dlcourse check torch_autograd CE_FICHIER.py
"""

import torch


def derivee(x):
    """Dérivée de y = x**3 + 2*x en chaque point.

    x : torch.Tensor (n,) float32, créé sans requires_grad.
    Renvoie : torch.Tensor (n,) float32, dy/dx calculé par autograd.
    """
    # TODO : une copie de x qui demande le gradient (x.detach().requires_grad_()),
    #        y = ..., puis backward sur un scalaire (y.sum()) et lecture de .grad.
    raise NotImplementedError


def gradient_mse(w, b, x, y):
    """Gradients de la perte quadratique moyenne d'une droite.

    w, b : torch.Tensor scalaires float32 avec requires_grad=True ; x, y : torch.Tensor (n,) float32.
    Renvoie : (dL/dw, dL/db), deux torch.Tensor scalaires, pour L = ((w * x + b - y) ** 2).mean().
    Attention : la fonction peut être appelée plusieurs fois avec les mêmes w et b.
    """
    # TODO : calculer L, puis torch.autograd.grad(L, [w, b]) (ou backward, en pensant à .grad).
    raise NotImplementedError
