"""Vérification de l'exercice torch_boucle."""

import numpy as np
import torch
from torch import nn

EPOQUES, LR = 40, 0.1


def _donnees():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 1, generator=g)
    y = 3 * x + 1 + 0.1 * torch.randn(64, 1, generator=g)
    return x, y


def _modele():
    torch.manual_seed(0)
    return nn.Linear(1, 1)


def _reference(x, y, remise_a_zero=True):
    modele = _modele()
    opt = torch.optim.SGD(modele.parameters(), lr=LR)
    for _ in range(EPOQUES):
        if remise_a_zero:
            opt.zero_grad()
        nn.functional.mse_loss(modele(x), y).backward()
        opt.step()
    return modele.weight.item(), modele.bias.item()


def verifier(ns, r):
    entrainer = r.fonction(ns, "entrainer")
    if entrainer is None:
        return
    x, y = _donnees()
    modele = _modele()
    w0 = modele.weight.item()
    ok, pertes = r.appeler(entrainer, modele, x, y, epoques=EPOQUES, lr=LR)
    if not ok:
        return
    if pertes is None:
        r.echec("entrainer renvoie None, la liste des pertes est attendue.", "termine par « return pertes ».")
        return
    if not isinstance(pertes, (list, tuple)):
        r.echec(f"entrainer renvoie un objet de type {type(pertes).__name__}, une liste de float est attendue.",
                "ajoute perte.item() à une liste à chaque époque et renvoie-la.")
        return
    if not r.verifier(len(pertes) == EPOQUES, f"entrainer renvoie une perte par époque ({EPOQUES}).",
                      f"entrainer renvoie {len(pertes)} pertes pour {EPOQUES} époques.",
                      "une seule mise à jour, et un seul ajout à la liste, par époque."):
        return
    if any(isinstance(p, torch.Tensor) for p in pertes):
        r.echec("la liste contient des torch.Tensor, des float Python sont attendus.",
                "perte.item() donne un float et libère le graphe de calcul.")
        return
    r.ok("les pertes sont des float Python.")
    if modele.weight.item() == w0:
        r.echec("les poids du modèle n'ont pas changé.",
                "appelle perte.backward() puis optimiseur.step(), avec un optimiseur créé sur modele.parameters().")
        return
    pertes = [float(p) for p in pertes]
    if not r.verifier(pertes[-1] < 0.1 * pertes[0], f"la perte baisse ({pertes[0]:.3f} → {pertes[-1]:.4f}).",
                      f"la perte ne baisse pas assez ({pertes[0]:.3f} → {pertes[-1]:.4f}).",
                      "ordre d'une époque : zero_grad, prédiction, perte, backward, step."):
        _diagnostic(r, modele, x, y)
        return
    w, b = modele.weight.item(), modele.bias.item()
    rw, rb = _reference(x, y)
    if np.isclose(w, rw, atol=1e-4) and np.isclose(b, rb, atol=1e-4):
        r.ok(f"les poids appris (w = {w:.3f}, b = {b:.3f}) sont ceux d'une descente de gradient SGD exacte.")
    else:
        _diagnostic(r, modele, x, y)


def _diagnostic(r, modele, x, y):
    w, b = modele.weight.item(), modele.bias.item()
    sw, sb = _reference(x, y, remise_a_zero=False)
    if np.isclose(w, sw, atol=1e-4) and np.isclose(b, sb, atol=1e-4):
        r.echec("les gradients s'accumulent d'une époque à l'autre.",
                "appelle optimiseur.zero_grad() au début de chaque époque.")
    else:
        rw, rb = _reference(x, y)
        r.echec(f"les poids appris (w = {w:.3f}, b = {b:.3f}) diffèrent de ceux attendus "
                f"(w = {rw:.3f}, b = {rb:.3f}).",
                "utilise nn.MSELoss() et torch.optim.SGD(modele.parameters(), lr=lr), une mise à jour par époque.")
