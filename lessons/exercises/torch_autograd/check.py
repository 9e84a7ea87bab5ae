"""Vérification de l'exercice torch_autograd."""

import inspect

import numpy as np
import torch


def verifier(ns, r):
    derivee = r.fonction(ns, "derivee")
    if derivee is not None:
        x = torch.tensor([-2.0, -0.5, 0.0, 1.0, 3.0])
        ok, sortie = r.appeler(derivee, x)
        if ok:
            _verifier_derivee(r, sortie, x.numpy(), derivee)

    gradient_mse = r.fonction(ns, "gradient_mse")
    if gradient_mse is not None:
        g = torch.Generator().manual_seed(1)
        x = torch.randn(20, generator=g)
        y = 3 * x + 1 + 0.1 * torch.randn(20, generator=g)
        w = torch.tensor(0.5, requires_grad=True)
        b = torch.tensor(-0.2, requires_grad=True)
        ok, premier = r.appeler(gradient_mse, w, b, x, y)
        if ok and _verifier_mse(r, premier, 0.5, -0.2, x.numpy(), y.numpy()):
            ok, second = r.appeler(gradient_mse, w, b, x, y)
            if ok:
                a = [float(t) for t in premier] if _paire(second) else None
                c = [float(t) for t in second] if _paire(second) else None
                r.verifier(c is not None and np.allclose(a, c, rtol=1e-5),
                           "gradient_mse : deux appels successifs donnent le même gradient.",
                           f"gradient_mse : le deuxième appel donne {c}, différent du premier {a} : "
                           "les gradients s'accumulent.",
                           "backward() ajoute à w.grad : remets w.grad à None avant, ou utilise "
                           "torch.autograd.grad(perte, [w, b]) qui n'accumule rien.")


def _paire(sortie):
    return isinstance(sortie, (tuple, list)) and len(sortie) == 2 and all(t is not None for t in sortie)


def _verifier_derivee(r, sortie, x, fn):
    if sortie is None:
        r.echec("derivee renvoie None : le gradient n'a pas été calculé.",
                "il faut requires_grad=True sur x, puis y.sum().backward(), puis renvoyer x.grad.")
        return
    valeurs = np.asarray(sortie.detach() if isinstance(sortie, torch.Tensor) else sortie, dtype=np.float64)
    if valeurs.shape != x.shape:
        r.echec(f"derivee renvoie la forme {valeurs.shape}, {x.shape} attendue.", "x.grad a la forme de x.")
        return
    if np.allclose(valeurs, x ** 3 + 2 * x, atol=1e-4):
        r.echec("derivee renvoie y = x³ + 2x, pas sa dérivée.", "renvoie x.grad après le backward.")
        return
    attendu = 3 * x ** 2 + 2
    r.verifier(np.allclose(valeurs, attendu, atol=1e-4), "derivee : dy/dx = 3x² + 2 en chaque point.",
               f"derivee : valeurs {np.round(valeurs, 3).tolist()}, {attendu.tolist()} attendues.",
               "y = x ** 3 + 2 * x, puis y.sum().backward().")
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return
    r.verifier("backward" in source or "autograd" in source, "derivee utilise autograd.",
               "derivee ne contient ni backward ni torch.autograd : le gradient doit venir de PyTorch.",
               "y.sum().backward() puis x.grad.")


def _verifier_mse(r, sortie, w0, b0, x, y):
    residu = w0 * x + b0 - y
    gw, gb = np.mean(2 * residu * x), np.mean(2 * residu)
    if not _paire(sortie):
        r.echec(f"gradient_mse renvoie {sortie!r:.60}, un couple (dL/dw, dL/db) est attendu.",
                "return grad_w, grad_b")
        return False
    vw, vb = float(sortie[0]), float(sortie[1])
    n = len(x)
    if np.isclose(vw, n * gw, rtol=1e-3) and np.isclose(vb, n * gb, rtol=1e-3):
        r.echec("gradient_mse : les gradients sont n fois trop grands : tu as sommé au lieu de moyenner.",
                "la perte est une moyenne : .mean(), pas .sum().")
        return False
    return r.verifier(np.isclose(vw, gw, rtol=1e-3, atol=1e-5) and np.isclose(vb, gb, rtol=1e-3, atol=1e-5),
                      "gradient_mse : dL/dw et dL/db sont justes.",
                      f"gradient_mse : ({vw:.4f}, {vb:.4f}) obtenus, ({gw:.4f}, {gb:.4f}) attendus.",
                      "perte = ((w * x + b - y) ** 2).mean(), puis torch.autograd.grad(perte, [w, b]).")
