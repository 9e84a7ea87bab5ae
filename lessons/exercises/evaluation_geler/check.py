"""Vérification de l'exercice evaluation_geler : geler(backbone, n_classes), extraction de caractéristiques.

Le processus de l'apprenant construit un backbone « pré-entraîné » (convolution, normalisation par
lots aux statistiques non triviales, ReLU, pooling, aplatissement) dans le framework que le fichier
importe, appelle geler, puis entraîne le modèle renvoyé trois pas selon une procédure fixe : SGD sur
les paramètres entraînables, après modele.train() (PyTorch) ou avec training=True (Keras), comme
toute boucle d'entraînement. Il enregistre les poids avant et après, les caractéristiques du
backbone et les sorties du modèle ; le processus qui juge décide.
"""

import numpy as np

PAS = 3


def entrees(rng):
    out = {}
    for cas, (c, k) in (("fixe", (4, 3)), ("alea", (int(rng.choice([6, 8])), int(rng.choice([3, 5, 7]))))):
        n = 16 * c + int(rng.integers(20, 40))         # plus d'images que de caractéristiques (d = 16 c)
        out.update({f"{cas}_noyau": rng.normal(0, 0.5, (3, 3, 1, c)).astype(np.float32),
                    f"{cas}_biais": rng.normal(0, 0.1, c).astype(np.float32),
                    f"{cas}_gamma": rng.uniform(0.5, 1.5, c).astype(np.float32),
                    f"{cas}_beta": rng.normal(0, 0.2, c).astype(np.float32),
                    f"{cas}_moyenne": rng.normal(0.3, 0.2, c).astype(np.float32),
                    f"{cas}_variance": rng.uniform(0.3, 1.5, c).astype(np.float32),
                    f"{cas}_x": rng.uniform(0, 1, (n, 8, 8)).astype(np.float32),
                    f"{cas}_y": rng.integers(0, k, n).astype(np.int64), f"{cas}_classes": k})
    return out


CAS = ("fixe", "alea")


def _backbone(cadre, e, cas):
    noyau, c = e[f"{cas}_noyau"], e[f"{cas}_noyau"].shape[-1]
    if cadre == "torch":
        import torch
        from torch import nn

        b = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        with torch.no_grad():
            b[0].weight.copy_(torch.from_numpy(noyau.transpose(3, 2, 0, 1).copy()))
            b[0].bias.copy_(torch.from_numpy(e[f"{cas}_biais"]))
            b[1].weight.copy_(torch.from_numpy(e[f"{cas}_gamma"]))
            b[1].bias.copy_(torch.from_numpy(e[f"{cas}_beta"]))
            b[1].running_mean.copy_(torch.from_numpy(e[f"{cas}_moyenne"]))
            b[1].running_var.copy_(torch.from_numpy(e[f"{cas}_variance"]))
        return b
    import keras

    b = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(c, 3, padding="same"),
                          keras.layers.BatchNormalization(epsilon=1e-5), keras.layers.ReLU(),
                          keras.layers.MaxPooling2D(2), keras.layers.Flatten()], name="backbone")
    b.layers[0].set_weights([noyau, e[f"{cas}_biais"]])
    b.layers[1].set_weights([e[f"{cas}_gamma"], e[f"{cas}_beta"], e[f"{cas}_moyenne"], e[f"{cas}_variance"]])
    return b


def _images(cadre, x):
    return x[:, None, :, :].copy() if cadre == "torch" else x[..., None].copy()


def _bn_en_entrainement(backbone):
    return [bool(m.training) for m in backbone.modules() if "BatchNorm" in type(m).__name__]


def _entrainer(modele, x, y):
    """Fixed procedure: SGD (lr 0.1) on the trainable parameters, after model.train() / with training=True."""
    from dlcourse.lessons.neutre import cadre_de

    if cadre_de(modele) == "torch":
        import torch

        modele.train()
        params = [p for p in modele.parameters() if p.requires_grad]
        if not params:
            return "aucun"
        opt = torch.optim.SGD(params, lr=0.1)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        for _ in range(PAS):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(modele(xt), yt).backward()
            opt.step()
        return "ok"
    import keras
    import tensorflow as tf

    variables = modele.trainable_variables
    if not variables:
        return "aucun"
    opt = keras.optimizers.SGD(learning_rate=0.1)
    for _ in range(PAS):
        with tf.GradientTape() as tape:
            perte = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                y, modele(x, training=True), from_logits=True))
        opt.apply_gradients(zip(tape.gradient(perte, variables), variables))
    return "ok"


def _poids(modele):
    from dlcourse.lessons.neutre import poids

    return [{"nom": str(p["nom"]), "entrainable": p["entrainable"], "valeurs": p["valeurs"]} for p in poids(modele)]


def sonder(s, e):
    from dlcourse.lessons import neutre

    cadre = s.cadre
    s.noter("cadre", cadre)
    if cadre not in ("torch", "tensorflow"):
        return
    for cas in CAS:
        fn = s.fonction("geler", f"modele:{cas}")
        if fn is None:
            return
        backbone = _backbone(cadre, e, cas)
        x = _images(cadre, e[f"{cas}_x"])
        s.noter(f"traits:{cas}", neutre.predire(backbone, x))
        s.noter(f"backbone:{cas}", _poids(backbone))
        ok, modele = s.essayer(f"modele:{cas}", lambda: fn(backbone, e[f"{cas}_classes"]))
        if not ok:
            return
        genre = neutre.cadre_de(modele)
        est_modele = (genre == "torch" and hasattr(modele, "parameters")) or \
                     (genre == "tensorflow" and hasattr(modele, "trainable_variables") and callable(modele))
        s.noter(f"modele:{cas}", {"type": type(modele).__name__, "modele": bool(est_modele)})
        if not est_modele:
            return
        s.essayer(f"backbone_apres_geler:{cas}", lambda: _poids(backbone))
        if cadre == "torch":
            s.essayer(f"bn_apres_geler:{cas}", lambda: _bn_en_entrainement(backbone))
        if not s.essayer(f"sortie_avant:{cas}", lambda: neutre.predire(modele, x))[0]:
            return
        s.essayer(f"compte:{cas}", lambda: list(neutre.compter_parametres(modele)))
        s.essayer(f"avant:{cas}", lambda: _poids(modele))
        if not s.essayer(f"entrainement:{cas}", lambda: _entrainer(modele, x, e[f"{cas}_y"]))[0]:
            return
        if cadre == "torch":
            s.essayer(f"bn_apres_train:{cas}", lambda: _bn_en_entrainement(backbone))
        s.essayer(f"apres:{cas}", lambda: _poids(modele))
        s.essayer(f"sortie_apres:{cas}", lambda: neutre.predire(modele, x))
        s.essayer(f"traits_apres:{cas}", lambda: neutre.predire(backbone, x))


def _tableaux(liste):
    return [{"nom": p["nom"], "entrainable": p["entrainable"], "valeurs": np.asarray(p["valeurs"].values, np.float64)}
            for p in liste]


def _statistique(nom):
    return any(mot in nom for mot in ("running_", "moving_"))


def juger(obs, e, r):
    cadre = obs.get("cadre", {}).get("value")
    if cadre not in ("torch", "tensorflow"):
        r.echec("votre fichier n'importe ni PyTorch ni TensorFlow/Keras (ou il importe les deux) : la vérification "
                "ne sait pas dans quel framework construire le backbone.",
                "gardez les imports du fichier de départ (torch, ou tensorflow et keras), et eux seuls.")
        return
    for cas in CAS:
        if not _juger_cas(obs, e, r, cadre, cas):
            return
    r.ok("geler : même résultat sur un second backbone tiré au hasard (autres filtres, autre nombre de classes).")


def _juger_cas(obs, e, r, cadre, cas):
    ok, info = r.valeur(f"modele:{cas}", "geler")
    if not ok:
        return False
    if not info.get("modele"):
        r.echec(f"geler renvoie un objet de type {info.get('type')}, un modèle est attendu (nn.Module en PyTorch, "
                "keras.Model en Keras).", "return le modèle complet : le backbone gelé suivi de la nouvelle tête.")
        return False
    premier = cas == "fixe"
    traits = obs[f"traits:{cas}"]["value"].values.astype(np.float64)            # (n, d)
    n, d = traits.shape
    k = e[f"{cas}_classes"]
    ok, sortie = r.valeur(f"sortie_avant:{cas}", "le modèle")
    if not ok:
        return False
    if sortie.shape != (n, k):
        r.echec(f"le modèle sort la forme {sortie.shape} pour {n} images et {k} classes ; (n, n_classes) est "
                "attendu.", "la nouvelle tête est une couche dense de n_classes unités, après les caractéristiques "
                                "(n, d) du backbone.")
        return False
    valeurs = sortie.values.astype(np.float64)
    if np.all((valeurs >= 0) & (valeurs <= 1)) and np.allclose(valeurs.sum(axis=1), 1, atol=1e-4):
        r.echec("les sorties sont des probabilités (entre 0 et 1, de somme 1) : la tête se termine par une softmax, "
                "elle doit sortir des logits.", "une couche dense sans activation ; la perte applique la softmax.")
        return False
    if premier:
        r.ok("le modèle sort (n, n_classes) : des logits pour chaque image.")
    ok, compte = r.valeur(f"compte:{cas}", "le modèle")
    if not ok:
        return False
    tete = d * k + k
    if compte[1] != tete:
        if compte[1] > tete:
            r.echec(f"le modèle a {compte[1]} paramètres entraînables, plus que la seule nouvelle tête : une partie "
                    "du backbone (ou une couche de trop) reste entraînable.",
                    "gelez tout le backbone : p.requires_grad_(False) pour chacun de ses paramètres (PyTorch), "
                    "backbone.trainable = False (Keras) ; la tête est une seule couche dense.")
        else:
            r.echec(f"le modèle a {compte[1]} paramètres entraînables, moins qu'une couche dense de n_classes "
                    "unités sur les caractéristiques du backbone.",
                    "la tête doit rester entraînable : ne gelez que le backbone.")
        return False
    if premier:
        r.ok("seule la nouvelle tête est entraînable (d × n_classes + n_classes paramètres).")
    ok, etat = r.valeur(f"entrainement:{cas}", "l'entraînement du modèle")
    if not ok:
        return False
    ok_a, avant = r.valeur(f"avant:{cas}", "le modèle")
    ok_b, apres = r.valeur(f"apres:{cas}", "le modèle")
    ok_c, origine = r.valeur(f"backbone:{cas}", "le backbone")
    ok_d, apres_geler = r.valeur(f"backbone_apres_geler:{cas}", "le backbone")
    if not (ok_a and ok_b and ok_c and ok_d):
        return False
    avant, apres = _tableaux(avant), _tableaux(apres)
    depart, origine = _tableaux(origine), _tableaux(apres_geler)
    if any(_statistique(a["nom"]) and not np.allclose(a["valeurs"], b["valeurs"], rtol=0, atol=1e-7)
           for a, b in zip(depart, origine)):
        r.echec("geler modifie les statistiques de normalisation par lots du backbone (moyenne et variance "
                "mobiles) : un lot est passé dans le backbone resté en mode entraînement.",
                "mettez le backbone en mode évaluation (backbone.eval()) avant d'y faire passer un lot, par exemple "
                "pour lire la taille d des caractéristiques, et gardez-le ainsi même après modele.train() "
                "(redéfinissez train() dans votre module).")
        return False
    du_backbone = [any(p["valeurs"].shape == o["valeurs"].shape and np.allclose(p["valeurs"], o["valeurs"], atol=1e-7)
                       for o in origine) for p in avant]
    bouge = [not np.allclose(a["valeurs"], b["valeurs"], rtol=0, atol=1e-7) for a, b in zip(avant, apres)]
    poids_bouges = [a["nom"] for a, m, b in zip(avant, du_backbone, bouge) if m and b and not _statistique(a["nom"])]
    stats_bougees = [a["nom"] for a, m, b in zip(avant, du_backbone, bouge) if m and b and _statistique(a["nom"])]
    if poids_bouges:
        r.echec("les poids du backbone ont changé pendant l'entraînement : il n'est pas gelé.",
                "p.requires_grad_(False) pour chaque paramètre du backbone (PyTorch), backbone.trainable = False "
                "(Keras).")
        return False
    if stats_bougees:
        if cadre == "torch":
            apres_geler = obs.get(f"bn_apres_geler:{cas}", {}).get("value") or []
            indice = ("geler met bien le backbone en mode évaluation, mais modele.train(), qu'appelle toute boucle "
                      "d'entraînement, le remet en mode entraînement : redéfinissez train(self, mode=True) dans "
                      "votre module pour rappeler self.backbone.eval() après super().train(mode)."
                      if apres_geler and not any(apres_geler) else
                      "appelez backbone.eval() et gardez-le en mode évaluation même après modele.train() "
                      "(redéfinissez train() dans votre module).")
        else:
            indice = "backbone.trainable = False sur le backbone entier met aussi sa normalisation en mode inférence."
        r.echec("les statistiques de normalisation par lots du backbone (moyenne et variance mobiles) ont bougé "
                "pendant l'entraînement : le backbone gelé est resté en mode entraînement.", indice)
        return False
    if not any(b for m, b in zip(du_backbone, bouge) if not m):
        r.echec("les paramètres de la nouvelle tête n'ont pas bougé pendant l'entraînement.",
                "la tête doit être une couche du modèle renvoyé, entraînable (requires_grad=True, trainable=True).")
        return False
    if premier:
        r.ok("après trois pas d'entraînement, les poids et les statistiques de normalisation du backbone sont "
             "intacts, ceux de la tête ont changé.")
    ok_s, sortie = r.valeur(f"sortie_apres:{cas}", "le modèle")
    ok_t, traits_apres = r.valeur(f"traits_apres:{cas}", "le backbone")
    if not (ok_s and ok_t):
        return False
    f = np.hstack([traits_apres.values.astype(np.float64), np.ones((n, 1))])
    o = sortie.values.astype(np.float64)
    coef, *_ = np.linalg.lstsq(f, o, rcond=None)
    ecart = np.abs(f @ coef - o).max() / max(np.abs(o).max(), 1e-6)
    if not r.exiger(ecart < 1e-3 and np.allclose(traits_apres.values, traits, atol=1e-5),
                    "la sortie du modèle n'est pas une couche dense appliquée aux caractéristiques du backbone donné.",
                    "le modèle calcule tete(backbone(x)) : réutilisez l'objet backbone reçu, suivi d'une seule "
                    "couche dense."):
        return False
    if premier:
        r.ok("la sortie est une couche dense appliquée aux caractéristiques du backbone, en mode inférence.")
    return True
