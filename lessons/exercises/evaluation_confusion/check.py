"""Vérification de l'exercice evaluation_confusion : matrice_confusion et rappel_par_classe.

Les entrées arrivent en tenseurs du framework que le fichier importe. Le processus qui juge
recalcule la matrice en NumPy, et celles des erreurs typiques (lignes et colonnes inversées,
précision au lieu du rappel, exactitude globale, division par zéro pour une classe absente) pour
nommer celle qu'il reconnaît.
"""

import numpy as np


def entrees(rng):
    # Cas fixe : 4 classes, la classe 3 n'a aucun exemple (mais elle est prédite une fois), la classe 2
    # n'est jamais prédite ; les sorties sont des probabilités.
    fixe_y = np.array([0, 0, 1, 1, 1, 2, 2, 0, 1, 2], np.int64)
    predites = np.array([0, 1, 1, 1, 0, 0, 1, 3, 1, 0])
    fixe_p = np.full((10, 4), 0.1, np.float32)
    fixe_p[np.arange(10), predites] = 0.7
    out = {"fixe_y": fixe_y, "fixe_s": fixe_p}
    for cas in ("alea1", "alea2"):
        k, n = int(rng.integers(3, 8)), int(rng.integers(30, 90))
        y = rng.integers(0, k, n).astype(np.int64)
        logits = rng.normal(0.0, 2.0, (n, k))
        logits[np.arange(n), y] += rng.uniform(0.0, 3.0, n)        # un modèle correct à moitié
        out[f"{cas}_y"], out[f"{cas}_s"] = y, logits.astype(np.float32)
    return out


CAS = ("fixe", "alea1", "alea2")


def _tenseurs(cadre, y, s):
    if cadre == "torch":
        import torch

        return torch.from_numpy(y.copy()), torch.from_numpy(s.copy())
    if cadre == "tensorflow":
        import tensorflow as tf

        return tf.constant(y), tf.constant(s)
    return y.copy(), s.copy()


def sonder(s, e):
    from dlcourse.lessons.neutre import cadre_de, en_numpy

    s.noter("cadre", s.cadre)
    for cas in CAS:
        for nom in ("matrice_confusion", "rappel_par_classe"):
            fn = s.fonction(nom, f"{nom}:{cas}")
            if fn is None:
                continue
            y, sorties = _tenseurs(s.cadre, e[f"{cas}_y"], e[f"{cas}_s"])

            def appel(fn=fn, y=y, sorties=sorties):
                out = fn(y, sorties)
                if out is None:
                    return None
                return {"cadre": cadre_de(out), "valeurs": np.asarray(en_numpy(out), dtype=np.float64)}

            s.essayer(f"{nom}:{cas}", appel)


def matrice(y, sorties):
    k = sorties.shape[1]
    m = np.zeros((k, k), np.int64)
    np.add.at(m, (y, sorties.argmax(axis=1)), 1)
    return m


def _rappel(m):
    lignes = m.sum(axis=1)
    return np.where(lignes > 0, np.diag(m) / np.maximum(lignes, 1), 0.0)


def _valeur(r, nom, cas):
    ok, v = r.valeur(f"{nom}:{cas}", nom)
    if not ok:
        return None
    if v is None:
        r.echec(f"« {nom} » renvoie None.", "avez-vous oublié le « return » ?")
        return None
    valeurs = v.get("valeurs") if isinstance(v, dict) else None
    if valeurs is None or not hasattr(valeurs, "values"):
        r.echec(f"« {nom} » renvoie un objet qui n'est pas un tenseur.", "renvoyez un tenseur PyTorch ou TensorFlow.")
        return None
    return np.asarray(valeurs.values, np.float64)


def juger(obs, e, r):
    _juger_matrice(r, e)
    _juger_rappel(r, e)


def _juger_matrice(r, e):
    justes = []
    for cas in CAS:
        y, s = e[f"{cas}_y"], e[f"{cas}_s"]
        v = _valeur(r, "matrice_confusion", cas)
        if v is None:
            return
        attendue, k = matrice(y, s), s.shape[1]
        if v.shape != (k, k) and "fixe" in justes:
            r.echec(f"matrice_confusion est juste sur l'exemple fixe mais pas sur des entrées tirées au hasard : pour "
                    f"{k} classes, elle renvoie la forme {v.shape}.",
                    "calculez la matrice à partir des arguments reçus (k = sorties.shape[1]), sans valeurs recopiées "
                    "d'un exemple.")
            return
        if v.shape != (k, k):
            if v.ndim == 1 and len(v) == k:
                r.echec(f"matrice_confusion renvoie un vecteur de {k} valeurs, une matrice ({k}, {k}) est attendue.",
                        "une case par couple (vraie classe, classe prédite) : k × k cases, puis reshape(k, k).")
            else:
                r.echec(f"matrice_confusion renvoie la forme {v.shape} ; pour {k} classes, la forme attendue est "
                        f"({k}, {k}).", "k est le nombre de colonnes des sorties (sorties.shape[1]) ; la classe "
                                        "prédite est l'argmax de chaque ligne (axe 1).")
            return
        if np.array_equal(v, attendue):
            justes.append(cas)
            continue
        if cas != "fixe" and "fixe" in justes:
            r.echec("matrice_confusion est juste sur l'exemple fixe mais fausse sur des entrées tirées au hasard.",
                    "calculez la matrice à partir des arguments reçus, sans valeurs recopiées d'un exemple.")
            return
        if np.array_equal(v, attendue.T):
            r.echec("matrice_confusion : lignes et colonnes sont inversées (les lignes doivent être les vraies "
                    "classes, les colonnes les classes prédites).",
                    "M[i, j] = nombre d'exemples de vraie classe i prédits en classe j : l'indice de la ligne "
                    "vient des étiquettes, celui de la colonne de l'argmax.")
            return
        if v.sum() != len(y):
            r.echec(f"matrice_confusion : la somme des cases vaut {v.sum():g}, alors qu'il y a {len(y)} exemples "
                    "(chaque exemple compte une fois, dans une seule case).",
                    "chaque exemple ajoute 1 dans exactement une case : (sa vraie classe, l'argmax de SA ligne des "
                    "sorties, sur l'axe 1) ; la matrice se calcule à partir des arguments reçus.")
            return
        r.echec("matrice_confusion : des cases ne comptent pas le bon nombre d'exemples.",
                "pour chaque exemple, ajoutez 1 dans la case (vraie classe, classe prédite = argmax de la ligne).")
        return
    r.ok("matrice_confusion : la bonne matrice (lignes : vraies classes, colonnes : prédites), sur l'exemple fixe "
         "et sur des entrées tirées au hasard.")


def _juger_rappel(r, e):
    justes = []
    for cas in CAS:
        y, s = e[f"{cas}_y"], e[f"{cas}_s"]
        v = _valeur(r, "rappel_par_classe", cas)
        if v is None:
            return
        m, k = matrice(y, s), s.shape[1]
        attendu = _rappel(m)
        if v.shape != (k,) and "fixe" in justes:
            r.echec(f"rappel_par_classe est juste sur l'exemple fixe mais pas sur des entrées tirées au hasard : pour "
                    f"{k} classes, elle renvoie la forme {v.shape}.",
                    "calculez le rappel à partir des arguments reçus, sans valeurs recopiées d'un exemple.")
            return
        if v.shape != (k,):
            r.echec(f"rappel_par_classe renvoie la forme {v.shape} ; pour {k} classes, un vecteur ({k},) est attendu.",
                    "une valeur par classe : la diagonale de la matrice divisée par la somme de chaque ligne.")
            return
        if not np.all(np.isfinite(v)):
            r.echec("rappel_par_classe renvoie des valeurs non finies (nan ou inf) : une classe sans aucun exemple "
                    "donne une division 0 / 0.",
                    "remplacez les sommes de lignes nulles par 1 avant de diviser (clamp(min=1), tf.maximum(…, 1)) : "
                    "le rappel d'une classe absente vaut alors 0.")
            return
        if np.allclose(v, attendu, atol=1e-5):
            justes.append(cas)
            continue
        if cas != "fixe" and "fixe" in justes:
            r.echec("rappel_par_classe est juste sur l'exemple fixe mais faux sur des entrées tirées au hasard.",
                    "calculez le rappel à partir des arguments reçus, sans valeurs recopiées d'un exemple.")
            return
        colonnes = m.sum(axis=0)
        precision = np.where(colonnes > 0, np.diag(m) / np.maximum(colonnes, 1), 0.0)
        exactitude = np.trace(m) / m.sum()
        if np.allclose(v, precision, atol=1e-5):
            r.echec("rappel_par_classe calcule la précision de chaque classe (division par les sommes des colonnes, "
                    "les exemples prédits dans la classe), pas son rappel.",
                    "le rappel divise par le nombre d'exemples de VRAIE classe i : la somme de la ligne i.")
        elif np.allclose(v, exactitude, atol=1e-5):
            r.echec("rappel_par_classe renvoie la même valeur pour toutes les classes, l'exactitude globale : le "
                    "rappel est propre à chaque classe.",
                    "la diagonale de la matrice (un nombre par classe) divisée par la somme de chaque ligne.")
        else:
            r.echec("rappel_par_classe : des valeurs ne sont pas le rappel de leur classe.",
                    "rappel[i] = M[i, i] / (somme de la ligne i) ; 0 pour une classe sans exemple.")
        return
    r.ok("rappel_par_classe : le rappel de chaque classe, 0 pour une classe sans exemple.")
