"""Vérification de l'exercice evaluation_cnn : construire_cnn() pour des images 8 × 8, 10 logits.

Le processus de l'apprenant construit le modèle, le fait tourner sur des lots tirés au hasard,
décrit ses couches (classes et pas des convolutions), compte ses paramètres et l'entraîne
quelques pas selon une procédure fixe (Adam, taux 0,01, tout le lot) sur de vrais chiffres : il
n'enregistre que des observations. Le processus qui juge décide.
"""

import ast

import numpy as np

MAX_PARAMETRES = 8_000
PAS = 60
CONVOLUTIONS = ("Conv2d", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "LazyConv2d")
ACTIVATIONS = ("ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Tanh", "Sigmoid", "Mish", "Hardswish", "PReLU", "SELU",
               "ReLU6", "Softplus", "CELU", "Hardtanh")
APPELS_NON_LINEAIRES = ("relu", "gelu", "tanh", "sigmoid", "elu", "silu", "leaky_relu", "relu6", "selu", "mish")
APPELS_POOLING = ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_pool", "avg_pool")


def entrees(rng):
    from dlcourse.data.embedded import digits

    chiffres = digits()
    choix = rng.choice(len(chiffres.y), 160, replace=False)
    n = int(rng.integers(3, 12))
    return {"x_fixe": np.zeros((2, 8, 8), np.float32) + np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8),
            "x_alea": rng.uniform(0, 1, (n, 8, 8)).astype(np.float32),
            "x_train": (chiffres.x[choix] / 16.0).astype(np.float32), "y_train": chiffres.y[choix].astype(np.int64)}


def _images(modele, x):
    from dlcourse.lessons.neutre import cadre_de

    return x[:, None, :, :] if cadre_de(modele) == "torch" else x[..., None]


def _description(modele):
    """Each layer: class name (with its Keras activation) and the stride of a convolution."""
    from dlcourse.lessons.neutre import cadre_de, couches

    noms = couches(modele)
    if cadre_de(modele) == "torch":
        pas = [getattr(m, "stride", 1) for _, m in modele.named_modules() if not list(m.children())]
    else:
        from dlcourse.lessons.neutre import _keras_layers

        pas = [getattr(c, "strides", 1) for c in _keras_layers(modele)]
    return [{"classe": n, "pas": _pas(p)} for n, p in zip(noms, pas)]


def _pas(p):
    valeurs = [int(v) for v in (p if isinstance(p, (tuple, list)) else (p,)) if isinstance(v, int)]
    return max(valeurs or [1])


def _entrainer(modele, x, y):
    """Fixed procedure: Adam (lr 0.01), full batch, cross-entropy from logits; the losses of each step."""
    from dlcourse.lessons.neutre import cadre_de

    pertes = []
    if cadre_de(modele) == "torch":
        import torch

        torch.manual_seed(0)
        modele.train()
        params = [p for p in modele.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=0.01)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        for _ in range(PAS):
            opt.zero_grad()
            perte = torch.nn.functional.cross_entropy(modele(xt), yt)
            perte.backward()
            opt.step()
            pertes.append(float(perte.item()))
        modele.eval()
        return pertes
    import keras
    import tensorflow as tf

    opt = keras.optimizers.Adam(learning_rate=0.01)
    for _ in range(PAS):
        with tf.GradientTape() as tape:
            logits = modele(x, training=True)
            perte = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        variables = modele.trainable_variables
        opt.apply_gradients(zip(tape.gradient(perte, variables), variables))
        pertes.append(float(perte))
    return pertes


def sonder(s, e):
    from dlcourse.lessons import neutre

    ok, modele = s.appeler("modele", "construire_cnn")
    if not ok:
        return
    cadre = neutre.cadre_de(modele)
    s.noter("modele", {"cadre": cadre, "type": type(modele).__name__,
                       "modele": cadre in ("torch", "tensorflow") and hasattr(modele, "weights" if cadre ==
                                                                               "tensorflow" else "parameters")})
    if cadre not in ("torch", "tensorflow"):
        return
    for cle in ("fixe", "alea"):
        s.essayer(f"sortie:{cle}", lambda cle=cle: neutre.predire(modele, _images(modele, e[f"x_{cle}"])))
    s.essayer("couches", lambda: _description(modele))
    s.essayer("parametres", lambda: list(neutre.compter_parametres(modele)))
    s.essayer("pertes", lambda: _entrainer(modele, _images(modele, e["x_train"]), e["y_train"]))


def _source_appelle(source, noms):
    try:
        arbre = ast.parse(source)
    except SyntaxError:
        return False
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Call):
            f = noeud.func
            nom = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if nom in noms:
                return True
    return False


def juger(obs, e, r):
    ok, _ = r.valeur("modele", "construire_cnn")
    if not ok:
        return
    info = obs["modele"]["value"]
    if not info.get("modele"):
        r.echec(f"construire_cnn renvoie un objet de type {info.get('type')}, un modèle PyTorch (nn.Module) ou "
                "Keras est attendu.", "return nn.Sequential(...) (PyTorch) ou keras.Sequential([...]) (Keras).")
        return
    forme = "(n, 1, 8, 8)" if info["cadre"] == "torch" else "(n, 8, 8, 1)"
    sorties = {}
    for cle in ("fixe", "alea"):
        ok, v = r.valeur(f"sortie:{cle}", "le modèle")
        if not ok:
            return
        n = len(e[f"x_{cle}"])
        if v.shape != (n, 10):
            if len(v.shape) > 2 and v.shape[0] == n and v.shape[-1] == 10:
                r.echec(f"le modèle sort la forme {v.shape} pour {n} images : la couche dense s'applique à chaque "
                        "position de l'image, il manque l'aplatissement avant la tête.",
                        "ajoutez nn.Flatten() (PyTorch) ou keras.layers.Flatten() (Keras) entre la dernière "
                        "convolution (ou le pooling) et la couche dense.")
            else:
                r.echec(f"le modèle sort la forme {v.shape} pour {n} images {forme} ; (n, 10) est attendu.",
                        "suivez la forme après chaque couche ; la dernière couche dense a 10 unités.")
            return
        sorties[cle] = v.values
    r.ok(f"le modèle lit des images {forme} et sort (n, 10).")
    ok, couches = r.valeur("couches", "le modèle")
    if not ok:
        return
    noms = [c["classe"] for c in couches]
    if not r.exiger(any(n.split("(")[0] in CONVOLUTIONS for n in noms),
                    "le modèle n'a aucune couche de convolution : c'est un perceptron multicouche.",
                    "commencez par nn.Conv2d(1, 16, kernel_size=3, padding=1) (PyTorch) ou "
                    "keras.layers.Conv2D(16, 3, padding=\"same\") (Keras)."):
        return
    r.ok("le modèle contient une couche de convolution.")
    activation = any(n.split("(")[0] in ACTIVATIONS or (n.endswith(")") and "(" in n) for n in noms)
    activation = activation or _source_appelle(r.source, APPELS_NON_LINEAIRES)
    r.verifier(activation, "une non-linéarité suit les couches à poids.",
               "le modèle n'a aucune fonction d'activation : sans non-linéarité, convolutions et couche dense "
               "se composent en une seule opération linéaire.",
               "nn.ReLU() après la convolution (PyTorch) ou activation=\"relu\" dans Conv2D (Keras).")
    reduction = any("Pool" in n for n in noms) or any(c["pas"] > 1 for c in couches) \
        or _source_appelle(r.source, APPELS_POOLING)
    r.verifier(reduction, "la taille des cartes est réduite (pooling ou pas supérieur à 1).",
               "le modèle ne réduit jamais la taille des cartes de caractéristiques (ni pooling, ni pas > 1).",
               "ajoutez nn.MaxPool2d(2) (PyTorch) ou keras.layers.MaxPooling2D(2) (Keras) après une convolution : "
               "8 × 8 devient 4 × 4.")
    ok, compte = r.valeur("parametres", "le modèle")
    if not ok:
        return
    r.verifier(0 < compte[1] <= MAX_PARAMETRES,
               f"{compte[1]:,} paramètres entraînables (au plus {MAX_PARAMETRES:,}).".replace(",", " "),
               f"le modèle a {compte[1]:,} paramètres entraînables, la consigne en permet au plus "
               f"{MAX_PARAMETRES:,}.".replace(",", " "),
               "moins de filtres, ou un pooling de plus avant l'aplatissement : la couche dense après Flatten "
               "porte souvent l'essentiel des paramètres.")
    s = sorties["alea"]
    probabilites = np.all((s >= 0) & (s <= 1)) and np.allclose(s.sum(axis=1), 1, atol=1e-4)
    if not r.exiger(not probabilites and not any("softmax" in n.lower() for n in noms[-1:]),
                    "les sorties sont des probabilités (entre 0 et 1, de somme 1) : le modèle se termine par une "
                    "softmax, il doit sortir des logits.",
                    "retirez la softmax ; la perte l'applique elle-même (nn.CrossEntropyLoss, from_logits=True)."):
        return
    r.verifier(np.ptp(s, axis=0).max() > 1e-6, "la sortie dépend de l'image.",
               "le modèle sort la même chose pour toutes les images.",
               "la sortie doit être calculée à partir de l'entrée x, couche après couche.")
    ok, pertes = r.valeur("pertes", "l'entraînement du modèle")
    if not ok:
        return
    pertes = np.asarray(pertes, np.float64)
    r.verifier(np.all(np.isfinite(pertes)) and pertes[-1] < 0.5 * pertes[0],
               f"le modèle apprend : en {PAS} pas d'Adam sur 160 chiffres, la perte baisse de plus de moitié.",
               f"en {PAS} pas d'Adam (taux 0,01, tout le lot) sur 160 chiffres, la perte ne baisse pas de moitié "
               "(ou devient non finie) : le modèle apprend mal.",
               "vérifiez que toutes les couches sont dans le modèle (attributs de nn.Module ou liste de "
               "keras.Sequential) et que la sortie est faite de logits.")
