"""Vérification de l'exercice tf_tenseurs."""

import numpy as np
import tensorflow as tf


def verifier(ns, r):
    rng = np.random.default_rng(0)
    images_np = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    attendu = images_np.reshape(5, 784).astype(np.float32) / 255.0

    aplatir = r.fonction(ns, "aplatir")
    if aplatir is not None:
        ok, sortie = r.appeler(aplatir, tf.constant(images_np))
        if ok:
            _verifier_aplatir(r, sortie, attendu)

    centrer = r.fonction(ns, "centrer")
    if centrer is not None:
        x = rng.normal(loc=[1.0, -2.0, 5.0], scale=1.0, size=(6, 3)).astype(np.float32)
        ok, sortie = r.appeler(centrer, tf.constant(x))
        if ok:
            _verifier_centrer(r, sortie, x)


def _verifier_aplatir(r, sortie, attendu):
    if not isinstance(sortie, tf.Tensor):
        r.echec(f"aplatir renvoie un objet de type {type(sortie).__name__}, un tf.Tensor est attendu.",
                "reste dans TensorFlow : tf.cast et tf.reshape renvoient des tf.Tensor.")
        return
    forme = tuple(sortie.shape)
    if forme == (5, 28, 28):
        r.echec("le tenseur a la forme (5, 28, 28), (5, 784) attendue : as-tu aplati l'image ?",
                "tf.reshape(images, (-1, 784)) garde la dimension du lot et aplatit le reste.")
        return
    if forme == (5 * 784,):
        r.echec("le tenseur a la forme (3920,) : tu as aussi aplati la dimension du lot.",
                "garde n lignes : tf.reshape(images, (-1, 784)).")
        return
    if not r.verifier(forme == (5, 784), "aplatir : forme (n, 784) correcte.",
                      f"aplatir : le tenseur a la forme {forme}, (5, 784) attendue pour 5 images.",
                      "28 × 28 = 784 pixels par image, une ligne par image."):
        return
    if not r.verifier(sortie.dtype == tf.float32, "aplatir : dtype float32 correct.",
                      f"aplatir : le dtype est {sortie.dtype.name}, float32 attendu.",
                      "convertis avec tf.cast(images, tf.float32) avant de diviser."):
        return
    valeurs = sortie.numpy()
    if valeurs.max() > 1.0 + 1e-6:
        r.echec(f"aplatir : les valeurs vont jusqu'à {valeurs.max():.0f}, elles doivent être dans [0, 1].",
                "divise par 255.0 après la conversion en float32.")
        return
    r.verifier(np.allclose(valeurs, attendu, atol=1e-6), "aplatir : les valeurs sont exactement les pixels / 255.",
               "aplatir : la forme et l'échelle sont bonnes mais les pixels ne sont pas à la bonne place.",
               "utilise tf.reshape sans transposer : la ligne i doit contenir l'image i lue ligne par ligne.")


def _verifier_centrer(r, sortie, x):
    if not hasattr(sortie, "shape") or sortie is None:
        r.echec(f"centrer renvoie {type(sortie).__name__}, un tf.Tensor (n, d) est attendu.",
                "n'oublie pas le « return ».")
        return
    valeurs = np.asarray(sortie)
    if not r.verifier(valeurs.shape == x.shape, "centrer : la forme (n, d) est conservée.",
                      f"centrer : forme {valeurs.shape}, {x.shape} attendue (la même que x).",
                      "la soustraction x - moyennes garde la forme de x : ne réduis pas le résultat."):
        return
    if np.allclose(valeurs, x - x.mean(axis=1, keepdims=True), atol=1e-5):
        r.echec("centrer : tu as retiré la moyenne de chaque ligne, pas celle de chaque colonne.",
                "tf.reduce_mean(x, axis=0) donne une moyenne par colonne, de forme (d,).")
        return
    if np.allclose(valeurs, x - x.mean(), atol=1e-5):
        r.echec("centrer : tu as retiré la moyenne globale du tenseur, pas celle de chaque colonne.",
                "précise l'axe : tf.reduce_mean(x, axis=0).")
        return
    r.verifier(np.allclose(valeurs, x - x.mean(axis=0), atol=1e-5),
               "centrer : chaque colonne a maintenant une moyenne nulle (broadcasting réussi).",
               "centrer : les colonnes du résultat n'ont pas une moyenne nulle.",
               "calcule moyennes = tf.reduce_mean(x, axis=0) puis renvoie x - moyennes.")
