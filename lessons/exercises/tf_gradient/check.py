"""Vérification de l'exercice tf_gradient : derivee(x) et gradient_mse(w, b, x, y) avec tf.GradientTape."""

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
    import tensorflow as tf

    for cle in ("x_fixe", "x"):
        s.appeler(f"derivee:{cle}", "derivee", tf.constant(e[cle]))
    w, b = tf.Variable(e["w0"], dtype=tf.float32), tf.Variable(e["b0"], dtype=tf.float32)
    for cle, (x, y) in (("1", ("xs", "ys")), ("2", ("xs", "ys")), ("3", ("xs2", "ys2"))):
        s.appeler(f"gradient_mse:{cle}", "gradient_mse", w, b, tf.constant(e[x]), tf.constant(e[y]))


def juger(obs, e, r):
    if all(_derivee(r, e[cle], cle) for cle in ("x_fixe", "x")) and _avec_bande(r, "derivee"):
        r.ok("derivee : dy/dx = 3x² + 2 en chaque point, calculé par tf.GradientTape.")
    if _gradient_mse(r, e) and _avec_bande(r, "gradient_mse"):
        r.ok("gradient_mse : dL/dw et dL/db sont justes, identiques d'un appel à l'autre, calculés par "
             "tf.GradientTape.")


def _avec_bande(r, nom):
    facts = r.structure(nom)
    return r.exiger(facts is not None and facts.appelle("GradientTape") and facts.appelle("gradient"),
                    f"« {nom} » donne les bonnes valeurs, mais sans tf.GradientTape ni tape.gradient : le calcul "
                    "du gradient doit venir de TensorFlow, pas d'une formule dérivée à la main.",
                    "with tf.GradientTape() as tape: … puis tape.gradient(y, x).")


def _derivee(r, x, cle):
    ok, v = r.valeur(f"derivee:{cle}", "derivee")
    if not ok:
        return False
    if v is None:
        r.echec("derivee renvoie None : la bande n'a pas suivi x, qui est un tf.constant et non une tf.Variable.",
                "tape.watch(x) dans le bloc « with », avant de calculer y.")
        return False
    valeurs = r.tableau(v, "derivee", "tensorflow", x.shape)
    if valeurs is None:
        return False
    x64 = x.astype(np.float64)
    if np.allclose(valeurs, x64 ** 3 + 2 * x64, rtol=1e-4, atol=1e-4):
        r.echec("derivee renvoie y = x³ + 2x lui-même, pas sa dérivée.", "renvoyez tape.gradient(y, x).")
        return False
    faux = int(np.sum(~np.isclose(valeurs, 3 * x64 ** 2 + 2, rtol=1e-4, atol=1e-4)))
    return r.exiger(faux == 0, f"derivee : {faux} valeur(s) sur {len(x)} ne sont pas la dérivée de x³ + 2x.",
                    "y = x ** 3 + 2 * x dans le bloc de la bande, puis tape.gradient(y, x).")


def _attendu(w0, b0, x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    residu = w0 * x + b0 - y
    return np.mean(2 * residu * x), np.mean(2 * residu)


def _paire(r, v):
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(t is not None for t in v):
        try:
            return float(np.asarray(getattr(v[0], "values", v[0]))), float(np.asarray(getattr(v[1], "values", v[1])))
        except (TypeError, ValueError):
            pass
    if isinstance(v, (tuple, list)) and len(v) == 2:
        r.echec("gradient_mse renvoie un gradient None : la bande n'a pas relié la perte à w ou à b.",
                "calculez la perte dans le bloc « with tf.GradientTape() », à partir de w et de b.")
    else:
        r.echec("gradient_mse doit renvoyer un couple (dL/dw, dL/db).", "return grad_w, grad_b")
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
    gw, gb = _attendu(e["w0"], e["b0"], e["xs"], e["ys"])
    vw, vb = gradients["1"]
    n = len(e["xs"])
    if np.isclose(vw, n * gw, rtol=1e-3) and np.isclose(vb, n * gb, rtol=1e-3):
        r.echec("gradient_mse : les gradients sont n fois trop grands : vous avez sommé au lieu de moyenner.",
                "la perte est une moyenne : tf.reduce_mean, pas tf.reduce_sum.")
        return False
    if np.isclose(vw, -gw, rtol=1e-3) and np.isclose(vb, -gb, rtol=1e-3):
        r.echec("gradient_mse : les gradients ont le mauvais signe.",
                "le résidu est prédiction − cible : (w * x + b - y).")
        return False
    if not r.exiger(np.isclose(vw, gw, rtol=1e-3, atol=1e-5) and np.isclose(vb, gb, rtol=1e-3, atol=1e-5),
                    "gradient_mse : (dL/dw, dL/db) ne sont pas les gradients de la perte quadratique moyenne.",
                    "perte = tf.reduce_mean((w * x + b - y) ** 2) dans la bande, puis tape.gradient(perte, [w, b])."):
        return False
    if not r.exiger(np.allclose(gradients["2"], gradients["1"], rtol=1e-5),
                    "gradient_mse : un deuxième appel avec les mêmes w et b donne un autre résultat.",
                    "la fonction ne doit rien garder d'un appel à l'autre : une nouvelle bande à chaque appel."):
        return False
    gw3, gb3 = _attendu(e["w0"], e["b0"], e["xs2"], e["ys2"])
    return r.exiger(np.allclose(gradients["3"], (gw3, gb3), rtol=1e-3, atol=1e-5),
                    "gradient_mse : avec d'autres x et y, le résultat ne change pas comme il le devrait.",
                    "calculez la perte à partir des arguments x et y reçus, sans valeurs écrites à la main.")
