"""Exercice 4.1 : tenseurs PyTorch, axes, dtypes et broadcasting.

Complète les deux fonctions puis vérifie : dlcourse check torch_tenseurs CE_FICHIER.py
"""

import numpy as np
import torch


def vers_nchw(images):
    """Passe d'un lot d'images NHWC (NumPy) à un tenseur NCHW.

    images : np.ndarray (n, 32, 32, 3) uint8, valeurs 0 à 255.
    Renvoie : torch.Tensor (n, 3, 32, 32) float32, valeurs dans [0, 1].
    """
    # TODO : torch.from_numpy, conversion en float32, division par 255, puis réordonner les axes.
    raise NotImplementedError


def normaliser(x):
    """Standardise chaque canal.

    x : torch.Tensor (n, c, h, w) float32.
    Renvoie : torch.Tensor (n, c, h, w) float32 dont chaque canal a une moyenne 0 et un écart-type 1.
    """
    # TODO : moyenne et écart-type par canal (sur quelles dimensions ?), keepdim=True, puis (x - m) / s.
    raise NotImplementedError


if __name__ == "__main__":
    lot = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    print(vers_nchw(lot).shape)
