"""Vérification de l'exercice torch_tenseurs : vers_nchw(images) et normaliser(x) par canal, en PyTorch."""

import numpy as np


def entrees(rng):
    n = int(rng.integers(2, 5))
    c, h, w = 3, int(rng.integers(4, 8)), int(rng.integers(4, 8))
    moyennes = rng.uniform(-3, 3, (1, c, 1, 1))
    echelles = rng.uniform(0.5, 4, (1, c, 1, 1))
    decalages = rng.uniform(-2, 2, (n, 1, 1, 1))      # chaque image a sa propre luminosité
    return {
        "images": rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
        "x": (rng.normal(size=(n, c, h, w)) * echelles + moyennes + decalages).astype(np.float32),
    }


def sonder(s, e):
    import torch

    s.appeler("vers_nchw", "vers_nchw", e["images"].copy())
    s.appeler("normaliser", "normaliser", torch.from_numpy(e["x"].copy()))


def juger(obs, e, r):
    if _vers_nchw(r, e["images"]):
        r.ok("vers_nchw : (n, 32, 32, 3) uint8 devient (n, 3, 32, 32) float32 dans [0, 1], chaque pixel à sa place.")
    if _normaliser(r, e["x"]) and r.sans_numpy("normaliser", "torch"):
        r.ok("normaliser : chaque canal est centré réduit avec ses statistiques sur tout le lot, calculé avec PyTorch.")


def _vers_nchw(r, images):
    ok, v = r.valeur("vers_nchw", "vers_nchw")
    if not ok:
        return False
    n = len(images)
    if getattr(v, "shape", None) == (n, 32, 32, 3):
        r.echec("vers_nchw renvoie encore le format (n, 32, 32, 3) : les canaux doivent passer en deuxième position.",
                "x.permute(0, 3, 1, 2).")
        return False
    valeurs = r.tableau(v, "vers_nchw", "torch", (n, 3, 32, 32), "float32")
    if valeurs is None:
        return False
    attendu = images.transpose(0, 3, 1, 2).astype(np.float64) / 255.0
    if np.allclose(valeurs, images.reshape(n, 3, 32, 32) / 255.0, atol=1e-6):
        r.echec("vers_nchw a la bonne forme, mais les pixels sont mélangés : reshape (ou view) range les mêmes "
                "nombres dans une autre forme sans déplacer les canaux.", "utilisez x.permute(0, 3, 1, 2).")
        return False
    if np.allclose(valeurs, images.transpose(0, 3, 1, 2), atol=1e-3):
        r.echec("vers_nchw : les valeurs vont de 0 à 255, elles doivent être ramenées dans [0, 1].",
                "divisez par 255.0 après .float().")
        return False
    if np.allclose(valeurs, images.transpose(0, 3, 2, 1) / 255.0, atol=1e-6):
        r.echec("vers_nchw : la hauteur et la largeur sont échangées.", "x.permute(0, 3, 1, 2) : (n, h, w, c) → (n, c, h, w).")
        return False
    faux = int(np.sum(~np.all(np.isclose(valeurs, attendu, atol=1e-6), axis=(1, 2, 3))))
    return r.exiger(faux == 0, f"vers_nchw : {faux} image(s) sur {n} n'ont pas les bons pixels.",
                    "torch.from_numpy(images).float() / 255.0, puis .permute(0, 3, 1, 2).")


def _standardise(x, axes, ddof):
    return (x - x.mean(axis=axes, keepdims=True)) / x.std(axis=axes, keepdims=True, ddof=ddof)


def _normaliser(r, x):
    ok, v = r.valeur("normaliser", "normaliser")
    if not ok:
        return False
    valeurs = r.tableau(v, "normaliser", "torch", x.shape)
    if valeurs is None:
        return False
    x64 = x.astype(np.float64)

    def egal(axes):
        return any(np.allclose(valeurs, _standardise(x64, axes, ddof), atol=1e-3) for ddof in (0, 1))

    if egal((0, 2, 3)):
        return True
    if egal((2, 3)) or egal((1, 2, 3)):
        r.echec("normaliser standardise chaque image séparément : chaque canal doit l'être avec sa moyenne et son "
                "écart-type sur tout le lot (toutes les images, toute la hauteur et la largeur).",
                "x.mean(dim=(0, 2, 3), keepdim=True) : une statistique par canal, de forme (1, c, 1, 1).")
    elif egal((1,)) or egal((0, 1)):
        r.echec("normaliser calcule ses statistiques le long de l'axe des canaux (dim=1) : il faut une "
                "statistique par canal, donc réduire toutes les autres dimensions.",
                "dim=(0, 2, 3) et keepdim=True pour que le broadcasting retrouve la forme (n, c, h, w).")
    elif egal((0, 1, 2, 3)):
        r.echec("normaliser utilise une seule moyenne et un seul écart-type pour tout le lot ; il en faut un par canal.",
                "x.mean(dim=(0, 2, 3), keepdim=True) et x.std(dim=(0, 2, 3), keepdim=True).")
    else:
        moyennes = valeurs.mean(axis=(0, 2, 3))
        r.echec("normaliser : le résultat n'est pas chaque canal centré réduit"
                + (" (les moyennes par canal ne sont pas nulles)." if not np.allclose(moyennes, 0, atol=1e-3) else "."),
                "(x - moyenne) / écart_type, avec moyenne et écart-type de forme (1, c, 1, 1).")
    return False
