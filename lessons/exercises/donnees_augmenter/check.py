"""Vérification de l'exercice donnees_augmenter : augmenter(images, etiquettes, p, entrainement).

Chaque image renvoyée est classée par le processus qui juge : inchangée, retournée gauche-droite,
retournée haut-bas, les deux, ou autre chose. Les appels couvrent l'évaluation, p = 1, p = 0, deux
appels de suite sur le même lot (les tirages doivent différer, image par image) et un grand lot à
p = 0,3 (la proportion d'images retournées doit suivre p).
"""

import numpy as np

APPELS = {  # clé : (lot, p, entrainement)
    "fixe": ("fixe", 1.0, True),
    "eval": ("alea", 0.5, False),
    "p1": ("alea", 1.0, True),
    "p0": ("alea", 0.0, True),
    "a": ("alea", 0.5, True),
    "b": ("alea", 0.5, True),
    "freq": ("grand", 0.3, True),
}


def entrees(rng):
    h = int(rng.integers(5, 10))
    w = h + int(rng.integers(1, 4))
    return {"fixe_images": (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 23.0),
            "fixe_etiquettes": np.array([4, 1], dtype=np.int64),
            "alea_images": rng.uniform(0, 1, (64, h, w)).astype(np.float32),
            "alea_etiquettes": rng.integers(0, 10, 64).astype(np.int64),
            "grand_images": rng.uniform(0, 1, (300, 4, 5)).astype(np.float32),
            "grand_etiquettes": rng.integers(0, 10, 300).astype(np.int64)}


def sonder(s, e):
    s.noter("cadre", s.cadre)
    for cle, (lot, p, entrainement) in APPELS.items():
        images, etiquettes = e[f"{lot}_images"], e[f"{lot}_etiquettes"]
        copies = images.copy(), etiquettes.copy()
        s.appeler(cle, "augmenter", copies[0], copies[1], p=p, entrainement=entrainement)
        s.noter(f"{cle}:intact", bool(np.array_equal(copies[0], images) and np.array_equal(copies[1], etiquettes)))


def classes(originales, sorties):
    """One letter per image: O unchanged, H left-right mirror, V upside down, B both, X anything else."""
    out = []
    for x, a in zip(originales.astype(np.float64), sorties.astype(np.float64)):
        proche = lambda b: bool(np.allclose(a, b, rtol=0, atol=1e-6))  # noqa: E731
        out.append("O" if proche(x) else "H" if proche(x[:, ::-1]) else "V" if proche(x[::-1, :])
                   else "B" if proche(x[::-1, ::-1]) else "X")
    return "".join(out)


def _resultat(r, obs, cle, e, cadre):
    """(letters, values) of one call, or None after one French failure."""
    from dlcourse.lessons.rapport import to_numpy
    from dlcourse.lessons.wire import Array

    lot, p, entrainement = APPELS[cle]
    images, etiquettes = e[f"{lot}_images"], e[f"{lot}_etiquettes"]
    ok, v = r.valeur(cle, "augmenter")
    if not ok:
        return None
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        r.echec(f"augmenter renvoie un objet de type {getattr(v, 'type', type(v).__name__)} ; une paire "
                "(images, etiquettes) est attendue.", "return images_augmentees, etiquettes")
        return None
    types = {"torch.Tensor": "torch", "tf.Tensor": "tensorflow", "tf.Variable": "tensorflow"}
    sortie, labels = v
    if isinstance(sortie, Array) and sortie.type in types:
        valeurs = r.tableau(sortie, "augmenter (images)", types[sortie.type], images.shape, "float32")
    elif cadre in ("torch", "tensorflow"):
        valeurs = r.tableau(sortie, "augmenter (images)", cadre, images.shape, "float32")
    else:
        recu = sortie.type if isinstance(sortie, Array) else type(sortie).__name__
        r.echec(f"« augmenter » renvoie des images de type {recu}, un tenseur PyTorch ou TensorFlow est attendu.",
                "convertissez : torch.tensor(images) en PyTorch, tf.constant(images) en TensorFlow.")
        valeurs = None
    if valeurs is None:
        return None
    lab = to_numpy(labels)
    if lab is None or lab.shape != etiquettes.shape or not np.array_equal(lab, etiquettes):
        r.echec("augmenter : les étiquettes renvoyées ne sont pas celles reçues, dans le même ordre.",
                "un retournement ne change pas la classe : rendez les étiquettes telles quelles (en tenseur int64), "
                "sans les mélanger ni les retourner.")
        return None
    return classes(images, valeurs)


def juger(obs, e, r):
    cadre = obs.get("cadre", {}).get("value")
    lettres = {}
    for cle in APPELS:
        found = _resultat(r, obs, cle, e, cadre)
        if found is None:
            return
        lettres[cle] = found
    r.ok("augmenter : images (n, h, w) float32 et étiquettes inchangées, dans le même ordre.")
    tout = "".join(lettres.values())
    if "X" in tout:
        r.echec("augmenter : certaines images renvoyées ne sont ni l'image reçue ni son miroir gauche-droite.",
                "le résultat doit venir des images reçues : chacune gardée telle quelle ou retournée sur son dernier "
                "axe (w), sans autre transformation.")
        return
    if "V" in tout or "B" in tout:
        r.echec("augmenter : des images sont retournées haut-bas (verticalement) : la consigne demande un "
                "retournement gauche-droite seulement.",
                "retournez le dernier axe (w) : x.flip(-1), v2.RandomHorizontalFlip, tf.reverse(x, axis=[2]) ; "
                "keras.layers.RandomFlip() sans argument retourne aussi verticalement.")
        return
    if not r.verifier(set(lettres["eval"]) == {"O"},
                      "augmenter : en évaluation (entrainement=False), les images sont rendues inchangées.",
                      "augmenter : en évaluation (entrainement=False), des images sont retournées : "
                      "l'augmentation doit rester éteinte pour la validation et le test.",
                      "si entrainement est faux, renvoyez les images telles quelles (en tenseur)."):
        return
    if not r.verifier(set(lettres["p1"] + lettres["fixe"]) == {"H"} and set(lettres["p0"]) == {"O"},
                      "augmenter : avec p = 1, toutes les images sont retournées ; avec p = 0, aucune.",
                      "augmenter : la probabilité p n'est pas respectée : avec p = 1, toutes les images doivent être "
                      "retournées, avec p = 0, aucune.",
                      "comparez un tirage uniforme à p (tirage < p : on retourne), ou donnez p à "
                      "v2.RandomHorizontalFlip(p) ; keras.layers.RandomFlip n'a pas de p, il retourne une image "
                      "sur deux."):
        return
    a, b = lettres["a"], lettres["b"]
    if not r.verifier(set(a) == {"O", "H"},
                      "augmenter : chaque image du lot a son propre tirage.",
                      "augmenter : avec p = 0,5, les images d'un même lot sont toutes retournées ou toutes gardées : "
                      "un seul tirage sert tout le lot.",
                      "tirez un hasard par image : appliquez v2.RandomHorizontalFlip image par image "
                      "(torch.stack([retourner(image) for image in x])), ou tirez un nombre par image "
                      "(tf.random.uniform((n, 1, 1)))."):
        return
    if not r.verifier(a != b, "augmenter : deux appels de suite sur le même lot tirent des retournements différents.",
                      "augmenter : deux appels de suite sur le même lot retournent exactement les mêmes images : "
                      "le hasard est refixé à chaque appel.",
                      "ne fixez pas de graine dans la fonction (pas de torch.manual_seed, tf.random.set_seed, "
                      "ni de couche créée avec seed=... à chaque appel) : chaque époque doit voir un nouveau tirage."):
        return
    part = lettres["freq"].count("H") / len(lettres["freq"])
    r.verifier(0.2 <= part <= 0.4, "augmenter : sur un grand lot, la proportion d'images retournées suit p.",
               f"augmenter : sur un grand lot avec p = 0,3, {part:.0%} des images sont retournées ; environ 30 % "
               "sont attendus.",
               "retournez une image quand son tirage uniforme est inférieur à p (tirage < p).")
    intacts = [obs.get(f"{cle}:intact", {}).get("value") for cle in APPELS]
    r.verifier(all(v is not False for v in intacts), "augmenter : le tableau d'images reçu n'est pas modifié.",
               "augmenter : le tableau d'images reçu a été modifié sur place.",
               "partez d'une copie : torch.tensor(images) copie, torch.from_numpy(images) partage la mémoire du "
               "tableau NumPy ; n'écrivez pas dans images.")
