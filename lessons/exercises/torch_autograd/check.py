"""Vérification de l'exercice torch_autograd : derivee(x) et gradient_mse(w, b, x, y) avec autograd."""

import numpy as np


def entrees(rng):
    n, m = int(rng.integers(5, 10)), int(rng.integers(15, 30))
    xs = rng.normal(size=m).astype(np.float32)
    pente, origine = rng.uniform(1, 4), rng.uniform(-2, 2)
    return {
        "x": rng.uniform(-3, 3, n).astype(np.float32),
        "x_fixe": np.array([-2.0, -0.5, 0.0, 1.0, 3.0], dtype=np.float32),
        "w0": float(np.float32(rng.uniform(-1, 1))), "b0": float(np.float32(rng.uniform(-1, 1))),
        "xs": xs, "ys": (pente * xs + origine + 0.1 * rng.normal(size=m)).astype(np.float32),
        "xs2": rng.normal(size=m).astype(np.float32), "ys2": rng.normal(size=m).astype(np.float32),
    }


def sonder(s, e):
    import torch

    for cle in ("x_fixe", "x"):
        s.appeler(f"derivee:{cle}", "derivee", torch.from_numpy(e[cle].copy()))
    w = torch.tensor(e["w0"], dtype=torch.float32, requires_grad=True)
    b = torch.tensor(e["b0"], dtype=torch.float32, requires_grad=True)
    # Each result is copied as soon as the call returns (Sonde.appeler): a gradient that the next call
    # accumulates in place in w.grad is seen as the learner's code left it after the first call.
    for cle, (x, y) in (("1", ("xs", "ys")), ("2", ("xs", "ys")), ("3", ("xs2", "ys2"))):
        s.appeler(f"gradient_mse:{cle}", "gradient_mse", w, b, torch.from_numpy(e[x].copy()),
                  torch.from_numpy(e[y].copy()))


def juger(obs, e, r):
    if all(_derivee(r, e[cle], cle) for cle in ("x_fixe", "x")) and _avec_autograd(r, "derivee"):
        r.ok("derivee : dy/dx = 3x² + 2 en chaque point, calculé par autograd.")
    if _gradient_mse(r, e) and _avec_autograd(r, "gradient_mse"):
        r.ok("gradient_mse : dL/dw et dL/db sont justes et deux appels successifs donnent le même gradient "
             "(rien ne s'accumule).")


def _avec_autograd(r, nom):
    facts = r.structure(nom)
    return r.exiger(facts is not None and facts.appelle("backward", "grad"),
                    f"« {nom} » donne les bonnes valeurs, mais sans backward() ni torch.autograd.grad : le gradient "
                    "doit venir d'autograd, pas d'une formule dérivée à la main.",
                    "y.sum().backward() puis x.grad, ou torch.autograd.grad(perte, [w, b]).")


def _derivee(r, x, cle):
    ok, v = r.valeur(f"derivee:{cle}", "derivee")
    if not ok:
        return False
    if v is None:
        r.echec("derivee renvoie None : le gradient n'a pas été calculé.",
                "il faut requires_grad=True sur x, puis y.sum().backward(), puis renvoyer x.grad.")
        return False
    valeurs = r.tableau(v, "derivee", "torch", x.shape)
    if valeurs is None:
        return False
    x64 = x.astype(np.float64)
    if np.allclose(valeurs, x64 ** 3 + 2 * x64, rtol=1e-4, atol=1e-4):
        r.echec("derivee renvoie y = x³ + 2x lui-même, pas sa dérivée.", "renvoyez x.grad après le backward.")
        return False
    faux = int(np.sum(~np.isclose(valeurs, 3 * x64 ** 2 + 2, rtol=1e-4, atol=1e-4)))
    return r.exiger(faux == 0, f"derivee : {faux} valeur(s) sur {len(x)} ne sont pas la dérivée de x³ + 2x.",
                    "y = x ** 3 + 2 * x, puis y.sum().backward() et x.grad.")


def _attendu(w0, b0, x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    residu = w0 * x + b0 - y
    return np.array([np.mean(2 * residu * x), np.mean(2 * residu)])


def _paire(r, v):
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(t is not None for t in v):
        try:
            return np.array([float(np.asarray(getattr(t, "values", t))) for t in v])
        except (TypeError, ValueError):
            pass
    r.echec("gradient_mse doit renvoyer un couple (dL/dw, dL/db) de deux nombres ou tenseurs scalaires.",
            "return grad_w, grad_b")
    return None


def _gradient_mse(r, e):
    gradients = {}
    for cle in ("1", "2", "3"):
        ok, v = r.valeur(f"gradient_mse:{cle}", "gradient_mse")
        if not ok:
            return False
        gradients[cle] = _paire(r, v)
        if gradients[cle] is None:
            return False
    attendu = _attendu(e["w0"], e["b0"], e["xs"], e["ys"])
    premier, n = gradients["1"], len(e["xs"])
    if np.allclose(premier, n * attendu, rtol=1e-3):
        r.echec("gradient_mse : les gradients sont n fois trop grands : vous avez sommé au lieu de moyenner.",
                "la perte est une moyenne : .mean(), pas .sum().")
        return False
    if np.allclose(premier, -attendu, rtol=1e-3):
        r.echec("gradient_mse : les gradients ont le mauvais signe.", "le résidu est prédiction − cible : (w * x + b - y).")
        return False
    if not r.exiger(np.allclose(premier, attendu, rtol=1e-3, atol=1e-5),
                    "gradient_mse : (dL/dw, dL/db) ne sont pas les gradients de la perte quadratique moyenne.",
                    "perte = ((w * x + b - y) ** 2).mean(), puis torch.autograd.grad(perte, [w, b])."):
        return False
    if np.allclose(gradients["2"], 2 * premier, rtol=1e-4):
        r.echec("gradient_mse : le deuxième appel renvoie le double du premier : les gradients s'accumulent "
                "dans w.grad et b.grad d'un appel à l'autre.",
                "backward() ajoute à .grad : remettez w.grad et b.grad à None (ou à zéro) avant, ou utilisez "
                "torch.autograd.grad(perte, [w, b]), qui n'accumule rien.")
        return False
    if not r.exiger(np.allclose(gradients["2"], premier, rtol=1e-5),
                    "gradient_mse : un deuxième appel avec les mêmes w et b donne un autre résultat.",
                    "la fonction ne doit rien garder d'un appel à l'autre (ni dans w.grad, ni ailleurs)."):
        return False
    return r.exiger(np.allclose(gradients["3"], _attendu(e["w0"], e["b0"], e["xs2"], e["ys2"]), rtol=1e-3, atol=1e-5),
                    "gradient_mse : avec d'autres x et y, le résultat n'est pas le gradient attendu (les gradients "
                    "des appels précédents s'y ajoutent-ils ?).",
                    "calculez la perte à partir des arguments reçus et ne gardez rien d'un appel à l'autre.")
