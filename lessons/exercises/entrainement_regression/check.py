"""Vérification de l'exercice entrainement_regression : un modèle linéaire et sa descente par mini-lots.

La vérification construit elle-même le modèle à entraîner (nn.Linear ou Dense(1), dans le framework que
votre fichier importe) avec des poids de départ connus ; le processus qui juge refait la descente en
NumPy, lot par lot, et reconnaît les erreurs typiques en rejouant leurs variantes : gradients accumulés
(zero_grad oublié), somme au lieu de moyenne, un seul lot par époque, lots de 32 par défaut, taux de
0,01 de « sgd », dernier lot abandonné.
"""

import numpy as np


def _cas(rng, n, d, taille, epoques):
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x @ rng.uniform(-3, 3, (d, 1)) + rng.uniform(-2, 2) + 0.3 * rng.normal(size=(n, 1))).astype(np.float32)
    return {"x": x, "y": y, "w0": rng.uniform(-1, 1, d).astype(np.float32),
            "b0": rng.uniform(-1, 1, 1).astype(np.float32), "epoques": epoques,
            "lr": float(rng.choice([0.05, 0.08, 0.1])), "taille_lot": taille}


def entrees(rng):
    fixe = _cas(np.random.default_rng(2026), 50, 2, 12, 4)
    n = int(rng.integers(41, 80))
    taille = int(rng.choice([t for t in range(5, 17) if n % t]))            # un dernier lot plus court
    alea = _cas(rng, n, int(rng.integers(1, 4)), taille, int(rng.integers(3, 6)))
    return {"fixe": fixe, "alea": alea, "x_sonde": rng.normal(size=(7, 3)).astype(np.float32) * 4}


CAS = ("fixe", "alea")


def _modele_de_depart(cadre, w0, b0):
    if cadre == "tensorflow":
        import keras

        m = keras.Sequential([keras.Input(shape=(len(w0),)), keras.layers.Dense(1)])
        m.set_weights([w0.reshape(-1, 1), b0.copy()])
        return m
    import torch
    from torch import nn

    m = nn.Linear(len(w0), 1)
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(w0.reshape(1, -1)))
        m.bias.copy_(torch.from_numpy(b0))
    return m


def sonder(s, e):
    from dlcourse.lessons.neutre import cadre_de, compter_parametres, poids, predire

    ok, modele = s.appeler("regresseur", "construire_regresseur", 3)
    cadre = cadre_de(modele) if ok else None
    if cadre in ("torch", "tensorflow"):
        s.noter("cadre_regresseur", cadre)
        x = e["x_sonde"]
        for cle, v in (("a", x[:4]), ("b", x[3:]), ("somme", x[:4] + x[3:]), ("zero", np.zeros_like(x[:4]))):
            s.essayer(f"sortie:{cle}", lambda v=v: predire(modele, v))
        s.essayer("parametres", lambda: compter_parametres(modele)[1])
    else:
        cadre = s.cadre if s.cadre in ("torch", "tensorflow") else "torch"
    s.noter("cadre", cadre)
    for cas in CAS:
        c = {k: (v if isinstance(v, np.ndarray) else getattr(v, "values", v)) for k, v in e[cas].items()}
        m = _modele_de_depart(cadre, c["w0"], c["b0"])
        s.appeler(f"pertes:{cas}", "entrainer", m, c["x"].copy(), c["y"].copy(), epoques=c["epoques"], lr=c["lr"],
                  taille_lot=c["taille_lot"])
        s.essayer(f"poids:{cas}", lambda m=m: [p["valeurs"].reshape(-1) for p in poids(m)])


def descente(c, taille=None, lr=None, cumul=None, somme=False, abandon=False):
    """Mini-batch SGD on the MSE from (w0, b0) in float64: (weighted epoch losses, unweighted ones, w, b).

    cumul: None, "epoque" (gradients zeroed once per epoch) or "jamais" (never zeroed).
    """
    x, y = c["x"].astype(np.float64), c["y"].astype(np.float64)
    w, b = c["w0"].astype(np.float64).copy(), c["b0"].astype(np.float64).copy()
    taille, lr = taille or c["taille_lot"], lr or c["lr"]
    gw_acc, gb_acc = np.zeros_like(w), np.zeros_like(b)
    ponderees, simples = [], []
    for _ in range(c["epoques"]):
        if cumul == "epoque":
            gw_acc, gb_acc = np.zeros_like(w), np.zeros_like(b)
        total, pertes, vus = 0.0, [], 0
        for debut in range(0, len(x), taille):
            xb, yb = x[debut:debut + taille], y[debut:debut + taille]
            if abandon and len(xb) < taille:
                break
            residu = xb @ w + b - yb[:, 0]
            perte = float(np.sum(residu ** 2) if somme else np.mean(residu ** 2))
            facteur = 2.0 if somme else 2.0 / len(xb)
            gw, gb = facteur * residu @ xb, np.array([facteur * residu.sum()])
            if cumul:
                gw_acc, gb_acc = gw_acc + gw, gb_acc + gb
                gw, gb = gw_acc, gb_acc
            w, b = w - lr * gw, b - lr * gb
            total += perte * len(xb)
            vus += len(xb)
            pertes.append(perte)
        ponderees.append(total / vus)
        simples.append(float(np.mean(pertes)))
    return np.array(ponderees), np.array(simples), w, b


VARIANTES = [
    (dict(cumul="jamais"), "les gradients s'accumulent d'un lot à l'autre : ils ne sont jamais remis à zéro.",
     "appelez optimiseur.zero_grad() avant chaque backward(), pour chaque lot."),
    (dict(cumul="epoque"), "les gradients s'accumulent d'un lot à l'autre dans une époque : ils ne sont remis à "
                           "zéro qu'une fois par époque.",
     "optimiseur.zero_grad() se place dans la boucle des lots, avant chaque backward()."),
    (dict(somme=True), "la perte est une somme sur le lot ; la consigne demande la moyenne (MSE).",
     "nn.MSELoss() (réduction « mean » par défaut) ou la perte \"mean_squared_error\" de Keras."),
    (dict(abandon=True), "le dernier lot, plus court, est abandonné à chaque époque.",
     "gardez le dernier lot même s'il a moins de taille_lot exemples (pas de drop_last=True)."),
    (dict(lr=0.01), "le taux d'apprentissage utilisé est 0,01, pas lr : c'est la valeur par défaut de "
                    "optimizer=\"sgd\" en Keras.",
     "keras.optimizers.SGD(learning_rate=lr) (ou torch.optim.SGD(modele.parameters(), lr=lr))."),
    (dict(taille=32), "les lots font 32 exemples, la valeur par défaut de fit, pas taille_lot.",
     "passez batch_size=taille_lot à fit."),
]


def juger(obs, e, r):
    _regresseur(obs, e, r)
    proche = lambda a, b: np.allclose(a, b, rtol=2e-3, atol=2e-5)  # noqa: E731
    for cas in CAS:
        c = e[cas]
        ok, v = r.valeur(f"pertes:{cas}", "entrainer")
        if not ok:
            return
        pertes = _pertes(r, v, c["epoques"])
        ok, p = r.valeur(f"poids:{cas}", "le modèle entraîné")
        if not ok:
            return
        w, b = (np.asarray(getattr(q, "values", q), dtype=np.float64).reshape(-1) for q in p[:2])
        ponderees, simples, w_att, b_att = descente(c)
        if not (proche(w, w_att) and proche(b, b_att)):
            _diagnostic(r, c, w, b, proche)
            return
        if pertes is None:
            return
        if not proche(pertes, ponderees):
            if proche(pertes, simples):
                r.echec("entrainer : chaque perte d'époque est la moyenne simple des pertes des lots ; le dernier lot, "
                        "plus court, doit compter moins (moyenne pondérée par la taille des lots).",
                        "ajoutez perte.item() * len(lot) au total de l'époque, puis divisez par le nombre d'exemples.")
            else:
                r.echec("entrainer : le modèle apprend comme demandé, mais les pertes renvoyées ne sont pas celles de "
                        "chaque époque (moyenne des pertes des lots, calculées avant leur mise à jour).",
                        "mesurez la perte de chaque lot juste avant son backward(), et faites-en la moyenne pondérée "
                        "sur l'époque.")
            return
    r.ok("entrainer : poids finaux et pertes de chaque époque sont ceux d'une descente SGD par mini-lots, pris "
         "dans l'ordre, sur la perte quadratique moyenne (cas fixe et cas tiré au hasard).")


def _pertes(r, v, epoques):
    from dlcourse.lessons.wire import Array, Object

    if v is None:
        r.echec("entrainer renvoie None.", "renvoyez la liste des pertes de chaque époque.")
        return None
    if isinstance(v, Object):
        r.echec(f"entrainer renvoie un objet {v.type}, une liste de nombres est attendue.",
                "avec Keras, fit renvoie un historique : return historique.history[\"loss\"].")
        return None
    if isinstance(v, Array):
        v = list(v.values.reshape(-1))
    if not isinstance(v, (list, tuple)):
        r.echec(f"entrainer renvoie un objet de type {type(v).__name__}, une liste de nombres est attendue.",
                "pertes.append(...) à chaque époque, puis return pertes.")
        return None
    valeurs = []
    for p in v:
        if isinstance(p, Array) and p.type in ("torch.Tensor", "tf.Tensor", "tf.Variable"):
            r.echec("entrainer : la liste contient des tenseurs, pas des nombres Python.",
                    "perte.item() donne un float et détache la valeur du graphe.")
            return None
        valeurs.append(float(np.asarray(getattr(p, "values", p)).reshape(-1)[0]))
    if len(valeurs) != epoques:
        r.echec(f"entrainer renvoie {len(valeurs)} perte(s) pour {epoques} époques demandées.",
                "une perte par époque (pas une par lot) : la moyenne des pertes des lots de l'époque.")
        return None
    return np.array(valeurs)


def _diagnostic(r, c, w, b, proche):
    if proche(w, c["w0"]) and proche(b, c["b0"]):
        r.echec("entrainer : les poids du modèle n'ont pas bougé.",
                "entraînez le modèle reçu en argument : optimiseur.step() en PyTorch, modele.fit(...) en Keras.")
        return
    for options, message, indice in VARIANTES:
        if options.get("taille") == c["taille_lot"]:
            continue
        _, _, wv, bv = descente(c, **options)
        if proche(w, wv) and proche(b, bv):
            r.echec(f"entrainer : {message}", indice)
            return
    _, _, wv, bv = descente(c, taille=len(c["x"]))
    if proche(w, wv) and proche(b, bv):
        r.echec("entrainer : une seule mise à jour par époque, sur tout le lot ; la consigne demande une mise à jour "
                "par mini-lot de taille_lot exemples.",
                "découpez x et y en lots x[debut:debut + taille_lot] et faites les cinq gestes pour chacun.")
        return
    x, y = c["x"].astype(np.float64), c["y"].astype(np.float64)[:, 0]
    avant = np.mean((x @ c["w0"] + c["b0"] - y) ** 2)
    apres = np.mean((x @ w + b - y) ** 2)
    if apres < avant:
        r.echec("entrainer : le modèle apprend, mais ses poids finaux ne sont pas ceux de la descente attendue.",
                "lots pris dans l'ordre, sans mélange (shuffle=False), SGD sans momentum au taux lr, une mise à "
                "jour par lot, perte moyenne.")
    else:
        r.echec("entrainer : les poids finaux ne sont pas ceux d'une descente de gradient sur la perte "
                "quadratique moyenne ; la perte a même augmenté.",
                "vérifiez le signe de la mise à jour et la perte : nn.MSELoss() ou \"mean_squared_error\".")


def _regresseur(obs, e, r):
    ok, modele = r.valeur("regresseur", "construire_regresseur")
    if not ok:
        return
    if "cadre_regresseur" not in obs:
        r.echec(f"construire_regresseur renvoie un objet de type {getattr(modele, 'type', type(modele).__name__)}, "
                "un modèle PyTorch (nn.Module) ou Keras est attendu.",
                "return nn.Linear(n_entrees, 1), ou un keras.Sequential avec Input et Dense(1).")
        return
    sorties = {}
    for cle in ("a", "b", "somme", "zero"):
        ok, v = r.valeur(f"sortie:{cle}", "le modèle de construire_regresseur")
        if not ok:
            return
        sorties[cle] = v.values.astype(np.float64)
    s = sorties["a"]
    if s.shape != (4, 1):
        r.echec(f"sur 4 exemples à 3 entrées, le modèle sort la forme {s.shape} ; (4, 1) est attendu.",
                "une seule unité de sortie : nn.Linear(n_entrees, 1) ou Dense(1).")
        return
    if np.allclose(s, 1.0):
        r.echec("le modèle sort 1 pour chaque exemple : un softmax sur une seule sortie vaut toujours 1.",
                "une régression n'a pas d'activation de sortie : retirez le softmax.")
        return
    if np.all((s > 0) & (s < 1)):
        r.echec("les sorties du modèle sont toutes entre 0 et 1 : une sigmoïde termine le modèle, qui ne peut "
                "alors pas prédire une cible hors de [0, 1].",
                "une régression n'a pas d'activation de sortie : Dense(1) ou nn.Linear(n_entrees, 1) seuls.")
        return
    f = sorties
    affine = np.allclose(f["a"] + f["b"], f["somme"] + f["zero"], rtol=1e-4, atol=1e-5)
    if not affine:
        r.echec("le modèle n'est pas linéaire : une activation (ReLU…) ou une couche cachée déforme sa sortie.",
                "un modèle linéaire y = x·w + b : une seule couche, sans activation.")
        return
    ok, n = r.valeur("parametres", "le modèle de construire_regresseur")
    if ok and n != 4:
        r.echec(f"pour 3 entrées, le modèle a {n} paramètres entraînables ; une droite en a 4 (3 poids et un biais).",
                "nn.Linear(n_entrees, 1) ou Dense(1) : n_entrees poids et un biais.")
        return
    r.ok("construire_regresseur : un modèle linéaire (n, n_entrees) -> (n, 1), sans activation de sortie.")
