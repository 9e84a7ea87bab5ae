"""Vérification de l'exercice entrainement_classifieur : un modèle (n, 8, 8) -> (n, 10) logits et sa perte.

Le modèle est appelé dans le processus de l'apprenant (PyTorch ou Keras, par dlcourse.lessons.neutre) sur
des images tirées au hasard ; la perte y est évaluée sur des logits et des étiquettes tirés au hasard. Le
processus qui juge compare la perte à l'entropie croisée calculée en NumPy et teste la non-linéarité du
modèle : f(a) + f(b) = f(a + b) + f(0) pour un modèle affine.
"""

import numpy as np


def entrees(rng):
    n = int(rng.integers(3, 9))
    m = int(rng.integers(5, 40))
    return {"a": rng.uniform(0, 1, (n, 8, 8)).astype(np.float32),
            "b": rng.uniform(0, 1, (n, 8, 8)).astype(np.float32),
            "logits": (rng.normal(size=(m, 10)) * 3).astype(np.float32),
            "etiquettes": rng.integers(0, 10, m).astype(np.int64),
            "logits_fixes": np.array([[2.0, -1.0, 0.5] + [0.0] * 7, [0.0] * 9 + [4.0]], dtype=np.float32),
            "etiquettes_fixes": np.array([0, 3], dtype=np.int64)}


def sonder(s, e):
    from dlcourse.lessons.neutre import cadre_de, couches, predire

    ok, modele = s.appeler("modele", "construire_classifieur")
    cadre_modele = cadre_de(modele) if ok else None
    if ok and cadre_modele in ("torch", "tensorflow"):
        s.noter("cadre_modele", cadre_modele)
        s.essayer("couches", lambda: couches(modele))
        a, b = e["a"], e["b"]
        for cle, x in (("a", a), ("b", b), ("somme", a + b), ("zero", np.zeros_like(a))):
            s.essayer(f"sortie:{cle}", lambda x=x: predire(modele, x))
    ok, perte = s.appeler("perte_objet", "fonction_perte")
    if not ok or perte is None:
        return
    cadre = cadre_de(perte) or cadre_modele or (s.cadre if s.cadre in ("torch", "tensorflow") else "torch")
    s.noter("cadre_perte", cadre)
    s.essayer("from_logits", lambda: _from_logits(perte))
    for cle in ("", "_fixes"):
        s.essayer(f"perte{cle}", lambda cle=cle: _evaluer(perte, e["logits" + cle], e["etiquettes" + cle], cadre))


def _from_logits(perte):
    if isinstance(perte, str):
        return False
    config = getattr(perte, "get_config", None)
    if callable(config):
        try:
            return config().get("from_logits")
        except Exception:  # noqa: BLE001 - a loss without a usable config
            return None
    return None


def _evaluer(perte, logits, etiquettes, cadre):
    from dlcourse.lessons.neutre import en_numpy

    if cadre == "torch":
        import torch

        valeur = perte(torch.from_numpy(logits.copy()), torch.from_numpy(etiquettes.copy()))
    else:
        import keras

        if isinstance(perte, str):
            perte = keras.losses.get(perte)
        valeur = perte(etiquettes.copy(), logits.copy())          # Keras : (vraies, prédites)
    return float(np.mean(en_numpy(valeur)))


def entropie_croisee(logits, etiquettes):
    z = logits.astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return float(np.mean(lse - z[np.arange(len(z)), etiquettes]))


def juger(obs, e, r):
    _modele(obs, e, r)
    _perte(obs, e, r)


def _modele(obs, e, r):
    ok, modele = r.valeur("modele", "construire_classifieur")
    if not ok:
        return
    if "cadre_modele" not in obs:
        r.echec(f"construire_classifieur renvoie un objet de type {getattr(modele, 'type', type(modele).__name__)}, "
                "un modèle PyTorch (nn.Module) ou Keras est attendu.",
                "return nn.Sequential(...) en PyTorch, ou keras.Sequential([...]) en Keras.")
        return
    n = len(e["a"])
    sorties = {}
    for cle in ("a", "b", "somme", "zero"):
        ok, v = r.valeur(f"sortie:{cle}", "le modèle")
        if not ok:
            return
        sorties[cle] = v.values.astype(np.float64)
    forme = sorties["a"].shape
    if forme != (n, 10):
        if len(forme) == 3 and forme[:2] == (n, 8):
            r.echec(f"sur un lot de {n} images (8, 8), le modèle sort la forme {forme} : les couches denses "
                    "s'appliquent à chaque ligne de l'image, qui n'a pas été aplatie.",
                    "aplatissez l'image avant la première couche dense : nn.Flatten() ou keras.layers.Flatten().")
        else:
            r.echec(f"sur un lot de {n} images (8, 8), le modèle sort la forme {forme} ; ({n}, 10) est attendu.",
                    "aplatissez l'image (64 valeurs), puis finissez par une couche à 10 unités.")
        return
    r.ok("le modèle accepte un lot d'images (n, 8, 8) et sort (n, 10).")
    s = sorties["a"]
    probabilites = np.all((s >= 0) & (s <= 1)) and np.allclose(s.sum(axis=1), 1, atol=1e-4)
    if probabilites:
        r.echec("les sorties du modèle sont des probabilités (entre 0 et 1, de somme 1) : un softmax termine le "
                "modèle. La perte (CrossEntropyLoss, ou from_logits=True) en appliquerait un second.",
                "retirez le softmax de la dernière couche : le modèle sort des logits, la perte s'occupe du softmax.")
        return
    if np.all((s > 0) & (s < 1)):
        r.echec("les sorties du modèle sont toutes entre 0 et 1 : une sigmoïde termine le modèle, qui doit sortir "
                "des logits.", "retirez l'activation de la dernière couche (Dense(10) ou nn.Linear(u, 10) seuls).")
        return
    r.ok("le modèle sort des logits (aucune activation bornée en sortie).")
    f = sorties
    lineaire = np.allclose(f["a"] + f["b"], f["somme"] + f["zero"], rtol=1e-3, atol=1e-4)
    r.verifier(not lineaire and not np.allclose(f["a"], f["b"]),
               "une non-linéarité sépare les couches : le modèle n'est pas une simple fonction affine.",
               "le modèle se comporte comme une seule couche linéaire : f(a) + f(b) = f(a + b) + f(0) sur nos "
               "images. Sans activation entre les couches, plusieurs couches linéaires n'en valent qu'une.",
               "ajoutez une activation après la couche cachée : nn.ReLU() ou Dense(u, activation=\"relu\").")


def _perte(obs, e, r):
    ok, perte = r.valeur("perte_objet", "fonction_perte")
    if not ok:
        return
    if perte is None:
        r.echec("fonction_perte renvoie None.", "return nn.CrossEntropyLoss() (PyTorch) ou "
                "keras.losses.SparseCategoricalCrossentropy(from_logits=True) (Keras).")
        return
    valeurs = {}
    for cle in ("_fixes", ""):
        erreur = (obs.get(f"perte{cle}") or {}).get("error")
        if erreur and not erreur.get("not_implemented"):
            r.echec("la perte renvoyée par fonction_perte ne s'applique pas à des logits (n, 10) et des étiquettes "
                    f"entières (n,) : {erreur['message']}",
                    "une classification se traite avec l'entropie croisée : nn.CrossEntropyLoss() en PyTorch, "
                    "keras.losses.SparseCategoricalCrossentropy(from_logits=True) en Keras ; une perte de régression "
                    "(MSE) attend une cible de la même forme que la sortie.")
            return
        ok, v = r.valeur(f"perte{cle}", "la perte renvoyée par fonction_perte")
        if not ok:
            return
        valeurs[cle] = float(v)
    justes = all(abs(valeurs[c] - entropie_croisee(e["logits" + c], e["etiquettes" + c])) <= 1e-4 * (1 + abs(valeurs[c]))
                 for c in valeurs)
    if justes:
        r.ok("fonction_perte : l'entropie croisée moyenne calculée à partir des logits.")
        return
    z, y = e["logits"].astype(np.float64), e["etiquettes"]
    nll = float(-np.mean(z[np.arange(len(z)), y]))
    from_logits = obs.get("from_logits", {}).get("value")
    if from_logits is False:
        r.echec("la perte traite les sorties comme des probabilités (from_logits=False, le réglage par défaut de "
                "Keras) alors que le modèle sort des logits.",
                "keras.losses.SparseCategoricalCrossentropy(from_logits=True).")
    elif abs(valeurs[""] - nll) <= 1e-4 * (1 + abs(nll)):
        r.echec("la perte prend les sorties pour des log-probabilités (nn.NLLLoss) : sans log-softmax avant elle, "
                "ce n'est pas l'entropie croisée des logits.",
                "nn.CrossEntropyLoss() : elle applique log-softmax puis NLLLoss en une fois.")
    else:
        r.echec("la valeur de la perte sur nos logits et nos étiquettes n'est pas l'entropie croisée moyenne.",
                "nn.CrossEntropyLoss() en PyTorch, keras.losses.SparseCategoricalCrossentropy(from_logits=True) "
                "en Keras : une classification se traite avec l'entropie croisée, pas avec la MSE.")
