"""Exercice 4.1 : solution de référence."""

import numpy as np
import torch


def vers_nchw(images):
    """images : np.ndarray (n, 32, 32, 3) uint8 -> torch.Tensor (n, 3, 32, 32) float32 dans [0, 1]."""
    x = torch.from_numpy(np.asarray(images)).float() / 255.0
    return x.permute(0, 3, 1, 2).contiguous()


def normaliser(x):
    """x : (n, c, h, w) float32 -> chaque canal centré réduit."""
    moyenne = x.mean(dim=(0, 2, 3), keepdim=True)  # (1, c, 1, 1)
    ecart = x.std(dim=(0, 2, 3), keepdim=True)
    return (x - moyenne) / ecart
