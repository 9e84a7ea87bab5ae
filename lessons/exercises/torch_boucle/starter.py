"""Exercice 4.3 : la boucle d'entraînement PyTorch, écrite à la main.

Complète la fonction puis vérifie : dlcourse check torch_boucle CE_FICHIER.py
"""

import torch
from torch import nn


def entrainer(modele, x, y, epoques=100, lr=0.1):
    """Entraîne `modele` sur tout le lot à chaque époque.

    modele : nn.Module ; x : torch.Tensor (n, d) float32 ; y : torch.Tensor (n, 1) float32.
    Perte : nn.MSELoss() ; optimiseur : torch.optim.SGD(modele.parameters(), lr=lr).
    Renvoie : list[float], la perte de chaque époque (avant la mise à jour), de longueur `epoques`.
    """
    pertes = []
    # TODO : créer la perte et l'optimiseur, puis pour chaque époque :
    #        remettre les gradients à zéro, prédire, calculer la perte, backward, step,
    #        et ajouter la perte (un float : .item()) à la liste.
    raise NotImplementedError


if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.randn(100, 1)
    print(entrainer(nn.Linear(1, 1), x, 3 * x + 1, epoques=5))
