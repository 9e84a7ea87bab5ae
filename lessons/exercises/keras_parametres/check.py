"""Vérification de l'exercice keras_parametres."""

import keras
import numpy as np

ATTENDU = 101_770


def _n(nombre):
    """101770 -> '101 770'."""
    return f"{nombre:,}".replace(",", " ")


def verifier(ns, r):
    construire = r.fonction(ns, "construire_modele")
    if construire is None:
        return
    ok, modele = r.appeler(construire)
    if not ok:
        return
    if not isinstance(modele, keras.Model):
        r.echec(f"construire_modele renvoie {type(modele).__name__}, un keras.Model est attendu.",
                "renvoie le modèle : return keras.Sequential([...]).")
        return
    if not modele.built:
        r.echec("le modèle n'est pas construit : Keras ne connaît pas encore la taille de l'entrée.",
                "commence la liste des couches par keras.Input(shape=(28, 28)).")
        return
    r.ok("construire_modele renvoie un keras.Model construit.")
    x = np.random.default_rng(0).random((4, 28, 28), dtype=np.float32)
    ok, sortie = r.appeler(modele, x)
    if not ok:
        return
    forme = tuple(np.asarray(sortie).shape)
    if not r.verifier(forme == (4, 10), "la sortie a la forme (lot, 10).",
                      f"pour un lot de 4 images, la sortie a la forme {forme}, (4, 10) attendue.",
                      "aplatis l'image (Flatten) et termine par Dense(10)."):
        return
    valeurs = np.asarray(sortie)
    if np.all(valeurs >= 0) and np.allclose(valeurs.sum(axis=1), 1.0, atol=1e-4):
        r.echec("la sortie est une distribution de probabilités (softmax) : des logits sont attendus.",
                "retire activation='softmax' de la dernière couche ; la perte prendra from_logits=True.")
    else:
        r.ok("la sortie est faite de logits (pas de softmax).")
    n = int(sum(int(np.prod(w.shape)) for w in modele.trainable_weights))
    if n == ATTENDU:
        r.ok(f"le modèle a exactement {_n(ATTENDU)} paramètres entraînables.")
        return
    indice = "une couche Dense(u) après une entrée de taille d a d × u + u paramètres (poids et biais)."
    sans_biais = {784 * u + u * 10 for u in range(1, 300)}
    if n in sans_biais:
        indice = "ton compte correspond à des couches sans biais : garde use_bias=True (par défaut)."
    elif n < 2_000:
        indice = "l'image n'est peut-être pas aplatie : mets keras.layers.Flatten() avant la première Dense."
    r.echec(f"le modèle a {_n(n)} paramètres entraînables, {_n(ATTENDU)} attendus.", indice)
