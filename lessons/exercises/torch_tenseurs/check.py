"""Vérification de l'exercice torch_tenseurs."""

import numpy as np
import torch


def verifier(ns, r):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
    vers_nchw = r.fonction(ns, "vers_nchw")
    if vers_nchw is not None:
        ok, sortie = r.appeler(vers_nchw, images.copy())
        if ok:
            _verifier_nchw(r, sortie, images)
    normaliser = r.fonction(ns, "normaliser")
    if normaliser is not None:
        x = torch.from_numpy(rng.normal(loc=[3.0, -1.0, 10.0], scale=[1.0, 2.0, 5.0], size=(6, 5, 5, 3))
                             .astype(np.float32)).permute(0, 3, 1, 2).contiguous()
        ok, sortie = r.appeler(normaliser, x.clone())
        if ok:
            _verifier_normaliser(r, sortie, x)


def _verifier_nchw(r, sortie, images):
    if not isinstance(sortie, torch.Tensor):
        r.echec(f"vers_nchw renvoie un objet de type {type(sortie).__name__}, un torch.Tensor est attendu.",
                "torch.from_numpy(images) crée un tenseur qui partage la mémoire du tableau.")
        return
    forme = tuple(sortie.shape)
    if forme == (4, 32, 32, 3):
        r.echec("le tenseur a la forme (4, 32, 32, 3) (NHWC), (4, 3, 32, 32) attendue (NCHW).",
                "réordonne les axes avec x.permute(0, 3, 1, 2).")
        return
    if not r.verifier(forme == (4, 3, 32, 32), "vers_nchw : forme (n, 3, 32, 32) correcte.",
                      f"vers_nchw : forme {forme}, (4, 3, 32, 32) attendue.",
                      "l'axe des canaux (le dernier en NHWC) passe en deuxième position : permute(0, 3, 1, 2)."):
        return
    if not r.verifier(sortie.dtype == torch.float32, "vers_nchw : dtype float32 correct.",
                      f"vers_nchw : dtype {sortie.dtype}, torch.float32 attendu.",
                      "convertis avec .float() (sinon la division entière tronque les pixels)."):
        return
    valeurs = sortie.detach().numpy()
    if valeurs.max() > 1.0 + 1e-6:
        r.echec(f"vers_nchw : les valeurs vont jusqu'à {valeurs.max():.0f}, elles doivent être dans [0, 1].",
                "divise par 255.0.")
        return
    attendu = images.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    if np.allclose(valeurs, images.reshape(4, 3, 32, 32).astype(np.float32) / 255.0):
        r.echec("vers_nchw : la forme est bonne mais les pixels sont mélangés.",
                "reshape et view changent la forme sans déplacer les axes : utilise permute(0, 3, 1, 2).")
        return
    r.verifier(np.allclose(valeurs, attendu, atol=1e-6), "vers_nchw : chaque canal contient les bons pixels.",
               "vers_nchw : les valeurs ne correspondent pas aux pixels d'origine divisés par 255.",
               "x = torch.from_numpy(images).float() / 255, puis x.permute(0, 3, 1, 2).")


def _verifier_normaliser(r, sortie, x):
    if not isinstance(sortie, torch.Tensor):
        r.echec(f"normaliser renvoie {type(sortie).__name__}, un torch.Tensor est attendu.", "n'oublie pas le return.")
        return
    if not r.verifier(tuple(sortie.shape) == tuple(x.shape), "normaliser : la forme (n, c, h, w) est conservée.",
                      f"normaliser : forme {tuple(sortie.shape)}, {tuple(x.shape)} attendue.",
                      "calcule moyenne et écart-type avec keepdim=True pour qu'ils se diffusent sur x."):
        return
    y = sortie.detach().double()
    moyennes = y.mean(dim=(0, 2, 3))
    ecarts = y.std(dim=(0, 2, 3), unbiased=False)
    if torch.allclose(y.mean(dim=1), torch.zeros(1, dtype=torch.float64), atol=1e-4):
        r.echec("normaliser : tu as calculé les statistiques sur l'axe des canaux (dim=1) : c'est chaque "
                "pixel qui est centré, pas chaque canal.",
                "un canal est décrit par toutes ses valeurs sur le lot et l'image : dim=(0, 2, 3).")
        return
    if not r.verifier(bool(torch.all(moyennes.abs() < 1e-3)), "normaliser : chaque canal a une moyenne nulle.",
                      f"normaliser : moyennes par canal {np.round(moyennes.numpy(), 3).tolist()}, 0 attendu.",
                      "moyenne = x.mean(dim=(0, 2, 3), keepdim=True) : une moyenne par canal, forme (1, c, 1, 1)."):
        return
    r.verifier(bool(torch.all((ecarts - 1).abs() < 0.05)), "normaliser : chaque canal a un écart-type 1.",
               f"normaliser : écarts-types par canal {np.round(ecarts.numpy(), 3).tolist()}, 1 attendu.",
               "divise par x.std(dim=(0, 2, 3), keepdim=True).")
