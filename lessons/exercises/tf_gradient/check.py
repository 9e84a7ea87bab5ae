"""Vérification de l'exercice tf_gradient."""

import inspect

import numpy as np
import tensorflow as tf


def _utilise_tape(r, fn, nom):
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return True
    return r.verifier("GradientTape" in source, f"{nom} utilise tf.GradientTape.",
                      f"{nom} ne contient pas tf.GradientTape : le gradient doit être calculé par TensorFlow.",
                      "with tf.GradientTape() as tape: ... puis tape.gradient(sortie, entrée).")


def verifier(ns, r):
    derivee = r.fonction(ns, "derivee")
    if derivee is not None:
        x = np.array([-2.0, -0.5, 0.0, 1.0, 3.0], dtype=np.float32)
        ok, sortie = r.appeler(derivee, tf.constant(x))
        if ok:
            _verifier_derivee(r, sortie, x)
            _utilise_tape(r, derivee, "derivee")

    gradient_mse = r.fonction(ns, "gradient_mse")
    if gradient_mse is not None:
        rng = np.random.default_rng(1)
        x = rng.normal(size=20).astype(np.float32)
        y = (3.0 * x + 1.0 + 0.1 * rng.normal(size=20)).astype(np.float32)
        w0, b0 = 0.5, -0.2
        ok, sortie = r.appeler(gradient_mse, tf.Variable(w0), tf.Variable(b0), tf.constant(x), tf.constant(y))
        if ok:
            _verifier_mse(r, sortie, w0, b0, x, y)
            _utilise_tape(r, gradient_mse, "gradient_mse")


def _verifier_derivee(r, sortie, x):
    attendu = 3 * x ** 2 + 2
    if sortie is None:
        r.echec("derivee renvoie None : tape.gradient n'a rien trouvé à dériver.",
                "x est un tf.constant, que la bande ne suit pas : appelle tape.watch(x) dans le bloc with.")
        return
    valeurs = np.asarray(sortie, dtype=np.float64)
    if valeurs.shape != x.shape:
        r.echec(f"derivee renvoie la forme {valeurs.shape}, {x.shape} attendue (une dérivée par point).",
                "tape.gradient(y, x) a la forme de x.")
        return
    if np.allclose(valeurs, x ** 3 + 2 * x, atol=1e-4):
        r.echec("derivee renvoie y = x³ + 2x, pas sa dérivée.", "renvoie tape.gradient(y, x), pas y.")
        return
    r.verifier(np.allclose(valeurs, attendu, atol=1e-4), "derivee : dy/dx = 3x² + 2 en chaque point.",
               f"derivee : valeurs {np.round(valeurs, 3).tolist()}, {attendu.tolist()} attendues.",
               "le calcul de y doit être fait dans le bloc « with tf.GradientTape() as tape: ».")


def _verifier_mse(r, sortie, w0, b0, x, y):
    residu = w0 * x + b0 - y
    gw, gb = np.mean(2 * residu * x), np.mean(2 * residu)
    if not isinstance(sortie, (tuple, list)) or len(sortie) != 2:
        r.echec(f"gradient_mse renvoie {type(sortie).__name__}, un couple (dL/dw, dL/db) est attendu.",
                "return grad_w, grad_b")
        return
    if sortie[0] is None or sortie[1] is None:
        r.echec("gradient_mse : un des gradients vaut None.",
                "calcule la perte à l'intérieur du bloc with, à partir de w et b (les tf.Variable).")
        return
    vw, vb = float(np.asarray(sortie[0])), float(np.asarray(sortie[1]))
    n = len(x)
    if np.isclose(vw, n * gw, rtol=1e-3) and np.isclose(vb, n * gb, rtol=1e-3):
        r.echec("gradient_mse : les gradients sont n fois trop grands : tu as sommé au lieu de moyenner.",
                "la perte est une moyenne : tf.reduce_mean, pas tf.reduce_sum.")
        return
    r.verifier(np.isclose(vw, gw, rtol=1e-3, atol=1e-5) and np.isclose(vb, gb, rtol=1e-3, atol=1e-5),
               "gradient_mse : dL/dw et dL/db sont justes.",
               f"gradient_mse : ({vw:.4f}, {vb:.4f}) obtenus, ({gw:.4f}, {gb:.4f}) attendus.",
               "L = tf.reduce_mean((w * x + b - y) ** 2), puis tape.gradient(L, [w, b]).")
