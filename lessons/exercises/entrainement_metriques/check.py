"""Vérification de l'exercice entrainement_metriques : précision, rappel, F1 par classe et F1 macro.

Le processus qui juge recalcule tout en NumPy à partir des étiquettes et des logits. Les cas fixes
contiennent une classe jamais prédite (0/0) et des logits carrés (n = k, pour reconnaître un argmax
pris sur le mauvais axe) ; les cas tirés au hasard ont une autre taille et une autre classe jamais prédite.
"""

import ast

import numpy as np


def _cas_aleatoire(rng):
    k = int(rng.integers(3, 7))
    n = int(rng.integers(4 * k, 12 * k))
    etiquettes = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])      # chaque classe présente
    rng.shuffle(etiquettes)
    logits = rng.normal(size=(n, k)) + 2.0 * np.eye(k)[etiquettes] * rng.uniform(0.5, 1.5)
    jamais = int(rng.integers(0, k))
    logits[:, jamais] = -10.0 + rng.normal(size=n) * 0.1                        # classe jamais prédite
    return {"etiquettes": etiquettes.astype(np.int64), "logits": logits.astype(np.float32)}


def entrees(rng):
    fixe_y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3], dtype=np.int64)
    fixe_p = np.array([0, 0, 1, 1, 1, 0, 2, 2, 1, 1, 0, 2])                      # la classe 3 n'est jamais prédite
    fixe_z = (np.eye(4)[fixe_p] * 3.0 + np.linspace(-0.4, 0.4, 48).reshape(12, 4)).astype(np.float32)
    carre_y = np.array([0, 1, 2, 2], dtype=np.int64)
    carre_z = np.array([[2.0, 0.1, 0.3, 1.5], [0.2, 0.0, 1.9, 0.3],
                        [0.1, 2.5, 0.2, 0.0], [0.3, 0.2, 1.1, 0.9]], dtype=np.float32)
    return {"fixe": {"etiquettes": fixe_y, "logits": fixe_z},
            "carre": {"etiquettes": carre_y, "logits": carre_z},
            "alea": _cas_aleatoire(rng), "alea2": _cas_aleatoire(rng)}


CAS = ("carre", "fixe", "alea", "alea2")   # the square case first: it names a wrong argmax axis


def _np(v):
    """A nested input array (decoded as dlcourse.lessons.wire.Array in the learner's process) as NumPy."""
    return v if isinstance(v, np.ndarray) else getattr(v, "values", v)


def sonder(s, e):
    for cas in CAS:
        y, z = _np(e[cas]["etiquettes"]), _np(e[cas]["logits"])
        s.appeler(f"scores:{cas}", "scores_par_classe", y.copy(), z.copy())
        s.appeler(f"macro:{cas}", "f1_macro", y.copy(), z.copy())


def scores(etiquettes, logits, axe=1):
    """(precision, recall, f1) per class in float64, 0 where a denominator is 0; ``axe=0``: the wrong argmax."""
    k = logits.shape[1]
    predites = logits.argmax(axis=axe)
    if len(predites) != len(etiquettes):
        return None
    vp = np.array([np.sum((predites == c) & (etiquettes == c)) for c in range(k)], dtype=np.float64)
    n_pred = np.array([np.sum(predites == c) for c in range(k)], dtype=np.float64)
    n_vrai = np.array([np.sum(etiquettes == c) for c in range(k)], dtype=np.float64)
    p = vp / np.maximum(n_pred, 1)
    r = vp / np.maximum(n_vrai, 1)
    f = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)
    return p, r, f


def _sklearn(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sklearn" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sklearn":
            return True
    return False


def _vecteurs(r, v, k):
    """The three returned vectors as float64 arrays of length k, or None after one failure."""
    from dlcourse.lessons.rapport import to_numpy

    if v is None:
        r.echec("scores_par_classe renvoie None.", "return precision, rappel, f1.")
        return None
    if not isinstance(v, (list, tuple)) or len(v) != 3:
        r.echec("scores_par_classe doit renvoyer trois vecteurs (precision, rappel, f1).",
                "return precision, rappel, f1 : un tuple de trois tenseurs de longueur k.")
        return None
    out = [to_numpy(x) for x in v]
    if any(a is None for a in out):
        r.echec("scores_par_classe renvoie autre chose que des tenseurs ou des nombres.",
                "renvoyez trois tenseurs (PyTorch ou TensorFlow) de longueur k.")
        return None
    formes = {tuple(np.shape(a)) for a in out}
    if formes != {(k,)}:
        r.echec(f"scores_par_classe renvoie des vecteurs de forme {sorted(formes)[0]} ; pour ces logits à {k} "
                f"classes, la forme attendue est ({k},).",
                "une valeur par classe : comptez sur l'axe des exemples, pour chacune des k colonnes des logits.")
        return None
    return [a.astype(np.float64) for a in out]


def juger(obs, e, r):
    if _sklearn(r.source):
        r.echec("votre fichier importe scikit-learn : l'exercice demande de calculer les métriques vous-même.",
                "retirez l'import de sklearn et comptez vrais positifs, prédictions et exemples de chaque classe "
                "avec des opérations PyTorch ou TensorFlow.")
    proche = lambda a, b: np.allclose(a, b, rtol=1e-4, atol=1e-5)  # noqa: E731
    justes = True
    for cas in CAS:
        y, z = e[cas]["etiquettes"], e[cas]["logits"]
        ok, v = r.valeur(f"scores:{cas}", "scores_par_classe")
        if not ok:
            return
        obtenu = _vecteurs(r, v, z.shape[1])
        if obtenu is None:
            return
        attendu = scores(y, z)
        if all(proche(a, b) for a, b in zip(obtenu, attendu)):
            continue
        justes = False
        _diagnostic(r, cas, y, z, obtenu, attendu)
        break
    if justes:
        r.ok("scores_par_classe : précision, rappel et F1 de chaque classe sont justes, y compris pour une classe "
             "jamais prédite.")
    valeurs, candidats = [], {"macro": [], "micro": [], "ponderee": [], "f1_moyennes": []}
    for cas in CAS:
        y, z = e[cas]["etiquettes"], e[cas]["logits"]
        ok, v = r.valeur(f"macro:{cas}", "f1_macro")
        if not ok:
            return
        if not _est_nombre(v):
            r.echec(f"f1_macro renvoie un objet de type {getattr(v, 'type', type(v).__name__)}, un nombre est "
                    "attendu.", "un float : .item() en PyTorch, float(...) en TensorFlow.")
            return
        valeurs.append(float(np.asarray(getattr(v, "values", v)).reshape(-1)[0]))
        p, rc, f = scores(y, z)
        pm, rm = p.mean(), rc.mean()
        candidats["macro"].append(f.mean())
        candidats["micro"].append(float(np.mean(z.argmax(axis=1) == y)))
        candidats["ponderee"].append(float(np.sum(np.bincount(y, minlength=z.shape[1]) / len(y) * f)))
        candidats["f1_moyennes"].append(2 * pm * rm / (pm + rm) if pm + rm > 0 else 0.0)
    valeurs = np.array(valeurs)
    egal = {nom: np.allclose(valeurs, c, atol=1e-4) for nom, c in candidats.items()}
    if not egal["macro"]:
        if np.isnan(valeurs).any():
            r.echec("f1_macro renvoie nan : une classe jamais prédite donne une division 0/0.",
                    "un F1 dont le dénominateur est nul vaut 0 ; réutilisez scores_par_classe, qui le gère.")
        elif egal["micro"]:
            r.echec("f1_macro renvoie la moyenne micro (égale à l'exactitude), pas la moyenne macro.",
                    "faites la moyenne simple des F1 des k classes : chaque classe compte autant.")
        elif egal["ponderee"]:
            r.echec("f1_macro pondère les classes par leur nombre d'exemples (moyenne pondérée) ; la moyenne "
                    "macro donne le même poids à chaque classe.", "une moyenne simple des F1 par classe.")
        elif egal["f1_moyennes"]:
            r.echec("f1_macro calcule le F1 des précision et rappel moyens ; la consigne demande la moyenne des F1 "
                    "de chaque classe.", "calculez le F1 de chaque classe, puis leur moyenne.")
        else:
            r.echec("f1_macro ne renvoie pas la moyenne des F1 des classes pour ces étiquettes et ces logits.",
                    "réutilisez scores_par_classe, puis la moyenne du vecteur f1.")
        return
    r.ok("f1_macro : la moyenne simple des F1 des classes, sur des cas fixes et tirés au hasard.")


def _est_nombre(v):
    from dlcourse.lessons.wire import Array

    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    return isinstance(v, Array) and v.values.size == 1 and v.values.dtype.kind in "fiu"


def _diagnostic(r, cas, y, z, obtenu, attendu):
    proche = lambda a, b: np.allclose(a, b, rtol=1e-4, atol=1e-5)  # noqa: E731
    p, rc, f = obtenu
    if any(np.isnan(a).any() for a in obtenu):
        r.echec("scores_par_classe renvoie nan pour une classe jamais prédite (ou jamais présente) : une division "
                "0/0 n'est pas traitée.",
                "un score dont le dénominateur est nul vaut 0 : clamp(min=1) sur le dénominateur (PyTorch) ou "
                "tf.math.divide_no_nan (TensorFlow).")
        return
    if cas == "carre":
        faux_axe = scores(y, z, axe=0)
        if faux_axe is not None and all(proche(a, b) for a, b in zip(obtenu, faux_axe)):
            r.echec("scores_par_classe prend l'argmax sur le mauvais axe : la classe prédite d'un exemple est le "
                    "maximum de sa ligne de logits.",
                    "argmax(dim=1) en PyTorch, tf.argmax(logits, axis=1) en TensorFlow.")
            return
    if proche(p, attendu[1]) and proche(rc, attendu[0]):
        r.echec("scores_par_classe : précision et rappel sont inversés.",
                "précision = VP / nombre de prédictions de la classe ; rappel = VP / nombre d'exemples de la classe.")
        return
    justes = [nom for nom, a, b in zip(("la précision", "le rappel", "le F1"), obtenu, attendu) if proche(a, b)]
    faux = [nom for nom, a, b in zip(("la précision", "le rappel", "le F1"), obtenu, attendu) if not proche(a, b)]
    detail = f" ({', '.join(justes)} : juste{'s' if len(justes) > 1 else ''})" if justes else ""
    noms = faux[0] if len(faux) == 1 else ", ".join(faux[:-1]) + " et " + faux[-1]
    r.echec(f"scores_par_classe : {noms} ne correspond{'ent' if len(faux) > 1 else ''} pas à ces "
            f"étiquettes et ces logits{detail}.",
            "classe prédite = argmax de chaque ligne ; pour chaque classe c : VP = prédit c et vraiment c, "
            "précision = VP / prédits c, rappel = VP / vrais c, F1 = 2PR / (P + R).")
