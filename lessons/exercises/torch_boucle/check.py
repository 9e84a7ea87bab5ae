"""Vérification de l'exercice torch_boucle : entrainer(modele, x, y, epoques, lr), boucle SGD sur tout le lot.

Le processus qui juge refait le calcul en NumPy à partir des mêmes poids de départ : les pertes
renvoyées doivent être celles du modèle à chaque époque, et les poids finaux ceux de la descente.
"""

import numpy as np


def entrees(rng):
    d, n = int(rng.integers(1, 4)), int(rng.integers(20, 60))
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x @ rng.uniform(-3, 3, (d, 1)) + rng.uniform(-2, 2) + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
    epoques = int(rng.integers(6, 15))
    return {"x": x, "y": y, "w0": rng.uniform(-1, 1, (1, d)).astype(np.float32),
            "b0": rng.uniform(-1, 1, (1,)).astype(np.float32), "epoques": epoques,
            "epoques_courtes": int(rng.integers(2, epoques - 2)), "lr": float(rng.choice([0.05, 0.1, 0.2]))}


def sonder(s, e):
    import torch
    from torch import nn

    def modele():
        m = nn.Linear(e["x"].shape[1], 1)
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(e["w0"]))
            m.bias.copy_(torch.from_numpy(e["b0"]))
        return m

    x, y = torch.from_numpy(e["x"].copy()), torch.from_numpy(e["y"].copy())
    for cle, epoques in (("long", e["epoques"]), ("court", e["epoques_courtes"])):
        m = modele()
        s.appeler(f"pertes:{cle}", "entrainer", m, x, y, epoques=epoques, lr=e["lr"])
        s.noter(f"poids:{cle}", [m.weight, m.bias])


def descente(e, epoques, cumul=False, somme=False):
    """Full-batch SGD on the MSE from (w0, b0), in float64: (losses before each update, final w, final b)."""
    x, y = e["x"].astype(np.float64), e["y"].astype(np.float64)
    w, b = e["w0"].astype(np.float64).copy(), e["b0"].astype(np.float64).copy()
    gw_total, gb_total, pertes = np.zeros_like(w), np.zeros_like(b), []
    for _ in range(epoques):
        residu = x @ w.T + b - y                                  # (n, 1)
        facteur = 2.0 if somme else 2.0 / len(x)
        pertes.append(float(np.sum(residu ** 2) if somme else np.mean(residu ** 2)))
        gw, gb = facteur * residu.T @ x, facteur * residu.sum(axis=0)
        gw_total, gb_total = (gw_total + gw, gb_total + gb) if cumul else (gw, gb)
        w, b = w - e["lr"] * gw_total, b - e["lr"] * gb_total
    return np.array(pertes), w, b


def juger(obs, e, r):
    pertes = _pertes(r, "long", e["epoques"])
    if pertes is None:
        return
    attendues, w, b = descente(e, e["epoques"])
    proche = lambda a, c: np.allclose(a, c, rtol=1e-3, atol=1e-5)  # noqa: E731
    poids = _poids(r, "long")
    if poids is None:
        return
    if not proche(poids[0], w) or not proche(poids[1], b):
        _diagnostic(r, e, pertes, poids)
        return
    r.ok("entrainer : les poids finaux sont ceux de la descente de gradient attendue (SGD sur tout le lot).")
    if not r.exiger(proche(pertes, attendues),
                    "entrainer : le modèle apprend bien, mais les pertes renvoyées ne sont pas celles du modèle à "
                    "chaque époque : elles doivent être mesurées, pas écrites ou calculées à part.",
                    "ajoutez perte.item() à la liste, pour la perte calculée juste avant backward()."):
        if proche(pertes[:-1], attendues[1:]):
            r.echec("entrainer : chaque perte est mesurée après la mise à jour ; la consigne demande la perte "
                    "avant la mise à jour.", "gardez la perte calculée pour le backward de cette époque.")
        return
    r.ok("entrainer : chaque perte renvoyée est la perte du modèle avant la mise à jour de son époque.")
    courtes = _pertes(r, "court", e["epoques_courtes"])
    poids_courts = _poids(r, "court")
    if courtes is None or poids_courts is None:
        return
    k = e["epoques_courtes"]
    _, wk, bk = descente(e, k)
    r.verifier(proche(courtes, pertes[:k]) and proche(poids_courts[0], wk) and proche(poids_courts[1], bk),
               f"un nouvel entraînement de {k} époques depuis les mêmes poids refait exactement les {k} premières "
               "époques.",
               f"un nouvel entraînement de {k} époques depuis les mêmes poids ne refait pas les {k} premières "
               "époques du précédent.",
               "la fonction ne doit dépendre que de ses arguments : pas de liste ou d'optimiseur gardé d'un appel à "
               "l'autre.")


def _pertes(r, cle, epoques):
    ok, v = r.valeur(f"pertes:{cle}", "entrainer")
    if not ok:
        return None
    if v is None:
        r.echec("entrainer renvoie None.", "return pertes, la liste des pertes de chaque époque.")
        return None
    if not isinstance(v, (list, tuple)):
        r.echec(f"entrainer renvoie un objet de type {getattr(v, 'type', type(v).__name__)}, une liste de "
                "nombres est attendue.", "pertes.append(perte.item()) à chaque époque, puis return pertes.")
        return None
    if any(not isinstance(p, (int, float)) for p in v):
        r.echec("entrainer : la liste contient des tenseurs, pas des nombres Python.",
                "pertes.append(perte.item()) : .item() donne un float et détache la valeur du graphe.")
        return None
    return np.array(v, dtype=np.float64) if r.exiger(
        len(v) == epoques, f"entrainer renvoie {len(v)} perte(s) pour {epoques} époques demandées.",
        "une perte par époque : la boucle fait exactement « epoques » tours.") else None


def _poids(r, cle):
    ok, v = r.valeur(f"poids:{cle}", "le modèle")
    if not ok:
        return None
    return [p.values.astype(np.float64) for p in v]


def _diagnostic(r, e, pertes, poids):
    proche = lambda a, c: np.allclose(a, c, rtol=1e-3, atol=1e-5)  # noqa: E731
    initial = e["w0"].astype(np.float64), e["b0"].astype(np.float64)
    if proche(poids[0], initial[0]) and proche(poids[1], initial[1]):
        r.echec("entrainer : les poids du modèle n'ont pas bougé.",
                "optimiseur = torch.optim.SGD(modele.parameters(), lr=lr), puis perte.backward() et "
                "optimiseur.step() à chaque époque.")
        return
    _, wc, bc = descente(e, e["epoques"], cumul=True)
    if proche(poids[0], wc) and proche(poids[1], bc):
        r.echec("entrainer : les gradients s'accumulent d'une époque à l'autre.",
                "appelez optimiseur.zero_grad() au début de chaque époque, avant backward().")
        return
    _, ws, bs = descente(e, e["epoques"], somme=True)
    if proche(poids[0], ws) and proche(poids[1], bs):
        r.echec("entrainer : la perte est une somme, la consigne demande la moyenne (nn.MSELoss()).",
                "critere = nn.MSELoss() (réduction « mean » par défaut).")
        return
    r.echec("entrainer : les poids finaux ne sont pas ceux d'une descente de gradient SGD sur la perte "
            "quadratique moyenne, au taux lr, une mise à jour par époque.",
            "à chaque époque : zero_grad(), prédiction, perte = nn.MSELoss()(modele(x), y), backward(), step().")
