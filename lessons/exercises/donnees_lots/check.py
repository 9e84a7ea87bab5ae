"""Vérification de l'exercice donnees_lots : creer_lots(x, y, taille_lot, graine), un DataLoader ou un tf.data.Dataset.

Le processus de l'apprenant parcourt deux époques du chargeur renvoyé, puis une époque de deux
nouveaux chargeurs (même graine, autre graine) ; il ne rapporte que les lots. Le processus qui juge
retrouve chaque exemple par ses valeurs : exemples tous présents une fois, étiquettes à côté de
leurs exemples, tailles des lots, mélange des exemples (pas seulement des lots), ordre nouveau à
chaque époque, graine respectée.
"""

import numpy as np

LIMITE_LOTS = 400


def entrees(rng):
    t = int(rng.integers(5, 13))
    n = int(rng.integers(40, 90))
    if n % t == 0:
        n += 1 + int(rng.integers(0, t - 1))
    d = int(rng.integers(2, 5))
    return {"fixe_x": np.arange(30, dtype=np.float64).reshape(10, 3) / 4.0,
            "fixe_y": np.array([3, 1, 4, 1, 5, 2, 0, 2, 4, 3], dtype=np.int32),
            "fixe_t": 4, "fixe_g": 0,
            "alea_x": rng.normal(0, 3, (n, d)), "alea_y": rng.integers(0, 5, n).astype(np.int32),
            "alea_t": t, "alea_g": int(rng.integers(0, 10_000))}


def _genre(lots):
    import sys

    if "torch" in sys.modules:
        from torch.utils.data import DataLoader

        if isinstance(lots, DataLoader):
            return "DataLoader"
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        if isinstance(lots, tf.data.Dataset):
            return "tf.data.Dataset"
    return type(lots).__name__


def _epoque(lots):
    out = []
    for k, lot in enumerate(lots):
        if k >= LIMITE_LOTS:
            return {"trop": LIMITE_LOTS}
        if not isinstance(lot, (tuple, list)) or len(lot) != 2:
            return {"pas_paire": type(lot).__name__}
        out.append([lot[0], lot[1]])
    return out


def sonder(s, e):
    for cas in ("fixe", "alea"):
        x, y, t, g = e[f"{cas}_x"], e[f"{cas}_y"], e[f"{cas}_t"], e[f"{cas}_g"]
        ok, lots = s.appeler(f"{cas}:objet", "creer_lots", x.copy(), y.copy(), t, g)
        if not ok:
            continue
        s.essayer(f"{cas}:genre", lambda: _genre(lots))
        s.essayer(f"{cas}:epoque1", lambda: _epoque(lots))
        s.essayer(f"{cas}:epoque2", lambda: _epoque(lots))
        if cas == "alea":
            s.essayer("alea:meme_graine", lambda: _epoque(s.ns["creer_lots"](x.copy(), y.copy(), t, g)))
            s.essayer("alea:autre_graine", lambda: _epoque(s.ns["creer_lots"](x.copy(), y.copy(), t, g + 1)))


def _ordre(r, obs, cle, x, y, t, libelle, complet=True):
    """The indices of the samples of one epoch in order, or None after one French failure.

    ``complet``: check dtypes, sizes and pairs (the first epoch); later epochs only give the order.
    """
    from dlcourse.lessons.wire import Array

    ok, epoque = r.valeur(cle, "le chargeur renvoyé par creer_lots")
    if not ok:
        return None
    if isinstance(epoque, dict):
        if "trop" in epoque:
            r.echec(f"creer_lots, {libelle} : une époque ne s'arrête pas (plus de {LIMITE_LOTS} lots) : le jeu se "
                    "répète sans fin.", "retirez .repeat() : une boucle for sur le jeu doit faire une seule époque.")
        else:
            r.echec(f"creer_lots, {libelle} : chaque lot est un objet de type {epoque.get('pas_paire')}, une paire "
                    "(xb, yb) est attendue.",
                    "construisez le jeu sur la paire (x, y) : TensorDataset(x, y), ou from_tensor_slices((x, y)).")
        return None
    if not epoque:
        r.echec(f"creer_lots, {libelle} : le chargeur ne donne aucun lot.", "vérifiez que le jeu contient les données x, y.")
        return None
    x32 = x.astype(np.float32)
    index = {ligne.tobytes(): i for i, ligne in enumerate(x32)}
    ordre, tailles = [], []
    for xb, yb in epoque:
        if not (isinstance(xb, Array) and isinstance(yb, Array)):
            r.echec(f"creer_lots, {libelle} : les lots ne sont pas des tenseurs (reçu {type(xb).__name__}).",
                    "le chargeur doit donner des tenseurs : TensorDataset de tenseurs, ou from_tensor_slices.")
            return None
        if complet and xb.dtype != "float32":
            r.echec(f"creer_lots, {libelle} : les entrées des lots sont des {xb.dtype}, des float32 sont attendus.",
                    "convertissez x avant de construire le jeu : torch.as_tensor(x, dtype=torch.float32) ou "
                    "tf.cast(x, tf.float32) ; un réseau a des poids float32.")
            return None
        if complet and yb.dtype != "int64":
            r.echec(f"creer_lots, {libelle} : les étiquettes des lots sont des {yb.dtype}, des int64 sont attendus.",
                    "convertissez y : torch.as_tensor(y, dtype=torch.int64) ou tf.cast(y, tf.int64) "
                    "(nn.CrossEntropyLoss exige des int64).")
            return None
        xv, yv = xb.values, yb.values
        if xv.ndim != 2 or xv.shape[1] != x.shape[1] or yv.shape != (len(xv),):
            r.echec(f"creer_lots, {libelle} : un lot a les formes {xv.shape} et {yv.shape}, (b, {x.shape[1]}) et "
                    "(b,) sont attendues.", "un lot empile des exemples (d,) en (b, d) et leurs étiquettes en (b,).")
            return None
        for ligne, etiquette in zip(xv.astype(np.float32), yv):
            i = index.get(ligne.tobytes())
            if i is None:
                r.echec(f"creer_lots, {libelle} : les lots contiennent des exemples qui ne sont pas des lignes de x.",
                        "le chargeur doit servir les données reçues (x, y), sans les modifier ni en inventer.")
                return None
            if complet and int(etiquette) != int(y[i]):
                r.echec(f"creer_lots, {libelle} : des étiquettes ne sont plus à côté de leurs exemples : x et y ont "
                        "été mélangés séparément.",
                        "mélangez les paires : un seul TensorDataset(x, y) ou from_tensor_slices((x, y)), puis un "
                        "seul shuffle.")
                return None
            ordre.append(i)
        tailles.append(len(xv))
    if sorted(ordre) != list(range(len(x))):
        vus = len(set(ordre))
        if complet and vus == len(x) - len(x) % t and len(ordre) == vus and len(x) % t:
            r.echec(f"creer_lots, {libelle} : le dernier lot incomplet est jeté ({len(x) % t} exemples ne servent "
                    "pas à cette époque).", "gardez-le : drop_last=False (PyTorch) ou drop_remainder=False "
                                            "(tf.data), les valeurs par défaut.")
        else:
            r.echec(f"creer_lots, {libelle} : une époque ne donne pas chaque exemple exactement une fois "
                    f"({len(ordre)} exemples servis, {vus} différents, pour {len(x)} exemples).",
                    "une époque parcourt tout le jeu une fois : pas de .repeat(), pas de tirage avec remise.")
        return None
    attendues = [t] * (len(x) // t) + ([len(x) % t] if len(x) % t else [])
    if complet and tailles != attendues:
        r.echec(f"creer_lots, {libelle} : les lots ont les tailles {tailles} ; des lots de {t} (taille_lot) sont "
                "attendus, le dernier plus petit.", "batch_size=taille_lot (PyTorch) ou .batch(taille_lot) (tf.data).")
        return None
    return np.array(ordre)


def juger(obs, e, r):
    ordres = {}
    for cas, libelle in (("fixe", "sur le cas fixe"), ("alea", "sur les données tirées au hasard")):
        x, y, t = e[f"{cas}_x"], e[f"{cas}_y"], e[f"{cas}_t"]
        ok, _ = r.valeur(f"{cas}:objet", "creer_lots")
        if not ok:
            return
        genre = obs.get(f"{cas}:genre", {}).get("value")
        if genre not in ("DataLoader", "tf.data.Dataset"):
            r.echec(f"creer_lots renvoie un objet de type {genre}, un torch.utils.data.DataLoader ou un "
                    "tf.data.Dataset est attendu.",
                    "return DataLoader(TensorDataset(x, y), ...) en PyTorch, ou "
                    "tf.data.Dataset.from_tensor_slices((x, y))... en TensorFlow : un objet que l'on parcourt à "
                    "chaque époque.")
            return
        ordre = _ordre(r, obs, f"{cas}:epoque1", x, y, t, libelle)
        if ordre is None:
            return
        ordres[cas] = ordre
    r.ok("creer_lots : chaque époque donne chaque exemple une fois, en lots (float32, int64) de la bonne taille, "
         "dernier lot incomplet compris, chaque étiquette à côté de son exemple.")
    x, y, t = e["alea_x"], e["alea_y"], e["alea_t"]
    n, ordre = len(x), ordres["alea"]
    if np.array_equal(ordre, np.arange(n)):
        r.echec("creer_lots : les exemples sortent dans l'ordre de x : ils ne sont pas mélangés.",
                "shuffle=True dans le DataLoader, ou .shuffle(len(x), seed=graine) avant .batch en tf.data.")
        return
    blocs = [ordre[k:k + t] for k in range(0, n, t)]
    if all(np.array_equal(b, np.arange(b[0], b[0] + len(b))) for b in blocs):
        r.echec("creer_lots : chaque lot contient des exemples consécutifs de x : ce sont les lots qui sont "
                "mélangés, pas les exemples.", "en tf.data, .shuffle(...) se place avant .batch(...).")
        return
    if np.max(ordre - np.arange(n)) < n // 3:
        r.echec("creer_lots : le mélange est seulement local (un exemple ne sort jamais loin de sa place "
                "d'origine) : le tampon de mélange est trop petit.",
                "donnez à .shuffle un tampon de la taille du jeu : .shuffle(len(x), seed=graine).")
        return
    r.ok("creer_lots : les exemples sont mélangés.")
    ordre2 = _ordre(r, obs, "alea:epoque2", x, y, t, "à la deuxième époque", complet=False)
    if ordre2 is None:
        return
    if not r.verifier(not np.array_equal(ordre, ordre2), "creer_lots : l'ordre change d'une époque à l'autre.",
                      "creer_lots : deux époques du même chargeur donnent exactement le même ordre : le mélange est "
                      "fait une seule fois.",
                      "laissez le chargeur mélanger à chaque époque : shuffle=True (PyTorch), "
                      ".shuffle(...) avec reshuffle_each_iteration=True, la valeur par défaut (tf.data), plutôt "
                      "qu'une permutation NumPy faite une fois."):
        return
    meme = _ordre(r, obs, "alea:meme_graine", x, y, t, "pour un nouvel appel avec la même graine", complet=False)
    autre = _ordre(r, obs, "alea:autre_graine", x, y, t, "pour un appel avec une autre graine", complet=False)
    if meme is None or autre is None:
        return
    r.verifier(np.array_equal(meme, ordre) and not np.array_equal(autre, ordre),
               "creer_lots : la graine fixe l'ordre : même graine, même première époque ; autre graine, autre ordre.",
               "creer_lots : " + ("deux appels avec la même graine ne donnent pas le même ordre : la graine n'est pas "
                                  "utilisée." if not np.array_equal(meme, ordre) else
                                  "deux graines différentes donnent le même ordre : la graine reçue n'est pas "
                                  "utilisée."),
               "PyTorch : DataLoader(..., generator=torch.Generator().manual_seed(graine)) ; "
               "tf.data : .shuffle(len(x), seed=graine).")
