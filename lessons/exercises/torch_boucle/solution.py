"""Exercice 4.3 : solution de référence."""

import torch
from torch import nn


def entrainer(modele, x, y, epoques=100, lr=0.1):
    """modele : nn.Module ; x : (n, d) float32 ; y : (n, 1) float32 -> list[float] des pertes par époque."""
    critere = nn.MSELoss()
    optimiseur = torch.optim.SGD(modele.parameters(), lr=lr)
    pertes = []
    modele.train()
    for _ in range(epoques):
        optimiseur.zero_grad()
        perte = critere(modele(x), y)
        perte.backward()
        optimiseur.step()
        pertes.append(perte.item())
    return pertes
