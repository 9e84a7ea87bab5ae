"""Vérification de l'exercice donnees_standardiser : standardiser(x_train, x_test) avec les statistiques de x_train.

Le processus qui juge recalcule en float64 la standardisation attendue, et celles des erreurs
typiques (statistiques du test, de toutes les données, de chaque ligne, écart-type corrigé, centrage
seul, test laissé brut) pour nommer celle que l'on reconnaît. Les tests sont décalés par rapport à
l'entraînement, comme des données d'une autre période : leurs statistiques diffèrent nettement.
"""

import numpy as np


def entrees(rng):
    # Cas fixe : une colonne constante (un pixel toujours noir) et des échelles très différentes.
    fixe_train = np.array([[1.0, 10.0, 0.0], [2.0, 30.0, 0.0], [3.0, 20.0, 0.0], [6.0, 60.0, 0.0]], np.float32)
    fixe_test = np.array([[2.0, 50.0, 1.0], [0.0, 0.0, 0.0], [7.0, 15.0, 2.0]], np.float32)
    n, m, d = int(rng.integers(20, 60)), int(rng.integers(8, 25)), int(rng.integers(2, 7))
    centres = rng.uniform(-50, 50, d)
    echelles = np.exp(rng.uniform(np.log(0.1), np.log(100), d))
    train = rng.normal(centres, echelles, (n, d))
    decalage = rng.choice([-1.0, 1.0], d) * rng.uniform(0.6, 1.5, d) * echelles
    test = rng.normal(centres + decalage, echelles * rng.uniform(0.4, 0.7, d), (m, d))
    return {"fixe_train": fixe_train, "fixe_test": fixe_test,
            "alea_train": train.astype(np.float32), "alea_test": test.astype(np.float32)}


CAS = (("fixe", "le cas fixe (avec une colonne constante)"), ("alea", "les données tirées au hasard"))


def sonder(s, e):
    s.noter("cadre", s.cadre)
    for cas, _ in CAS:
        train, test = e[f"{cas}_train"], e[f"{cas}_test"]
        copies = train.copy(), test.copy()
        s.appeler(cas, "standardiser", copies[0], copies[1])
        s.noter(f"{cas}:intacts", bool(np.array_equal(copies[0], train) and np.array_equal(copies[1], test)))


def _standardise(x, moyenne, ecart, remplacer=True):
    with np.errstate(divide="ignore", invalid="ignore"):
        if remplacer:
            ecart = np.where(ecart > 0, ecart, 1.0)
        return (x - moyenne) / ecart


def _stats(x, ddof=0, axe=0):
    return x.mean(axis=axe, keepdims=True), x.std(axis=axe, ddof=ddof, keepdims=True)


def attendus(train, test):
    """(train, test) standardised with the training statistics, in float64."""
    train, test = train.astype(np.float64), test.astype(np.float64)
    m, s = _stats(train)
    return _standardise(train, m, s), _standardise(test, m, s)


def erreurs(train, test):
    """The typical mistakes: name -> (train, test) they would give, with a message and a hint."""
    train, test = train.astype(np.float64), test.astype(np.float64)
    m, s = _stats(train)
    m1, s1 = _stats(train, ddof=1)
    mt, st = _stats(test)
    tout = np.concatenate([train, test])
    ma, sa = _stats(tout)
    return [
        ((_standardise(train, m, s), _standardise(test, mt, st)),
         "le test est standardisé avec ses propres statistiques (sa moyenne et son écart-type) : c'est une fuite, "
         "le modèle ne reçoit plus les valeurs qu'il a appris à lire.",
         "calculez moyenne et écart-type une seule fois, sur x_train, et appliquez-les aux deux tableaux."),
        ((_standardise(train, ma, sa), _standardise(test, ma, sa)),
         "les statistiques sont calculées sur toutes les données (entraînement et test réunis) : le test influence "
         "la préparation, c'est une fuite.",
         "calculez moyenne et écart-type sur x_train seulement, avant de toucher à x_test."),
        ((_standardise(train, *_stats(train, axe=1)), _standardise(test, *_stats(test, axe=1))),
         "chaque ligne (chaque exemple) est standardisée séparément : la consigne demande une moyenne et un "
         "écart-type par colonne (par variable).",
         "réduisez sur l'axe des exemples : mean(dim=0) en PyTorch, tf.reduce_mean(..., axis=0) en TensorFlow."),
        ((_standardise(train, m1, s1), _standardise(test, m1, s1)),
         "l'écart-type est le corrigé (division par n − 1) : la consigne demande celui de population (division "
         "par n), comme StandardScaler.",
         "en PyTorch, std(dim=0, correction=0) ; torch.std divise par n − 1 par défaut."),
        ((train - m, test - m),
         "les colonnes sont seulement centrées : il manque la division par l'écart-type.",
         "divisez ensuite par l'écart-type de chaque colonne de x_train."),
        ((_standardise(train, m, s), test),
         "x_test est rendu sans transformation : il doit recevoir la même standardisation que x_train.",
         "appliquez (x_test − moyenne) / écart-type, avec les statistiques de x_train."),
    ]


def _proche(a, b):
    return a.shape == b.shape and bool(np.all(np.isfinite(b))) and np.allclose(a, b, rtol=1e-4, atol=1e-4)


def _tenseur(r, valeur, nom, cadre, forme):
    """The values of one returned tensor, or None after one French failure."""
    from dlcourse.lessons.wire import Array

    types = {"torch.Tensor": "torch", "tf.Tensor": "tensorflow", "tf.Variable": "tensorflow"}
    if isinstance(valeur, Array) and valeur.type in types:
        return r.tableau(valeur, nom, types[valeur.type], forme, "float32")
    recu = valeur.type if isinstance(valeur, Array) else type(valeur).__name__
    if cadre in ("torch", "tensorflow"):
        return r.tableau(valeur, nom, cadre, forme, "float32")
    r.echec(f"« {nom} » renvoie un objet de type {recu}, un tenseur PyTorch ou TensorFlow est attendu.",
            "convertissez : torch.from_numpy(...) en PyTorch, tf.constant(...) en TensorFlow, et calculez "
            "sur les tenseurs.")
    return None


def juger(obs, e, r):
    cadre = obs.get("cadre", {}).get("value")
    for cas, libelle in CAS:
        train_x, test_x = e[f"{cas}_train"], e[f"{cas}_test"]
        ok, v = r.valeur(cas, "standardiser")
        if not ok:
            return
        if not isinstance(v, (tuple, list)) or len(v) != 2:
            r.echec(f"standardiser renvoie un objet de type {getattr(v, 'type', type(v).__name__)} ; une paire "
                    "(train, test) de deux tenseurs est attendue.", "return train_standardise, test_standardise")
            return
        train = _tenseur(r, v[0], "standardiser (train)", cadre, train_x.shape)
        test = _tenseur(r, v[1], "standardiser (test)", cadre, test_x.shape) if train is not None else None
        if train is None or test is None:
            return
        train, test = train.astype(np.float64), test.astype(np.float64)
        bon_train, bon_test = attendus(train_x, test_x)
        if _proche(bon_train, train) and _proche(bon_test, test):
            r.ok(f"standardiser, sur {libelle} : les deux tableaux sont standardisés avec les statistiques de "
                 "x_train seulement.")
        elif not (np.all(np.isfinite(train)) and np.all(np.isfinite(test))):
            constante = bool(np.any(train_x.std(axis=0) == 0))
            r.echec(f"standardiser, sur {libelle} : le résultat contient des NaN ou des infinis"
                    + (" : une colonne constante de x_train a un écart-type nul, et diviser par zéro donne NaN "
                       "ou l'infini." if constante else "."),
                    "remplacez un écart-type nul par 1 (torch.where(ecart > 0, ecart, torch.ones_like(ecart)), "
                    "ou tf.where), comme le fait StandardScaler." if constante else
                    "affichez les statistiques que vous calculez : une division par zéro ?")
        else:
            for (faux_train, faux_test), message, indice in erreurs(train_x, test_x):
                if _proche(faux_train, train) and _proche(faux_test, test):
                    r.echec(f"standardiser, sur {libelle} : {message}", indice)
                    break
            else:
                quoi = ("ni train ni test" if not _proche(bon_train, train) and not _proche(bon_test, test)
                        else "train" if not _proche(bon_train, train) else "test")
                r.echec(f"standardiser, sur {libelle} : les valeurs renvoyées ({quoi}) ne sont pas "
                        "(x − moyenne) / écart-type avec les statistiques de chaque colonne de x_train.",
                        "votre résultat doit dépendre des données reçues : calculez moyenne et écart-type de chaque "
                        "colonne de x_train (sur l'axe 0), puis appliquez-les aux deux tableaux.")
        intacts = obs.get(f"{cas}:intacts", {}).get("value")
        if intacts is False:
            r.echec(f"standardiser, sur {libelle} : les tableaux reçus ont été modifiés sur place.",
                    "ne modifiez pas x_train ni x_test : torch.from_numpy partage la mémoire du tableau ; "
                    "calculez de nouveaux tenseurs (x - moyenne) / ecart plutôt que x -= moyenne.")
