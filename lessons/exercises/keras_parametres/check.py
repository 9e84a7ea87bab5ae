"""Vérification de l'exercice keras_parametres : 10 logits, une non-linéarité cachée, 101 770 paramètres."""

import numpy as np

PARAMETRES = 101_770


def entrees(rng):
    k = int(rng.integers(3, 6))
    return {"a": rng.uniform(0, 1, (k, 28, 28)).astype(np.float32),
            "b": rng.uniform(0, 1, (k, 28, 28)).astype(np.float32)}


def sonder(s, e):
    import keras

    ok, modele = s.appeler("modele", "construire_modele")
    if not ok or not isinstance(modele, keras.Model):
        return
    s.essayer("parametres", lambda: int(sum(int(np.prod(w.shape)) for w in modele.trainable_weights)))
    s.essayer("couches", lambda: [_couche(c) for c in modele.layers])
    a, b = e["a"], e["b"]
    s.essayer("sorties", lambda: {"a": modele(a, training=False), "b": modele(b, training=False)})
    s.essayer("corps", lambda: _corps(modele, a, b))


def _corps(modele, a, b):
    """The model's outputs before its output activation, for the linearity test of the hidden part."""
    import keras

    couches = list(modele.layers)
    while couches and not couches[-1].weights:            # Softmax(), Activation("sigmoid")…
        couches.pop()
    if not couches:
        return None
    derniere = couches[-1]
    gardee = getattr(derniere, "activation", None)
    if gardee is not None:
        derniere.activation = keras.activations.linear

    def f(x):
        for couche in couches:
            x = couche(x, training=False)
        return x

    try:
        return {cle: f(x) for cle, x in (("a", a), ("b", b), ("somme", a + b), ("zero", np.zeros_like(a)))}
    finally:
        if gardee is not None:
            derniere.activation = gardee


def _couche(c):
    activation = getattr(c, "activation", None)
    return {"classe": type(c).__name__, "activation": getattr(activation, "__name__", None)}


def juger(obs, e, r):
    ok, modele = r.valeur("modele", "construire_modele")
    if not ok:
        return
    if "parametres" not in obs:
        r.echec(f"construire_modele renvoie un objet de type {getattr(modele, 'type', type(modele).__name__)}, "
                "un modèle Keras est attendu.", "return keras.Sequential([...])")
        return
    ok, sorties = r.valeur("sorties", "le modèle")
    if not ok:
        return
    k = len(e["a"])
    valeurs = {cle: r.tableau(sorties[cle], "le modèle", "tensorflow", (k, 10)) for cle in ("a", "b")}
    if any(v is None for v in valeurs.values()):
        return
    r.ok("le modèle accepte un lot d'images (n, 28, 28) et sort (n, 10).")
    _logits(r, obs, valeurs["a"])
    ok, corps = r.valeur("corps", "le modèle")
    if ok and isinstance(corps, dict):
        f = {cle: corps[cle].values for cle in ("a", "b", "somme", "zero")}
        lineaire = np.allclose(f["a"] + f["b"], f["somme"] + f["zero"], rtol=1e-3, atol=1e-4)
        r.verifier(not lineaire, "une non-linéarité sépare les couches : le modèle n'est pas une simple fonction "
                   "affine.",
                   "avant sa sortie, le modèle se comporte comme une seule couche linéaire : f(a) + f(b) = f(a + b) "
                   "+ f(0) sur nos images. Sans activation entre les couches Dense, deux couches valent une seule.",
                   "donnez une activation à la couche cachée : Dense(128, activation=\"relu\").")
    ok, n = r.valeur("parametres", "le modèle")
    if not ok:
        return
    r.verifier(n == PARAMETRES, f"{_milliers(PARAMETRES)} paramètres entraînables.",
               f"le modèle a {_milliers(n)} paramètres entraînables, {_milliers(PARAMETRES)} attendus.",
               "une couche Dense(u) après une entrée de taille d a d × u + u paramètres ; model.summary() "
               "les compte couche par couche.")


def _logits(r, obs, sortie):
    couches = obs.get("couches", {}).get("value") or []
    derniere = couches[-1] if couches else {}
    activation = derniere.get("activation")
    if derniere.get("classe") in ("Softmax", "Activation") or activation not in (None, "linear"):
        nom = activation or derniere.get("classe")
        r.echec(f"la dernière couche applique « {nom} » : le modèle doit sortir des logits, sans activation.",
                "Dense(10) sans activation ; la perte s'en chargera avec from_logits=True.")
        return
    probabilites = np.all((sortie >= 0) & (sortie <= 1)) and np.allclose(sortie.sum(axis=1), 1, atol=1e-4)
    r.verifier(not probabilites and not np.all((sortie > 0) & (sortie < 1)),
               "la sortie est faite de logits (aucune activation sur la dernière couche).",
               "les sorties sont toutes entre 0 et 1 : une softmax ou une sigmoïde s'applique encore quelque part.",
               "retirez l'activation de sortie ; la perte utilisera from_logits=True.")


def _milliers(n):
    return f"{n:,}".replace(",", " ")
