"""Vérification de l'exercice tf_tenseurs : aplatir(images) et centrer(x) en TensorFlow."""

import numpy as np


def entrees(rng):
    n = int(rng.integers(3, 7))
    lignes, colonnes = int(rng.integers(5, 10)), int(rng.integers(3, 5))   # jamais carré : l'axe compte
    moyennes = rng.uniform(-5, 5, colonnes)
    return {
        "images": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
        "images_fixes": (np.arange(2 * 28 * 28) % 256).astype(np.uint8).reshape(2, 28, 28),
        "x": (rng.normal(size=(lignes, colonnes)) * 2 + moyennes).astype(np.float32),
        "x_fixe": np.array([[1, 10], [2, 20], [3, 30], [6, 60], [8, 80]], dtype=np.float32),
    }


def sonder(s, e):
    import tensorflow as tf

    for cle in ("images", "images_fixes"):
        s.appeler(f"aplatir:{cle}", "aplatir", tf.constant(e[cle]))
    for cle in ("x", "x_fixe"):
        s.appeler(f"centrer:{cle}", "centrer", tf.constant(e[cle]))


def juger(obs, e, r):
    if all(_aplatir(obs, e[cle], r, cle) for cle in ("images_fixes", "images")) \
            and r.sans_numpy("aplatir", "tensorflow"):
        r.ok("aplatir : (n, 28, 28) uint8 devient (n, 784) float32 dans [0, 1], pixels dans l'ordre, "
             "calculé avec TensorFlow.")
    if all(_centrer(obs, e[cle], r, cle) for cle in ("x_fixe", "x")) and r.sans_numpy("centrer", "tensorflow"):
        r.ok("centrer : chaque colonne est centrée (moyenne nulle), les écarts entre lignes sont gardés, "
             "calculé avec TensorFlow.")


def _aplatir(obs, images, r, cle):
    ok, v = r.valeur(f"aplatir:{cle}", "aplatir")
    if not ok:
        return False
    n = len(images)
    if getattr(v, "shape", None) == (n, 28, 28):
        r.echec("aplatir renvoie encore des images (n, 28, 28) : avez-vous aplati l'image ? Chaque image doit "
                "devenir une ligne de 784 valeurs.", "tf.reshape(x, (-1, 28 * 28)).")
        return False
    valeurs = r.tableau(v, "aplatir", "tensorflow", (n, 784), "float32")
    if valeurs is None:
        return False
    attendu = images.reshape(n, 784).astype(np.float64) / 255.0
    if np.allclose(valeurs, images.reshape(n, 784), atol=1e-3):
        r.echec("aplatir : les valeurs vont de 0 à 255, elles doivent être ramenées dans [0, 1].",
                "divisez par 255.0 après la conversion en float32.")
        return False
    if np.allclose(valeurs, images.transpose(0, 2, 1).reshape(n, 784) / 255.0, atol=1e-6):
        r.echec("aplatir : les pixels sont lus colonne par colonne ; une ligne de l'image doit rester d'un seul "
                "tenant.", "tf.reshape seul, sans tf.transpose.")
        return False
    faux = int(np.sum(~np.all(np.isclose(valeurs, attendu, atol=1e-6), axis=1)))
    return r.exiger(faux == 0, f"aplatir : {faux} image(s) sur {n} ne donnent pas les bons pixels "
                      "(valeur / 255, dans l'ordre des lignes de l'image).",
                      "tf.cast(images, tf.float32) / 255.0 puis tf.reshape, sans constantes écrites à la main.")


def _centrer(obs, x, r, cle):
    ok, v = r.valeur(f"centrer:{cle}", "centrer")
    if not ok:
        return False
    valeurs = r.tableau(v, "centrer", "tensorflow", x.shape)
    if valeurs is None:
        return False
    x64 = x.astype(np.float64)
    if np.allclose(valeurs, x64 - x64.mean(axis=1, keepdims=True), atol=1e-4):
        r.echec("centrer retire la moyenne de chaque ligne ; il faut la moyenne de chaque colonne.",
                "tf.reduce_mean(x, axis=0) : l'axe 0 parcourt les lignes, on obtient une moyenne par colonne.")
        return False
    if np.allclose(valeurs, x64 - x64.mean(), atol=1e-4):
        r.echec("centrer retire une seule moyenne pour tout le tableau ; il en faut une par colonne.",
                "tf.reduce_mean(x, axis=0), puis le broadcasting soustrait chaque moyenne de sa colonne.")
        return False
    if not np.allclose(valeurs.mean(axis=0), 0, atol=1e-4):
        r.echec("centrer : les colonnes du résultat n'ont pas une moyenne nulle.",
                "soustrayez à x la moyenne de chaque colonne, calculée sur x lui-même.")
        return False
    return r.exiger(np.allclose(valeurs, x64 - x64.mean(axis=0), atol=1e-4),
                    "centrer : les colonnes sont bien de moyenne nulle, mais les écarts entre les lignes ont "
                    "changé (le résultat doit valoir x moins la moyenne de sa colonne).",
                    "x - tf.reduce_mean(x, axis=0), sans autre opération.")

