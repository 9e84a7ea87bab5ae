# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapitre 7 : Évaluation et amélioration des performances
#
# **Objectifs du chapitre**
#
# - évaluer un classifieur au-delà de l'exactitude : matrice de confusion, précision, rappel, F1,
#   exactitude équilibrée, et reconnaître un cas où l'exactitude ment ;
# - construire un réseau convolutif (CNN) dans les deux frameworks et suivre la forme des tenseurs
#   couche après couche ;
# - combattre le surapprentissage : dropout, pénalité L2 et *weight decay*, arrêt précoce,
#   normalisation par lots, augmentation de données ;
# - réutiliser un modèle pré-entraîné (apprentissage par transfert) : extraction de caractéristiques
#   ou réglage fin, et choisir un taux d'apprentissage avec le *learning-rate finder*.
#
# Trois exercices vérifiés automatiquement, à résoudre en PyTorch ou en Keras : 7.1
# (`evaluation_confusion`), 7.2 (`evaluation_cnn`), 7.3 (`evaluation_geler`).

# %% tags=["parameters"]
FAST = False

# %% [markdown]
# Les expériences de ce chapitre entraînent des dizaines de petits modèles. En mode rapide (`FAST = True`,
# celui de la construction automatique du cours), les tailles sont réduites pour que le notebook tourne
# en moins de deux minutes sur un processeur à deux cœurs ; le texte donne chaque fois les chiffres du
# mode complet (`FAST = False`), qui prend quelques minutes.

# %%
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import matplotlib.pyplot as plt
import torch
from torch import nn
import tensorflow as tf
import keras

# De petits modèles : un fil de calcul par framework (voir le chapitre 4).
torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
torch.manual_seed(0)
keras.utils.set_random_seed(0)
plt.rcParams["figure.dpi"] = 90
dossier_runs = Path(tempfile.mkdtemp(prefix="chapitre7-"))  # les dossiers d'expériences de ce notebook
print("PyTorch", torch.__version__, "| TensorFlow", tf.__version__, "| Keras", keras.__version__)

# %% [markdown] minutes=25
# ## 7.1 Métriques d'évaluation
#
# Reprenons les chiffres manuscrits 8 × 8 (1 797 images, 10 classes) avec le découpage du chapitre 4 :
# entraînement, validation et test, mélangés et stratifiés. Un petit perceptron multicouche entraîné
# quelques époques nous donne des prédictions à évaluer.

# %%
from sklearn.model_selection import train_test_split

from dlcourse.data.embedded import digits

chiffres = digits()
indices = np.arange(len(chiffres.y))
i_reste, i_test = train_test_split(indices, test_size=0.2, stratify=chiffres.y, random_state=0)
i_train, i_val = train_test_split(i_reste, test_size=0.2, stratify=chiffres.y[i_reste], random_state=0)
x_tout = (chiffres.x / 16.0).astype("float32")  # (1797, 8, 8) dans [0, 1]
y_tout = chiffres.y.astype("int64")             # (1797,)
x_train, y_train = x_tout[i_train], y_tout[i_train]  # (1149, 8, 8)
x_val, y_val = x_tout[i_val], y_tout[i_val]          # (288, 8, 8)
x_test, y_test = x_tout[i_test], y_tout[i_test]      # (360, 8, 8)


def entrainer_torch(modele, x, y, epoques, lr=1e-2, taille_lot=32, graine=0):
    """La boucle du chapitre 4 : Adam, entropie croisée sur des logits ; renvoie la durée en secondes."""
    generateur = torch.Generator().manual_seed(graine)
    optimiseur = torch.optim.Adam(modele.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    debut = time.perf_counter()
    for _ in range(epoques):
        modele.train()
        ordre = torch.randperm(len(xt), generator=generateur)
        for lot in ordre.split(taille_lot):
            optimiseur.zero_grad()
            nn.functional.cross_entropy(modele(xt[lot]), yt[lot]).backward()
            optimiseur.step()
    return time.perf_counter() - debut


def logits_torch(modele, x):
    modele.eval()
    with torch.no_grad():
        return modele(torch.from_numpy(x)).numpy()


torch.manual_seed(0)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
entrainer_torch(mlp, x_train, y_train, epoques=3 if FAST else 20)
sorties_test = logits_torch(mlp, x_test)           # (360, 10) logits
predites = sorties_test.argmax(axis=1)             # la classe prédite : l'argmax de chaque ligne
print(f"exactitude sur le test : {(predites == y_test).mean():.3f}")

# %% [markdown]
# ### La matrice de confusion
#
# L'exactitude résume tout en un nombre. La **matrice de confusion** dit *quelles* erreurs le modèle
# fait : la case (i, j) compte les exemples de vraie classe i prédits en classe j. La diagonale contient
# les bonnes réponses ; chaque case hors diagonale est une confusion précise (un 8 pris pour un 1…).
# Convention de scikit-learn, suivie ici : **lignes = vraies classes, colonnes = classes prédites**.

# %%
from sklearn.metrics import ConfusionMatrixDisplay, classification_report, confusion_matrix

matrice = confusion_matrix(y_test, predites)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
ConfusionMatrixDisplay(matrice).plot(ax=axes[0], colorbar=False, cmap="Blues")
axes[0].set_title("Effectifs")
axes[0].set_xlabel("classe prédite")
axes[0].set_ylabel("vraie classe")
# normalisée par ligne (en %) : la diagonale devient le rappel de chaque classe
pourcents = np.round(100 * confusion_matrix(y_test, predites, normalize="true")).astype(int)
ConfusionMatrixDisplay(pourcents).plot(ax=axes[1], colorbar=False, cmap="Blues", values_format="d")
axes[1].set_title("Normalisée par ligne, en % (diagonale = rappel)")
axes[1].set_xlabel("classe prédite")
axes[1].set_ylabel("vraie classe")
fig.suptitle(f"Matrice de confusion du perceptron sur le test (exactitude {(predites == y_test).mean():.2f})"
             .replace(".", ","))
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Précision, rappel, F1
#
# Pour une classe c :
#
# - **précision** = parmi les exemples *prédits* c, la part qui est vraiment c (somme de la colonne c) ;
# - **rappel** = parmi les exemples *vraiment* c, la part que le modèle retrouve (somme de la ligne c) ;
# - **F1** = moyenne harmonique des deux, 2 · P · R / (P + R), basse dès que l'une des deux est basse.
#
# `classification_report` les donne pour chaque classe, avec le *support* (le nombre d'exemples) et
# deux moyennes : *macro* (chaque classe compte autant) et *weighted* (pondérée par le support).

# %%
print(classification_report(y_test, predites, digits=3))

# %% [markdown]
# ### Exercice 7.1 : matrice de confusion et rappel par classe
#
# Écrivez `matrice_confusion(etiquettes, sorties)` et `rappel_par_classe(etiquettes, sorties)` avec les
# tenseurs du framework de votre choix : les étiquettes (n,) et les sorties (n, k) du modèle, logits ou
# probabilités. `dlcourse check 7.1 --start` (ou `--start --framework tensorflow`) écrit le fichier de
# départ ; `dlcourse check 7.1` vérifie.

# %% tags=["exercise=evaluation_confusion@torch"]
import torch


def matrice_confusion(etiquettes, sorties):
    """Matrice de confusion d'un classifieur.

    etiquettes : torch.Tensor (n,) int64, les vraies classes, de 0 à k − 1 ;
    sorties : torch.Tensor (n, k) float32, les logits ou les probabilités du modèle, une ligne par exemple.
    Renvoie : torch.Tensor (k, k) int64, M[i, j] = nombre d'exemples de vraie classe i prédits en
    classe j (lignes : vraies classes, colonnes : classes prédites, comme sklearn).

    Indication : la classe prédite est l'argmax de chaque ligne (`argmax(dim=1)`) ; l'indice
    i · k + j de chaque exemple, compté par `torch.bincount(..., minlength=k * k)`, puis `reshape(k, k)`.
    """
    ### BEGIN SOLUTION
    k = sorties.shape[1]
    predites = sorties.argmax(dim=1)                 # (n,) : une classe par ligne
    cases = etiquettes.long() * k + predites         # (n,) : la case (vraie, prédite) de chaque exemple
    return torch.bincount(cases, minlength=k * k).reshape(k, k)
    ### END SOLUTION


def rappel_par_classe(etiquettes, sorties):
    """Rappel de chaque classe : la part de ses exemples que le modèle retrouve.

    etiquettes, sorties : comme pour matrice_confusion.
    Renvoie : torch.Tensor (k,) float32, rappel[i] = M[i, i] / (nombre d'exemples de vraie classe i),
    0 pour une classe sans aucun exemple.

    Indication : la diagonale de la matrice (`torch.diagonal`) divisée par la somme de chaque ligne ;
    `clamp(min=1)` évite la division 0 / 0 d'une classe absente.
    """
    ### BEGIN SOLUTION
    m = matrice_confusion(etiquettes, sorties)
    return (torch.diagonal(m) / m.sum(dim=1).clamp(min=1)).float()
    ### END SOLUTION

# %%
m_torch = matrice_confusion(torch.from_numpy(y_test), torch.from_numpy(sorties_test))
print("même matrice que scikit-learn :", np.array_equal(m_torch.numpy(), matrice))
print("rappels :", rappel_par_classe(torch.from_numpy(y_test), torch.from_numpy(sorties_test)).numpy().round(2))

# %% tags=["exercise=evaluation_confusion@tensorflow"]
import tensorflow as tf


def matrice_confusion(etiquettes, sorties):
    """Matrice de confusion d'un classifieur.

    etiquettes : tf.Tensor (n,) int64, les vraies classes, de 0 à k − 1 ;
    sorties : tf.Tensor (n, k) float32, les logits ou les probabilités du modèle, une ligne par exemple.
    Renvoie : tf.Tensor (k, k) int64, M[i, j] = nombre d'exemples de vraie classe i prédits en
    classe j (lignes : vraies classes, colonnes : classes prédites, comme sklearn).

    Indication : la classe prédite est l'argmax de chaque ligne (`tf.argmax(sorties, axis=1)`) ;
    `tf.math.confusion_matrix(etiquettes, predites, num_classes=k)` range les vraies classes en lignes.
    """
    ### BEGIN SOLUTION
    k = sorties.shape[1]
    predites = tf.argmax(sorties, axis=1)            # (n,) int64 : une classe par ligne
    return tf.math.confusion_matrix(tf.cast(etiquettes, tf.int64), predites, num_classes=k, dtype=tf.int64)
    ### END SOLUTION


def rappel_par_classe(etiquettes, sorties):
    """Rappel de chaque classe : la part de ses exemples que le modèle retrouve.

    etiquettes, sorties : comme pour matrice_confusion.
    Renvoie : tf.Tensor (k,) float32, rappel[i] = M[i, i] / (nombre d'exemples de vraie classe i),
    0 pour une classe sans aucun exemple.

    Indication : la diagonale de la matrice (`tf.linalg.diag_part`) divisée par la somme de chaque
    ligne ; `tf.maximum(..., 1)` évite la division 0 / 0 d'une classe absente.
    """
    ### BEGIN SOLUTION
    m = tf.cast(matrice_confusion(etiquettes, sorties), tf.float32)
    return tf.linalg.diag_part(m) / tf.maximum(tf.reduce_sum(m, axis=1), 1.0)
    ### END SOLUTION

# %%
m_tf = matrice_confusion(tf.constant(y_test), tf.constant(sorties_test))
print("même matrice que scikit-learn :", np.array_equal(m_tf.numpy(), matrice))

# %% [markdown]
# ### Quand l'exactitude ment : des classes déséquilibrées
#
# Construisons une tâche binaire déséquilibrée : « cette image est-elle un 8 ? », avec seulement 5 %
# de 8 (on ne garde qu'une partie d'entre eux), comme une maladie rare ou une fraude. Un « modèle »
# qui répond toujours « non » atteint 95 % d'exactitude… sans jamais trouver un seul 8.

# %%
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_score, recall_score

rng = np.random.default_rng(0)
autres = np.flatnonzero(y_tout != 8)
huit = rng.choice(np.flatnonzero(y_tout == 8), size=round(len(autres) * 5 / 95), replace=False)
garder = np.concatenate([autres, huit])
x_bin, y_bin = x_tout[garder].reshape(len(garder), -1), (y_tout[garder] == 8).astype(int)
xb_train, xb_test, yb_train, yb_test = train_test_split(x_bin, y_bin, test_size=0.3, stratify=y_bin,
                                                        random_state=0)
print(f"part de 8 : {y_bin.mean():.1%} ({y_bin.sum()} images sur {len(y_bin)})")

toujours_non = np.zeros_like(yb_test)
regression = LogisticRegression(max_iter=1000).fit(xb_train, yb_train)
par_defaut = regression.predict(xb_test)
equilibree = LogisticRegression(max_iter=1000, class_weight="balanced").fit(xb_train, yb_train).predict(xb_test)

lignes = []
for nom, pred in [("toujours « non »", toujours_non), ("régression logistique", par_defaut),
                  ("même, classes pondérées", equilibree)]:
    lignes.append([nom, (pred == yb_test).mean(), precision_score(yb_test, pred, zero_division=0),
                   recall_score(yb_test, pred), f1_score(yb_test, pred, zero_division=0),
                   balanced_accuracy_score(yb_test, pred)])
print(f"{'modèle':<26}{'exactitude':>11}{'précision':>11}{'rappel':>9}{'F1':>7}{'exact. équil.':>15}")
for nom, *valeurs in lignes:
    print(f"{nom:<26}" + "".join(f"{v:>{w}.3f}" for v, w in zip(valeurs, (11, 11, 9, 7, 15))))

# %% [markdown]
# Lisez le tableau colonne par colonne :
#
# - l'**exactitude** du « toujours non » est d'environ 0,95 : le chiffre paraît excellent, mais il ne
#   mesure que la proportion de la classe majoritaire ;
# - son **rappel** sur la classe rare est 0 (aucun 8 trouvé), sa **précision** n'est même pas définie
#   (aucune prédiction positive, comptée 0 ici), donc son **F1** vaut 0 ;
# - l'**exactitude équilibrée** (la moyenne des rappels de chaque classe) vaut 0,5 : le niveau du
#   hasard pour deux classes, ce qu'est vraiment ce « modèle ».
#
# La régression logistique fait mieux que le « toujours non » sur toutes les métriques, mais ne retrouve
# qu'environ la moitié des 8 (rappel 0,46) : l'exactitude de 0,97 le cache. Pondérer les classes
# (`class_weight="balanced"` ici, `pos_weight` dans `BCEWithLogitsLoss` en PyTorch, `class_weight` dans
# `fit` en Keras) donne plus de poids aux erreurs sur la classe rare : le rappel monte à 0,89, la
# précision descend à 0,49, l'exactitude équilibrée passe de 0,73 à 0,92… et l'exactitude, elle, tombe
# sous celle du « toujours non » ! Lequel des deux modèles préférer dépend du coût des erreurs : manquer
# une fraude (rappel) ou déranger un client honnête (précision). Sur des classes déséquilibrées, regardez
# toujours la matrice de confusion, le rappel de la classe rare, le F1 ou l'exactitude équilibrée,
# jamais l'exactitude seule.

# %% [markdown] minutes=20
# ## Un réseau convolutif pour les images
#
# Le perceptron aplatit l'image dès la première couche : il ignore que deux pixels voisins sont liés, et
# un trait décalé d'un pixel devient pour lui une tout autre entrée. Une **convolution** fait glisser un
# petit filtre (3 × 3 ici) sur toute l'image : les mêmes 9 poids (par canal d'entrée) détectent un motif
# partout où il se trouve. Un **pooling** (max sur des blocs 2 × 2) réduit ensuite la taille des cartes
# de caractéristiques, et rend le réseau tolérant aux petits décalages. Après deux étages
# convolution + pooling, on **aplatit** et une couche dense classe.
#
# Même réseau dans les deux frameworks ; attention à l'ordre des axes (NCHW en PyTorch, NHWC en Keras,
# chapitre 4) :

# %%
def cnn_torch():
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (n, 16, 4, 4)
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (n, 32, 2, 2)
        nn.Flatten(),                                                             # (n, 128)
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),                                                        # (n, 10) logits
    )


def cnn_keras():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10),
    ])


torch.manual_seed(0)
modele_cnn = cnn_torch()
h = torch.zeros(2, 1, 8, 8)
print("PyTorch (NCHW)")
for couche in modele_cnn:
    h = couche(h)
    print(f"  {type(couche).__name__:<10} -> {tuple(h.shape)}")
modele_cnn_keras = cnn_keras()
print("Keras (NHWC)")
for couche in modele_cnn_keras.layers:
    print(f"  {type(couche).__name__:<13} -> {couche.output.shape}")
print("paramètres : PyTorch", sum(p.numel() for p in modele_cnn.parameters()),
      "| Keras", modele_cnn_keras.count_params())

# %% [markdown]
# `padding="same"` (`padding=1` pour un filtre 3 × 3 en PyTorch) garde la taille 8 × 8 ; chaque pooling
# la divise par deux : 8 → 4 → 2. Le compte : la première convolution a 3 × 3 × 1 × 16 + 16 = 160
# paramètres, la seconde 3 × 3 × 16 × 32 + 32 = 4 640, la couche dense 128 × 64 + 64 = 8 256, la
# sortie 650 : 13 706 en tout. C'est le réseau de la configuration `digits_cnn` de `dlcourse`.
#
# Comparons-le au perceptron, dans les deux frameworks, avec le même nombre d'époques :

# %%
epoques_cnn = 5 if FAST else 30


def decaler(x, dx):
    """Les images (n, 8, 8) décalées de dx pixels vers la droite (dx < 0 : vers la gauche), complétées par du noir."""
    sortie = np.zeros_like(x)
    if dx > 0:
        sortie[:, :, dx:] = x[:, :, :-dx]
    else:
        sortie[:, :, :dx] = x[:, :, -dx:]
    return sortie


x_test_decale = np.concatenate([decaler(x_test, -1), decaler(x_test, 1)])  # le test, décalé d'un pixel
y_test_decale = np.concatenate([y_test, y_test])
resultats_cnn = {}
torch.manual_seed(0)
for nom, fabrique, x_forme in [("perceptron", lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(),
                                                                     nn.Linear(128, 10)), lambda x: x),
                               ("CNN", cnn_torch, lambda x: x[:, None])]:
    modele = fabrique()
    duree = entrainer_torch(modele, x_forme(x_train), y_train, epoques=epoques_cnn, lr=2e-3)
    exact = (logits_torch(modele, x_forme(x_test)).argmax(axis=1) == y_test).mean()
    decale = (logits_torch(modele, x_forme(x_test_decale)).argmax(axis=1) == y_test_decale).mean()
    resultats_cnn[("PyTorch", nom)] = (exact, decale, sum(p.numel() for p in modele.parameters()), duree)

for nom, fabrique, x_forme in [("perceptron", lambda: keras.Sequential([
        keras.Input(shape=(8, 8)), keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10)]), lambda x: x), ("CNN", cnn_keras, lambda x: x[..., None])]:
    modele = fabrique()
    modele.compile(optimizer=keras.optimizers.Adam(2e-3), metrics=["accuracy"],
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    debut = time.perf_counter()
    modele.fit(x_forme(x_train), y_train, epochs=epoques_cnn, batch_size=32, verbose=0)
    duree = time.perf_counter() - debut
    exact = modele.evaluate(x_forme(x_test), y_test, verbose=0)[1]
    decale = modele.evaluate(x_forme(x_test_decale), y_test_decale, verbose=0)[1]
    resultats_cnn[("Keras", nom)] = (exact, decale, modele.count_params(), duree)

for (cadre, nom), (exact, decale, n_params, duree) in resultats_cnn.items():
    print(f"{cadre:<8} {nom:<11} exactitude de test {exact:.3f}, sur le test décalé d'un pixel {decale:.3f} | "
          f"{n_params:>6} paramètres | {duree:.1f} s")

# %% [markdown]
# Le perceptron (9 610 paramètres) et le CNN (13 706) ont des tailles voisines et, sur les images du
# test, font à peu près jeu égal : environ 0,97 d'exactitude tous les deux après 30 époques (mode
# complet ; le mode rapide en fait 5). La différence apparaît quand on **décale les images d'un seul
# pixel** : le perceptron, qui a appris « tel pixel allumé », tombe autour de 0,45 à 0,5, alors que le
# CNN, dont les filtres détectent les mêmes motifs partout et dont le pooling tolère les petits
# déplacements, garde nettement plus (0,67 à 0,78 en PyTorch selon la graine, mode complet). Sur des
# images plus grandes (MNIST 28 × 28, CIFAR-10, configurations `mnist_cnn` et `cifar10_cnn`), cet
# avantage devient décisif, y compris sur le test non décalé. Décaler les images pendant
# l'entraînement (l'augmentation, section suivante) aide d'ailleurs les deux modèles.
#
# ### Exercice 7.2 : un petit CNN
#
# Écrivez `construire_cnn()` dans le framework de votre choix : images (n, 1, 8, 8) en PyTorch ou
# (n, 8, 8, 1) en Keras, 10 logits en sortie, au plus 8 000 paramètres : le CNN ci-dessus en a 13 706,
# voyez quelle couche en porte le plus. La vérification l'entraîne quelques pas sur de vrais chiffres et
# contrôle que la perte baisse. `dlcourse check 7.2`.

# %% tags=["exercise=evaluation_cnn@torch"]
from torch import nn


def construire_cnn():
    """Un petit réseau convolutif pour les chiffres 8 × 8, qui sort 10 logits.

    Entrée du modèle : torch.Tensor (n, 1, 8, 8) float32 (canaux d'abord), valeurs dans [0, 1].
    Renvoie : un nn.Module dont la sortie est (n, 10) float32, des logits (pas de softmax), avec au
    moins une convolution suivie d'une non-linéarité, une réduction de taille (pooling ou pas > 1),
    un aplatissement avant la tête dense, et au plus 8 000 paramètres entraînables.

    Indication : `nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ...,
    nn.Flatten(), nn.Linear(?, 10))` ; suivez la forme après chaque couche (un pooling 2 × 2 divise
    la hauteur et la largeur par deux), elle donne les entrées de la couche dense.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (n, 16, 4, 4)
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (n, 32, 2, 2)
        nn.Flatten(),                                                             # (n, 128)
        nn.Linear(128, 10),                                                       # logits
    )
    ### END SOLUTION

# %%
print(construire_cnn()(torch.zeros(3, 1, 8, 8)).shape)

# %% tags=["exercise=evaluation_cnn@tensorflow"]
import keras


def construire_cnn():
    """Un petit réseau convolutif pour les chiffres 8 × 8, qui sort 10 logits.

    Entrée du modèle : (n, 8, 8, 1) float32 (canaux à la fin), valeurs dans [0, 1].
    Renvoie : un modèle Keras déjà construit (il commence par `keras.Input(shape=(8, 8, 1))`) dont la
    sortie est (n, 10), des logits (pas de softmax), avec au moins une convolution suivie d'une
    non-linéarité, une réduction de taille (pooling ou pas > 1), un aplatissement avant la tête dense,
    et au plus 8 000 paramètres entraînables.

    Indication : `keras.Sequential([keras.Input(...), keras.layers.Conv2D(16, 3, padding="same",
    activation="relu"), keras.layers.MaxPooling2D(2), ..., keras.layers.Flatten(), keras.layers.Dense(10)])`.
    """
    ### BEGIN SOLUTION
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),  # (n, 8, 8, 16)
        keras.layers.MaxPooling2D(2),                                   # (n, 4, 4, 16)
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),  # (n, 4, 4, 32)
        keras.layers.MaxPooling2D(2),                                   # (n, 2, 2, 32)
        keras.layers.Flatten(),                                         # (n, 128)
        keras.layers.Dense(10),                                         # logits
    ])
    ### END SOLUTION

# %%
print(construire_cnn()(np.zeros((3, 8, 8, 1), "float32")).shape)

# %% [markdown] minutes=20
# ## 7.2 Techniques de régularisation
#
# Un modèle **surapprend** quand il apprend par cœur son ensemble d'entraînement au lieu de la règle
# générale : la perte d'entraînement continue de baisser, celle de validation remonte. L'écart entre
# les deux (*generalization gap*) est le symptôme à surveiller. Les remèdes :
#
# | technique | idée | PyTorch | Keras |
# |---|---|---|---|
# | dropout | éteint au hasard une part p des activations à l'entraînement : pas de co-adaptation | `nn.Dropout(p)` | `Dropout(p)` |
# | pénalité L2 | ajoute λ·Σw² à la perte : des poids petits, une fonction plus lisse | terme ajouté à la perte | `kernel_regularizer=L2(λ)` |
# | *weight decay* découplé | w ← w − lr·d·w à chaque pas, hors d'Adam | `AdamW(weight_decay=d)` | `AdamW(weight_decay=d)` |
# | arrêt précoce | arrête quand la validation ne progresse plus, garde la meilleure époque | dans la boucle | `EarlyStopping(restore_best_weights=True)` |
# | normalisation par lots | normalise chaque canal sur le lot ; stabilise et régularise un peu | `nn.BatchNorm2d` | `BatchNormalization` |
# | augmentation | décalages, rotations… : de nouvelles images à chaque époque | `torchvision.transforms.v2` | couches `RandomTranslation`… |
#
# Deux pièges de vocabulaire : `L2(λ)` de Keras met λ·Σw² dans la perte (gradient 2λw), alors que
# `weight_decay=d` de `torch.optim.SGD` ajoute d·w au gradient ; donc `L2(λ)` de Keras vaut
# `SGD(weight_decay=2λ)` de PyTorch. Avec Adam, une pénalité L2 passe par la mise à l'échelle d'Adam et
# perd son effet ; le *weight decay* découplé d'AdamW non.
#
# Dropout et normalisation par lots se comportent **différemment à l'entraînement et en inférence** :
# c'est le rôle de `model.train()` / `model.eval()` en PyTorch et de l'argument `training` en Keras.

# %%
couche_dropout = nn.Dropout(p=0.5)
x_un = torch.ones(1, 8)
couche_dropout.train()
print("entraînement :", couche_dropout(x_un).numpy())  # la moitié à 0, le reste multiplié par 1 / (1 − p) = 2
couche_dropout.eval()
print("inférence    :", couche_dropout(x_un).numpy())  # l'identité
print("Keras, training=True :", keras.layers.Dropout(0.5, seed=0)(np.ones((1, 8), "float32"), training=True).numpy())

# %% [markdown]
# ### L'expérience de régularisation de `dlcourse`
#
# `dlcourse experiment regularization digits_cnn` entraîne le CNN ci-dessus sur un **petit** ensemble
# d'entraînement (100 images) pour qu'il surapprenne, puis chaque technique seule et une combinaison,
# dans les deux frameworks, avec les mêmes réglages (voir `docs/improving-models.md`). Sa fonction Python,
# `dlcourse.training.experiments.regularization`, écrit un dossier avec un tableau, des courbes et un
# rapport HTML. Le mode complet fait 200 époques par variante, dans les deux frameworks (9 variantes × 2,
# quelques minutes) ; le mode rapide n'en fait que 10, avec PyTorch seul : trop peu pour que la ligne de
# base surapprenne vraiment, les courbes montrent alors surtout le début de l'apprentissage.

# %% tags=["demo"] minutes=10 demo="dlcourse experiment regularization digits_cnn"
from dlcourse.runs import read_run
from dlcourse.training import experiments

debut = time.perf_counter()
dossier_reg = experiments.regularization(
    "digits_cnn", frameworks=("torch",) if FAST else ("torch", "tensorflow"), train_size=100,
    epochs=10 if FAST else 200, batch_size=16, runs_dir=dossier_runs, progress=lambda message: None)
print(f"{time.perf_counter() - debut:.0f} s ; dossier : {dossier_reg.name}")

import json

regularisation = json.loads((dossier_reg / "experiment.json").read_text(encoding="utf-8"))
for cadre, lignes_reg in regularisation["results"].items():
    print(f"\n{'PyTorch' if cadre == 'torch' else 'Keras'} (exactitude ; écart = validation − entraînement pour la perte)")
    print(f"  {'variante':<16}{'perte entr.':>12}{'perte val.':>11}{'écart':>8}{'exact. val.':>12}{'test':>7}")
    for ligne in lignes_reg:
        print(f"  {ligne['variant']:<16}{ligne['train_loss']:>12.3f}{ligne['val_loss']:>11.3f}{ligne['gap']:>8.3f}"
              f"{ligne['val']:>12.3f}{ligne['test']:>7.3f}")

# %%
fig, axes = plt.subplots(1, len(regularisation["results"]), figsize=(6 * len(regularisation["results"]), 4),
                         sharey=True, squeeze=False)
axes = axes[0]
for ax, (cadre, lignes_reg) in zip(axes, regularisation["results"].items()):
    for i, ligne in enumerate(lignes_reg):
        histoire = read_run(ligne["run"])["history"]
        epoques_h = [int(h["epoch"]) for h in histoire]
        ax.plot(epoques_h, [float(h["val_loss"]) for h in histoire], "-", color=f"C{i}", label=ligne["variant"])
        ax.plot(epoques_h, [float(h["loss"]) for h in histoire], ":", color=f"C{i}", alpha=0.6)
    ax.set_title(f"{'PyTorch' if cadre == 'torch' else 'Keras'} : validation (trait plein), entraînement (pointillés)")
    ax.set_xlabel("époque")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("perte")
axes[-1].legend(fontsize=7)
fig.suptitle(f"Régularisation du CNN sur {regularisation['results']['torch'][0]['epochs']} époques")
fig.tight_layout()
plt.show()

# %% [markdown]
# Le résultat du mode complet (100 images, 200 époques), mesuré avec PyTorch sur une graine : la ligne de
# base finit avec une perte d'entraînement nulle, alors que sa perte de validation est au plus bas dès
# l'époque 43 (0,41 au final, exactitude de test 0,87) : c'est le surapprentissage type. L'arrêt précoce
# garde cette époque 43 (perte de validation 0,37). L'augmentation, qui fabrique des images nouvelles à
# chaque époque, fait de loin le mieux (perte de validation 0,24, test 0,94) ; le dropout (0,35) et le
# *label smoothing* (test 0,92) aident aussi. La pénalité L2 de 3·10⁻³, elle, fait *moins bien* ici
# (0,53) : une régularisation se règle, trop forte elle empêche d'apprendre. Les valeurs exactes varient
# avec la graine et le framework : avec Keras, sur la même graine, l'augmentation aide beaucoup moins
# (0,41) et c'est le *label smoothing* qui donne le meilleur test (0,93). Une seule exécution ne classe
# donc pas les techniques à un point près.
# Le dossier contient aussi `report.html`, à ouvrir dans un navigateur.
#
# **Normalisation par lots, entraînement et inférence.** À l'entraînement, `BatchNorm` normalise avec
# la moyenne et la variance *du lot* et met à jour des moyennes mobiles (`running_mean`, `running_var` en
# PyTorch, `moving_mean`, `moving_variance` en Keras) ; en inférence, elle utilise ces moyennes mobiles.
# Ce point compte pour le transfert, juste après.

# %% [markdown] minutes=25
# ## 7.3 L'apprentissage par transfert
#
# Un modèle entraîné sur une grande tâche *source* a appris des caractéristiques (bords, traits, formes)
# utiles ailleurs. Sur une tâche *cible* avec peu d'exemples étiquetés, on garde son corps (le
# **backbone**) et on remplace sa dernière couche par une **nouvelle tête**. Deux façons de faire :
#
# - **extraction de caractéristiques** : le backbone est gelé, seule la tête apprend. Rapide, sûr quand
#   les données cibles sont très peu nombreuses ;
# - **réglage fin** (*fine-tuning*) : le backbone apprend aussi, avec un taux plus faible (par exemple
#   10 fois plus petit) pour ne pas détruire ce qu'il sait ; souvent un peu meilleur avec plus de données.
#
# Les poids ImageNet se téléchargent d'habitude au moment de l'exécution, ce qui échoue hors ligne.
# `dlcourse` fournit donc une source hors ligne : `strokes`, 20 000 figures 8 × 8 générées, chacune faite
# de deux traits (une boucle, un arc, une barre, un coin), étiquetées par la paire de traits, sans aucun
# chiffre. Le backbone pré-entraîné à les distinguer apprend des détecteurs de morceaux de caractères,
# puis on le réutilise sur les vrais chiffres avec 1, 3 ou 10 images étiquetées par chiffre.
#
# `dlcourse experiment transfer` compare à chaque taille l'entraînement depuis zéro, l'extraction de
# caractéristiques et le réglage fin. Mesuré sur 10 graines en mode complet (20 000 figures source,
# 100 époques cibles) avec une image par chiffre : 0,65 d'exactitude depuis zéro, 0,75 par extraction de
# caractéristiques et 0,76 par réglage fin ; l'écart se réduit avec plus d'images (0,90 contre 0,93 à
# 0,94 avec dix images par chiffre). Le mode rapide pré-entraîne sur 5 000 figures pendant 5 époques (au
# lieu de 20 000 et 20 : le modèle source reste plus faible), entraîne la cible 40 époques au lieu de 100
# et n'essaie qu'une taille : ses chiffres sont indicatifs, et sur une seule graine l'ordre des méthodes
# peut s'inverser.

# %% tags=["demo"] minutes=10 demo="dlcourse experiment transfer"
debut = time.perf_counter()
dossier_transfert = experiments.transfer(
    "transfer_source", "transfer_target", sizes=[10] if FAST else [10, 30, 100], frameworks=("torch", "tensorflow"),
    source_overrides=["data.options={n_samples: 5000, jitter: 0.2}", "training.epochs=5"] if FAST else [],
    target_overrides=["training.epochs=40"] if FAST else [], runs_dir=dossier_runs, progress=lambda message: None)
print(f"{time.perf_counter() - debut:.0f} s ; dossier : {dossier_transfert.name}")
transfert = json.loads((dossier_transfert / "experiment.json").read_text(encoding="utf-8"))
noms_methodes = {"scratch": "depuis zéro", "features": "extraction", "fine_tune": "réglage fin"}
for cadre, lignes_tr in transfert["results"].items():
    print(f"{'PyTorch' if cadre == 'torch' else 'Keras'} : modèle source, exactitude de test "
          f"{transfert['sources'][cadre]['test']['accuracy']:.3f}")
    for ligne in lignes_tr:
        print(f"  {ligne['size']:>4} images cibles, {noms_methodes[ligne['method']]:<12} test {ligne['test']:.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, (cadre, lignes_tr) in zip(axes, transfert["results"].items()):
    tailles = sorted({ligne["size"] for ligne in lignes_tr})
    for j, methode in enumerate(noms_methodes):
        valeurs = [next(l["test"] for l in lignes_tr if l["size"] == t and l["method"] == methode) for t in tailles]
        ax.bar(np.arange(len(tailles)) + (j - 1) * 0.27, valeurs, width=0.27, label=noms_methodes[methode])
    ax.set_xticks(np.arange(len(tailles)), [f"{t} images" for t in tailles])
    ax.set_title("PyTorch" if cadre == "torch" else "Keras")
    ax.grid(axis="y", alpha=0.3)
axes[0].set_ylabel("exactitude de test")
axes[1].legend(fontsize=8, loc="lower right")
fig.suptitle("Transfert strokes → chiffres : depuis zéro, extraction de caractéristiques, réglage fin")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Geler un backbone : le piège de la normalisation par lots
#
# Geler, c'est empêcher les poids du backbone de bouger : `requires_grad_(False)` sur ses paramètres en
# PyTorch, `trainable = False` en Keras. Mais un backbone avec normalisation par lots a aussi des
# **statistiques mobiles**, qui ne sont pas des paramètres : elles sont mises à jour par le simple
# passage d'un lot *en mode entraînement*. Les deux frameworks diffèrent ici :
#
# - **PyTorch** : `requires_grad_(False)` ne change pas le mode. Si le backbone reste en mode
#   entraînement (et `modele.train()`, au début de chaque époque, y remet tous les sous-modules), sa
#   normalisation utilise les statistiques du lot et **modifie ses moyennes mobiles** : les
#   caractéristiques « gelées » dérivent. Il faut `backbone.eval()`, et le garder ainsi après chaque
#   `modele.train()` ;
# - **Keras 3** : `trainable = False` sur une couche `BatchNormalization` (ou sur le modèle qui la contient)
#   la fait aussi tourner **en mode inférence**, même appelée avec `training=True`. Le guide de Keras
#   appelle en plus le backbone avec `training=False`, pour qu'il reste en inférence même le jour où
#   on le dégèle pour un réglage fin.

# %%
torch.manual_seed(0)
backbone_torch = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Flatten())
for p in backbone_torch.parameters():
    p.requires_grad_(False)                          # gelé… en apparence
lot = torch.from_numpy(x_train[:64, None])
avant = backbone_torch[1].running_mean.clone()
backbone_torch.train()                               # ce que fait modele.train()
backbone_torch(lot)
print("PyTorch, gelé mais en mode entraînement : moyennes mobiles modifiées ?",
      not torch.equal(avant, backbone_torch[1].running_mean))
avant = backbone_torch[1].running_mean.clone()
backbone_torch.eval()
backbone_torch(lot)
print("PyTorch, après backbone.eval()         : moyennes mobiles modifiées ?",
      not torch.equal(avant, backbone_torch[1].running_mean))

backbone_keras = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(8, 3, padding="same"),
                                   keras.layers.BatchNormalization(), keras.layers.ReLU(),
                                   keras.layers.MaxPooling2D(2), keras.layers.Flatten()])
normalisation = backbone_keras.layers[1]
for gele in (False, True):
    backbone_keras.trainable = not gele
    avant = normalisation.moving_mean.numpy().copy()
    backbone_keras(x_train[:64, ..., None], training=True)
    print(f"Keras, trainable={not gele!s:<5}, appelé avec training=True : moyennes mobiles modifiées ?",
          not np.allclose(avant, normalisation.moving_mean.numpy()))

# %% [markdown]
# ### Exercice 7.3 : geler un backbone et ajouter une tête
#
# Écrivez `geler(backbone, n_classes)` : le backbone reçu (il transforme des images 8 × 8 en
# caractéristiques (n, d) et contient une normalisation par lots) est gelé et suivi d'une nouvelle tête
# dense de `n_classes` logits. La vérification entraîne le modèle quelques pas, comme une vraie boucle
# (`modele.train()` en PyTorch, `training=True` en Keras) : seuls les poids de la tête doivent bouger, et
# les statistiques de normalisation du backbone doivent rester intactes. `dlcourse check 7.3`.

# %% tags=["exercise=evaluation_geler@torch"]
import torch
from torch import nn


def geler(backbone, n_classes):
    """Extraction de caractéristiques : le backbone gelé, suivi d'une nouvelle tête dense.

    backbone : nn.Module qui transforme des images (n, 1, 8, 8) float32 en caractéristiques (n, d)
    float32 ; il contient une normalisation par lots (nn.BatchNorm2d).
    n_classes : int, le nombre de classes de la nouvelle tâche.
    Renvoie : un nn.Module qui calcule tete(backbone(x)), des logits (n, n_classes), où tete est une
    seule couche nn.Linear(d, n_classes). Seuls les paramètres de la tête sont entraînables ; le
    backbone reste en mode évaluation, même après modele.train() (qu'appelle toute boucle
    d'entraînement), pour que ses statistiques de normalisation ne bougent pas.

    Indication : `p.requires_grad_(False)` pour chaque paramètre du backbone ; d se lit sur la sortie
    du backbone pour un lot factice, en mode évaluation et sous `torch.no_grad()` ; une sous-classe de
    nn.Module dont la méthode `train(self, mode=True)` appelle `super().train(mode)` puis
    `self.backbone.eval()`.
    """
    ### BEGIN SOLUTION
    class ModeleGele(nn.Module):
        def __init__(self, backbone, tete):
            super().__init__()
            self.backbone = backbone
            self.tete = tete

        def train(self, mode=True):
            super().train(mode)
            self.backbone.eval()      # la normalisation par lots du backbone reste en mode inférence
            return self

        def forward(self, x):
            return self.tete(self.backbone(x))

    for p in backbone.parameters():
        p.requires_grad_(False)
    backbone.eval()
    with torch.no_grad():
        d = backbone(torch.zeros(2, 1, 8, 8)).shape[1]
    return ModeleGele(backbone, nn.Linear(d, n_classes))
    ### END SOLUTION

# %%
modele_gele = geler(backbone_torch, 10)
modele_gele.train()
print("sous-modules en mode entraînement après modele.train() :",
      [nom for nom, m in modele_gele.named_modules() if m.training])
print("paramètres entraînables :", sum(p.numel() for p in modele_gele.parameters() if p.requires_grad))

# %% tags=["exercise=evaluation_geler@tensorflow"]
import keras


def geler(backbone, n_classes):
    """Extraction de caractéristiques : le backbone gelé, suivi d'une nouvelle tête dense.

    backbone : modèle Keras qui transforme des images (n, 8, 8, 1) float32 en caractéristiques (n, d)
    float32 ; il contient une normalisation par lots (BatchNormalization).
    n_classes : int, le nombre de classes de la nouvelle tâche.
    Renvoie : un modèle Keras qui calcule tete(backbone(x)), des logits (n, n_classes), où tete est
    une seule couche Dense(n_classes). Seuls les poids de la tête sont entraînables, et la
    normalisation du backbone reste en mode inférence, même si le modèle est appelé avec training=True.

    Indication : `backbone.trainable = False` ; puis l'API fonctionnelle : une entrée
    `keras.Input(shape=backbone.input_shape[1:])`, `backbone(entree, training=False)`, une couche
    `keras.layers.Dense(n_classes)`, et `keras.Model(entree, sortie)`.
    """
    ### BEGIN SOLUTION
    backbone.trainable = False                       # gèle les poids ET met la normalisation en inférence
    entree = keras.Input(shape=backbone.input_shape[1:])
    traits = backbone(entree, training=False)        # reste en inférence même après un dégel
    sortie = keras.layers.Dense(n_classes)(traits)   # la nouvelle tête : des logits
    return keras.Model(entree, sortie)
    ### END SOLUTION

# %%
modele_gele_keras = geler(backbone_keras, 10)
print("poids entraînables :", sum(int(np.prod(w.shape)) for w in modele_gele_keras.trainable_weights),
      "| non entraînables :", sum(int(np.prod(w.shape)) for w in modele_gele_keras.non_trainable_weights))

# %% [markdown]
# Pour un **réglage fin**, on dégèle ensuite le backbone (tout ou ses dernières couches) et on reprend
# l'entraînement avec un taux plus faible : en PyTorch, deux groupes de paramètres dans l'optimiseur
# (`[{"params": backbone.parameters(), "lr": lr / 10}, {"params": tete.parameters()}]`) ; en Keras,
# `backbone.trainable = True` puis un nouveau `compile` avec un petit taux. fast.ai enchaîne ainsi une
# époque tête seule, puis tout le réseau avec des taux échelonnés. Dans une configuration `dlcourse`,
# `model.backbone: {run: ..., trainable: 0}` gèle le backbone, `trainable: all` le règle finement, et
# `lr_scale: 0.1` lui donne un taux dix fois plus petit.
#
# ### Choisir le taux d'apprentissage : le *learning-rate finder*
#
# Le taux d'apprentissage est le réglage le plus important. Le test de plage de taux (*range test* de
# Leslie Smith, popularisé par fast.ai) entraîne un lot par pas avec un taux qui croît
# exponentiellement, de 10⁻⁷ à 10, lisse la perte (moyenne mobile exponentielle, β = 0,98) et s'arrête
# quand elle diverge (4 fois sa meilleure valeur) ; les poids sont restaurés ensuite. On choisit un taux
# dans la zone où la perte descend le plus franchement, bien avant la divergence : la règle « vallée » de
# fast.ai, « minimum / 10 » ou « pente la plus forte ». C'est la fonction derrière `dlcourse lr-find` :

# %% tags=["demo"] minutes=5 demo="le test de plage de taux de dlcourse lr-find"
from dlcourse.config import load_config
from dlcourse.training.lr_find import find_lr

config_cnn = load_config("digits_cnn")
# De 10⁻⁵ à 1 en 100 pas (un lot par pas) : moins large que les 10⁻⁷ à 10 par défaut, pour mieux voir la
# zone utile d'un si petit réseau. Une fraction de seconde par framework, en mode rapide comme complet.
balayages = {cadre: find_lr(config_cnn, cadre, start=1e-5, end=1.0, steps=100) for cadre in ("torch", "tensorflow")}

fig, ax = plt.subplots(figsize=(7, 4))
for (cadre, res), couleur in zip(balayages.items(), ("C3", "C1")):
    nom = "PyTorch" if cadre == "torch" else "Keras"
    ax.plot(res.lrs, res.losses, color=couleur, alpha=0.3, lw=1)
    ax.plot(res.lrs, res.smoothed, color=couleur, lw=2, label=f"{nom} : perte lissée")
    ax.axvline(res.suggested, color=couleur, ls="--", lw=1,
               label=f"{nom} : taux suggéré {res.suggested:.1e} ({res.rule})".replace(".", ","))
    print(f"{nom:<8} taux suggérés : " + ", ".join(f"{regle} {taux:.2g}" for regle, taux in res.rates.items()))
ax.set_xscale("log")
ax.set_xlabel("taux d'apprentissage")
ax.set_ylabel("perte d'entraînement")
lissees = np.concatenate([res.smoothed for res in balayages.values()])
ax.set_ylim(0.5 * np.nanmin(lissees), 1.5 * np.nanmax(lissees[np.isfinite(lissees)][:50]))
ax.legend(fontsize=8)
ax.set_title("Test de plage de taux sur le CNN des chiffres")
plt.show()

# %% [markdown]
# La perte reste plate tant que le taux est trop petit pour changer quoi que ce soit, descend dans une
# « vallée », puis remonte quand le taux devient trop grand. Ici, la règle « vallée » propose environ
# 2·10⁻³, le taux que la configuration `digits_cnn` utilise (0,002). Le taux suggéré est un point de
# départ, pas une vérité : la courbe dépend de la graine et de la taille des lots (d'où une graine fixée ici), et
# `benchmarks/lr_find_check.py` compare chaque règle au meilleur taux trouvé en entraînant vraiment.
# En ligne de commande, `dlcourse lr-find digits_cnn` écrit le graphique et affiche la commande
# `dlcourse train` qui utilise le taux suggéré.

# %% [markdown] minutes=5
# ## Résumé
#
# - L'exactitude ne suffit pas : matrice de confusion (lignes = vraies classes), précision, rappel, F1 par
#   classe ; sur des classes déséquilibrées, le rappel de la classe rare et l'exactitude équilibrée.
# - Un CNN (convolution → non-linéarité → pooling, puis aplatissement et tête dense) exploite la
#   structure des images avec peu de paramètres ; NCHW en PyTorch, NHWC en Keras.
# - Contre le surapprentissage : dropout, L2 ou *weight decay* découplé (AdamW), arrêt précoce,
#   normalisation par lots, augmentation ; surveillez l'écart entre perte d'entraînement et de validation.
# - Transfert : extraction de caractéristiques (backbone gelé) ou réglage fin (taux plus faible) ; un
#   backbone gelé doit garder sa normalisation par lots en inférence : `.eval()` en PyTorch, `trainable =
#   False` (et `training=False`) en Keras.
# - Le *learning-rate finder* propose un taux de départ en une fraction d'époque.
#
# ## Quiz (dans un terminal : `dlcourse quiz 7`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(7)
