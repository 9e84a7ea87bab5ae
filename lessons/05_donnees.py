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
# # Chapitre 5 : Préparation des données
#
# **Objectifs du chapitre**
#
# - lire des données réelles : un fichier CSV avec du texte et des cases vides, un dossier d'images ;
# - découper en entraînement, validation et test **sans fuite** : mélangé, stratifié, et chaque
#   statistique (moyenne, écart-type, médiane, catégories) apprise sur l'entraînement seulement ;
# - construire les jeux de données et les pipelines des deux frameworks, côte à côte :
#   `Dataset` et `DataLoader` en PyTorch, `tf.data.Dataset` en TensorFlow ;
# - augmenter les images d'entraînement, et savoir quand l'augmentation doit rester éteinte.
#
# Trois exercices vérifiés automatiquement, à résoudre au choix en PyTorch ou en TensorFlow :
# `dlcourse check 5.1 --start` écrit le fichier de départ PyTorch, `--framework tensorflow` celui de TensorFlow.

# %% tags=["parameters"]
FAST = False

# %%
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import torch
from torch import nn
from torchvision.transforms import v2
import tensorflow as tf
import keras

torch.manual_seed(0)
keras.utils.set_random_seed(0)
plt.rcParams["figure.dpi"] = 90
dossier = Path(tempfile.mkdtemp(prefix="chapitre5-"))  # tous les fichiers du chapitre vont ici
print("PyTorch", torch.__version__, "| TensorFlow", tf.__version__, "| pandas", pd.__version__)

# %% [markdown] minutes=20
# ## 5.1 Collecte et prétraitement des données
#
# Un réseau de neurones ne lit que des tenseurs de nombres à virgule (`float32`) : tout le travail
# de ce chapitre consiste à passer des fichiers tels qu'on les reçoit (texte, cases vides, images de
# tailles variées) à des lots de tenseurs propres, **sans laisser l'évaluation tricher**.
#
# ### Un fichier CSV : texte et cases vides
#
# Écrivons d'abord un petit fichier comme on en reçoit : des annonces de logements, avec une colonne
# de texte (le quartier) et des cases vides.

# %%
rng = np.random.default_rng(0)
n_logements = 240
quartiers = rng.choice(["centre", "gare", "port", "collines"], size=n_logements, p=[0.3, 0.3, 0.2, 0.2])
surface = rng.uniform(18, 140, n_logements).round(1)
pieces = np.clip(np.round(surface / 25 + rng.normal(0, 0.6, n_logements)), 1, 7).astype(int)
annee = rng.integers(1950, 2024, n_logements)
bonus = pd.Series(quartiers).map({"centre": 1.3, "gare": 1.0, "port": 1.15, "collines": 0.9}).to_numpy()
prix = (surface * 3.2 * bonus + (annee - 1950) * 0.6 + rng.normal(0, 15, n_logements)).round(0)

table = pd.DataFrame({"surface": surface, "pieces": pd.array(pieces, dtype="Int64"), "annee": annee,
                      "quartier": quartiers, "prix": prix})
for colonne, part in [("surface", 0.08), ("pieces", 0.05), ("quartier", 0.10)]:
    table.loc[rng.random(n_logements) < part, colonne] = pd.NA   # des cases vides, comme dans la vraie vie
chemin_csv = dossier / "logements.csv"
table.to_csv(chemin_csv, index=False)
print("\n".join(chemin_csv.read_text(encoding="utf-8").splitlines()[:6]))

# %% [markdown]
# Une case vide s'écrit `,,` dans le fichier. `pandas.read_csv` la lit comme `NaN` (*Not a Number*),
# et devine le type de chaque colonne :

# %%
logements = pd.read_csv(chemin_csv)
print(logements.dtypes.to_string())
print("\ncases vides par colonne :")
print(logements.isna().sum().to_string())
logements.head()

# %% [markdown]
# Trois problèmes à régler avant d'entraîner quoi que ce soit :
#
# 1. **les cases vides** : un `NaN` qui entre dans un réseau rend toute la perte `NaN`. On peut
#    retirer les lignes incomplètes (on perd des données) ou **imputer** : remplacer la case par la
#    médiane de la colonne (nombres) ou la valeur la plus fréquente (texte) ;
# 2. **le texte** : le quartier devient un encodage *one-hot*, une colonne 0/1 par quartier connu
#    (jamais un numéro 0, 1, 2, 3, qui inventerait un ordre « centre < gare < port ») ;
# 3. **les échelles** : la surface va de 18 à 140, l'année de 1950 à 2023 ; on **standardise** chaque
#    colonne (moyenne 0, écart-type 1) pour que la descente de gradient traite les entrées à égalité.
#
# Médiane, catégories connues, moyenne et écart-type sont des **statistiques apprises des données** :
# elles s'apprennent sur l'entraînement seulement. On découpe donc **d'abord**, puis on ajuste la
# préparation sur la partie d'entraînement et on l'applique telle quelle au reste. Avec scikit-learn,
# un `ColumnTransformer` réunit ces étapes ; `fit` n'est appelé que sur l'entraînement.

# %%
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

train_df, test_df = train_test_split(logements, test_size=0.25, random_state=0)
preparation = ColumnTransformer([
    ("nombres", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["surface", "pieces", "annee"]),
    ("texte", make_pipeline(SimpleImputer(strategy="most_frequent"),
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False)), ["quartier"]),
])
x_train_tab = preparation.fit_transform(train_df).astype("float32")  # apprend médianes, catégories, moyennes
x_test_tab = preparation.transform(test_df).astype("float32")        # les applique, sans rien réapprendre
y_train_tab = train_df["prix"].to_numpy("float32")
print("colonnes produites :", list(preparation.get_feature_names_out()))
print("formes :", x_train_tab.shape, x_test_tab.shape, "| encore des NaN :", bool(np.isnan(x_test_tab).any()))
print("médianes apprises (surface, pièces, année) :", preparation.named_transformers_["nombres"][0].statistics_)

# %% [markdown]
# `handle_unknown="ignore"` prévoit le cas d'un quartier absent de l'entraînement qui apparaîtrait
# plus tard : il reçoit des zéros partout au lieu de faire planter la prédiction.
#
# **Comment `dlcourse` fait.** La section `data` d'une configuration décrit la même chose :
# `dataset: csv`, avec `options: {path, target, missing}`, et `scaling: standard`. La fonction
# `prepare_splits` découpe, impute avec les statistiques de l'entraînement, puis ajuste le `Scaler`
# sur l'entraînement seulement et l'applique aux trois parts :

# %%
from dlcourse.config import DataConfig
from dlcourse.data.splits import prepare_splits

config_csv = DataConfig(dataset="csv", options={"path": str(chemin_csv), "target": "prix", "missing": "median"},
                        scaling="standard", val_fraction=0.1, test_fraction=0.2)
jeu_csv, parts_csv, echelle_csv = prepare_splits(config_csv, seed=0)
print("tâche :", jeu_csv.task, "| colonnes :", jeu_csv.schema["features"])
print("tailles :", parts_csv.sizes(), "| mise à l'échelle :", echelle_csv.method)
print("moyennes des colonnes, entraînement :", parts_csv.x_train.mean(axis=0)[:3].round(3),
      "| test :", parts_csv.x_test.mean(axis=0)[:3].round(3))

# %% [markdown]
# Les moyennes de l'entraînement valent exactement 0, celles du test seulement à peu près : c'est
# normal et c'est voulu. Le test est traité comme des données nouvelles, avec la même règle que
# l'entraînement.
#
# ### Un dossier d'images
#
# La convention universelle pour des images classées : **un sous-dossier par classe**. Fabriquons
# un tel dossier avec Pillow (`PIL`) : des cercles et des triangles, de couleurs et de positions variées.

# %%
from PIL import Image, ImageDraw

dossier_images = dossier / "formes"
par_classe = 12 if FAST else 40
for classe in ("cercle", "triangle"):
    (dossier_images / classe).mkdir(parents=True)
    for k in range(par_classe):
        fond = tuple(int(v) for v in rng.integers(0, 70, 3))
        couleur = tuple(int(v) for v in rng.integers(120, 256, 3))
        image = Image.new("RGB", (32, 32), fond)
        dessin = ImageDraw.Draw(image)
        cx, cy, r = (int(v) for v in (rng.integers(11, 21), rng.integers(11, 21), rng.integers(6, 10)))
        if classe == "cercle":
            dessin.ellipse([cx - r, cy - r, cx + r, cy + r], fill=couleur)
            dessin.rectangle([cx + r // 3, cy - r // 2, cx + r // 3 + 2, cy - r // 2 + 2], fill=fond)  # un œil à droite
        else:
            dessin.polygon([(cx - r, cy + r), (cx + r, cy + r), (cx - r, cy - r)], fill=couleur)  # angle droit à gauche
        image.save(dossier_images / classe / f"{k:03d}.png")
print(sorted(p.name for p in dossier_images.iterdir()), len(list(dossier_images.rglob("*.png"))), "fichiers PNG")

# %% [markdown]
# Les deux frameworks savent lire ce dossier. En PyTorch, `torchvision.datasets.ImageFolder` donne
# un `Dataset` : chaque élément est une image (convertie par la `transform` donnée) et son numéro
# de classe. En Keras, `keras.utils.image_dataset_from_directory` donne directement un
# `tf.data.Dataset` de **lots**.

# %%
from torchvision import datasets

vers_tenseur = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])  # uint8 -> float32 dans [0, 1]
formes_torch = datasets.ImageFolder(dossier_images, transform=vers_tenseur)
image_torch, classe_torch = formes_torch[0]
print("PyTorch :", formes_torch.classes, len(formes_torch), "images | une image :", tuple(image_torch.shape),
      image_torch.dtype, "| classe :", classe_torch)

formes_keras = keras.utils.image_dataset_from_directory(dossier_images, image_size=(32, 32), batch_size=8,
                                                        shuffle=True, seed=0, verbose=False)
lot_keras, classes_keras = next(iter(formes_keras))
print("Keras   :", formes_keras.class_names, "| un lot :", tuple(lot_keras.shape), lot_keras.dtype.name,
      f"valeurs de {float(tf.reduce_min(lot_keras)):.0f} à {float(tf.reduce_max(lot_keras)):.0f}")

# %% [markdown]
# Deux différences à retenir : PyTorch range l'image canaux d'abord `(3, 32, 32)`, Keras canaux
# à la fin `(8, 32, 32, 3)` ; et `image_dataset_from_directory` laisse les pixels entre 0 et 255 (on
# ajoute `keras.layers.Rescaling(1 / 255)` en tête du modèle), là où `ToDtype(..., scale=True)` les
# ramène dans [0, 1]. Le nom des classes vient des sous-dossiers, triés par ordre alphabétique, dans
# les deux cas. `dlcourse` lit le même dossier avec `dataset: image_folder` (fonction
# `load_image_folder`), en tableaux NumPy `(n, h, w, 3)` `uint8` :

# %%
from dlcourse.data.images import load_image_folder

formes = load_image_folder(str(dossier_images), size=32, color="rgb")
x_formes = formes.x.astype("float32") / 255.0  # (n, 32, 32, 3) dans [0, 1]
print(formes.classes, x_formes.shape, np.bincount(formes.y))

fig, axes = plt.subplots(2, 8, figsize=(9, 2.6))
for ligne, classe in enumerate(formes.classes):
    for colonne, i in enumerate(np.flatnonzero(formes.y == ligne)[:8]):
        axes[ligne, colonne].imshow(x_formes[i])
        axes[ligne, colonne].axis("off")
    axes[ligne, 0].text(-4, 16, classe, fontsize=9, ha="right", va="center")
fig.suptitle("Le dossier d'images relu : un sous-dossier par classe")
fig.tight_layout()
plt.show()

# %% [markdown] minutes=35
# ## 5.2 Création de jeux de données
#
# ### Découper sans tricher : mélangé et stratifié
#
# Trois parts : l'**entraînement** ajuste les poids, la **validation** sert à choisir (architecture,
# taux d'apprentissage, époque d'arrêt), le **test** est regardé une seule fois, à la fin. Un
# découpage doit être **mélangé** : les fichiers sont souvent rangés (par classe, par date, par
# scripteur). Les iris de scikit-learn sont rangés par espèce ; sans mélange, le test ne contient
# qu'une espèce, que l'entraînement n'a jamais vue :

# %%
from dlcourse.data.embedded import iris

fleurs = iris()
print("les 5 premières et 5 dernières étiquettes :", fleurs.y[:5], fleurs.y[-5:])
decoupages = {
    "sans mélange": train_test_split(fleurs.x, fleurs.y, test_size=0.2, shuffle=False),
    "mélangé": train_test_split(fleurs.x, fleurs.y, test_size=0.2, random_state=0),
    "mélangé et stratifié": train_test_split(fleurs.x, fleurs.y, test_size=0.2, random_state=0, stratify=fleurs.y),
}
fig, ax = plt.subplots(figsize=(7, 3))
largeur = 0.25
for k, (nom, (_, _, _, y_test_iris)) in enumerate(decoupages.items()):
    ax.bar(np.arange(3) + (k - 1) * largeur, np.bincount(y_test_iris, minlength=3), largeur, label=nom)
ax.set_xticks(range(3), fleurs.classes)
ax.set_ylabel("exemples dans le test")
ax.legend()
ax.set_title("Composition du test (30 fleurs) selon le découpage")
plt.show()

# %% [markdown]
# Mélanger donne les bonnes proportions en moyenne, mais un tirage particulier peut s'en écarter
# (ici 11, 13 et 6 fleurs) ; **stratifier** (`stratify=y`) garantit la même proportion de chaque
# classe dans chaque part, ce qui compte pour les petits jeux et les classes rares.
#
# Deux cas demandent un découpage **par groupe** plutôt qu'au hasard : des données temporelles
# (on entraîne sur le passé, on teste sur l'avenir) et des exemples liés entre eux (plusieurs photos
# du même patient, plusieurs chiffres du même scripteur doivent tous tomber du même côté,
# `sklearn.model_selection.GroupShuffleSplit`). Sinon le test ressemble trop à l'entraînement.
#
# ### La fuite de données par les statistiques
#
# Une **fuite** (*data leakage*) : une information du test entre dans l'entraînement ou dans la
# préparation, et l'évaluation devient trop belle ou fausse. La plus fréquente passe par les
# statistiques de la préparation. Deux erreurs distinctes :
#
# 1. **ajuster la préparation sur toutes les données**, test compris : le test a déjà été « vu » ;
# 2. **standardiser le test avec ses propres statistiques** : le modèle ne reçoit plus les valeurs
#    qu'il a appris à lire.
#
# Commençons par la seconde, sur les tumeurs du sein de scikit-learn (30 mesures par cellule).
# Un modèle est entraîné sur des données standardisées avec les statistiques de l'entraînement ;
# on l'évalue de trois façons.

# %%
from sklearn.linear_model import LogisticRegression

from dlcourse.data.embedded import breast_cancer

tumeurs = breast_cancer()
xa, xt, ya, yt = train_test_split(tumeurs.x, tumeurs.y, test_size=0.3, stratify=tumeurs.y, random_state=0)
echelle = StandardScaler().fit(xa)                       # statistiques de l'entraînement seulement
classifieur = LogisticRegression(max_iter=2000).fit(echelle.transform(xa), ya)


def exactitude_par_lots(lots, statistiques_du_lot):
    """Exactitude sur une liste de lots (x, y), chaque lot standardisé avec ses propres statistiques ou non."""
    bons = 0
    for x_lot, y_lot in lots:
        x_prep = StandardScaler().fit_transform(x_lot) if statistiques_du_lot else echelle.transform(x_lot)
        bons += (classifieur.predict(x_prep) == y_lot).sum()
    return bons / sum(len(y_lot) for _, y_lot in lots)


scenarios = {
    "test entier": [(xt, yt)],
    "lots de 10 au hasard": [(xt[i:i + 10], yt[i:i + 10]) for i in range(0, len(yt), 10)],
    "un lot par classe": [(xt[yt == c], yt[yt == c]) for c in (0, 1)],
}
resultats = {nom: [exactitude_par_lots(lots, False), exactitude_par_lots(lots, True)] for nom, lots in scenarios.items()}
for nom, (bonne, fuite) in resultats.items():
    print(f"{nom:<22} statistiques de l'entraînement : {bonne:.3f} | statistiques du lot : {fuite:.3f}")

fig, ax = plt.subplots(figsize=(7.5, 3.2))
positions = np.arange(len(resultats))
ax.bar(positions - 0.2, [v[0] for v in resultats.values()], 0.4, label="statistiques de l'entraînement")
ax.bar(positions + 0.2, [v[1] for v in resultats.values()], 0.4, label="statistiques du lot à prédire")
ax.set_xticks(positions, list(resultats))
ax.set_ylim(0, 1.25)
ax.set_ylabel("exactitude")
ax.legend(loc="upper center", ncol=2, fontsize=8)
ax.set_title("Même modèle, mêmes exemples : seule la standardisation du test change")
plt.show()

# %% [markdown]
# Sur le test entier, mélangé, les statistiques du test ressemblent à celles de l'entraînement et la
# différence est faible : l'erreur passe inaperçue. Mais un modèle sert ensuite sur des lots
# petits ou homogènes (un service qui n'envoie que des cas graves, un exemple à la fois) : standardisé
# avec ses propres statistiques, un lot homogène perd justement ce qui le distingue (toutes ses
# valeurs élevées redeviennent « moyennes »), et l'exactitude s'effondre. Un exemple seul donne même
# des zéros partout. La règle : **une seule transformation, ajustée une fois sur l'entraînement,
# appliquée à tout ce qui suit**, y compris en production (`dlcourse` l'enregistre dans
# `preprocessing.json` avec le modèle).
#
# La première erreur, ajuster sur toutes les données, rend l'évaluation **optimiste** : pour une
# simple standardisation sur beaucoup de données, l'écart est souvent petit, mais le principe est
# le même que pour des étapes qui apprennent bien plus des données (imputation, vocabulaire d'un
# texte, sélection de variables). Voici la même faute avec une sélection de variables, sur des
# données **sans aucun lien** avec l'étiquette (du bruit pur : 50 % d'exactitude attendus) :

# %%
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import cross_val_score

bruit = np.random.default_rng(1).normal(size=(120, 2000))
hasard = np.random.default_rng(2).integers(0, 2, 120)
# Faux : les 20 variables « les plus liées à y » sont choisies en regardant toutes les lignes, test compris.
choisies = SelectKBest(f_classif, k=20).fit(bruit, hasard).transform(bruit)
avec_fuite = cross_val_score(LogisticRegression(max_iter=1000), choisies, hasard, cv=5).mean()
# Juste : la sélection fait partie du pipeline, réajustée sur la part d'entraînement de chaque pli.
sans_fuite = cross_val_score(make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression(max_iter=1000)),
                             bruit, hasard, cv=5).mean()
print(f"exactitude sur du bruit : {avec_fuite:.2f} avec fuite, {sans_fuite:.2f} sans fuite")

# %% [markdown]
# Avec la fuite, un modèle semble prédire du bruit pur. Le remède est toujours le même : tout ce qui
# apprend quelque chose des données (un `fit`) se place **après** le découpage et ne voit que
# l'entraînement ; un `Pipeline` scikit-learn garantit cet ordre.
#
# ### Mettre à l'échelle avec les statistiques de l'entraînement
#
# `StandardScaler` retient une moyenne et un écart-type **par colonne** (`mean_`, `scale_`), calculés
# par `fit` sur l'entraînement ; `transform` applique $(x - \mu) / \sigma$ à n'importe quel tableau. Les
# 30 mesures des tumeurs ont des échelles très différentes :

# %%
xa_std, xt_std = echelle.transform(xa), echelle.transform(xt)
print("moyenne apprise des 3 premières colonnes :", echelle.mean_[:3].round(2),
      "| écart-type (de population) :", echelle.scale_[:3].round(2))
print("entraînement : moyennes", xa_std.mean(axis=0)[:3].round(6), "écarts-types", xa_std.std(axis=0)[:3].round(6))
print("test         : moyennes", xt_std.mean(axis=0)[:3].round(3), "écarts-types", xt_std.std(axis=0)[:3].round(3))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].boxplot(xa, showfliers=False)
axes[0].set_yscale("log")
axes[0].set_title("brutes (échelle logarithmique)")
axes[1].boxplot(xa_std, showfliers=False)
axes[1].set_title("standardisées avec les statistiques de l'entraînement")
for ax in axes:
    ax.set_xticks([])
    ax.set_xlabel("les 30 colonnes")
fig.tight_layout()
plt.show()

# %% [markdown]
# Deux détails comptent quand on l'écrit soi-même dans un framework : l'écart-type de
# `StandardScaler` est celui **de population** (division par $n$, `correction=0` en PyTorch, celui
# de `tf.math.reduce_std`) alors que `torch.std` divise par $n - 1$ par défaut ; et une colonne
# **constante** sur l'entraînement (un pixel toujours noir) a un écart-type nul : `StandardScaler`
# le remplace par 1 pour ne pas diviser par zéro.
#
# Dans `dlcourse`, c'est le réglage `data.scaling` d'une configuration (`range`, `standard` ou
# `none`) ; `prepare_splits` ajuste le `Scaler` sur l'entraînement :

# %%
from dlcourse.config import load_config

config_digits = load_config("digits_mlp")
print(config_digits.data)
jeu_digits, parts_digits, echelle_digits = prepare_splits(config_digits.data, seed=config_digits.seed)
print("tailles :", parts_digits.sizes(), "| mise à l'échelle :", echelle_digits.method,
      f"(x - {echelle_digits.shift}) / {echelle_digits.scale}, la plage connue des pixels de digits")

# %% [markdown]
# ### Exercice 5.1 : standardiser sans fuite
#
# Écrivez `standardiser(x_train, x_test)` : les deux tableaux standardisés colonne par colonne avec
# les statistiques de l'entraînement, en tenseurs `float32` du framework de votre choix.
# `dlcourse check 5.1 --start` (ou `--start --framework tensorflow`) écrit le fichier de départ ;
# `dlcourse check 5.1` vérifie.

# %% tags=["exercise=donnees_standardiser@torch"]
import numpy as np
import torch


def standardiser(x_train, x_test):
    """Standardise chaque colonne avec les statistiques de l'entraînement seulement.

    x_train : np.ndarray (n, d) float32, les exemples d'entraînement ;
    x_test : np.ndarray (m, d) float32, d'autres exemples (validation, test, données nouvelles).
    Renvoie : (train, test), deux torch.Tensor float32 de formes (n, d) et (m, d) : chaque colonne j
    devient (x − moyenne_j) / écart_type_j, moyenne et écart-type de la colonne j calculés sur
    x_train seulement (écart-type de population, comme StandardScaler). Une colonne constante dans
    x_train (écart-type nul) est seulement centrée : son écart-type est remplacé par 1.

    Indication : `torch.from_numpy`, puis sur le tenseur d'entraînement `mean(dim=0)` et
    `std(dim=0, correction=0)` (une valeur par colonne) ; `torch.where` remplace les écarts-types
    nuls par 1 ; appliquez ensuite les mêmes statistiques aux deux tenseurs.
    """
    ### BEGIN SOLUTION
    train = torch.from_numpy(np.asarray(x_train, dtype=np.float32))
    test = torch.from_numpy(np.asarray(x_test, dtype=np.float32))
    moyenne = train.mean(dim=0)                            # (d,) : apprise sur l'entraînement
    ecart = train.std(dim=0, correction=0)                 # de population, comme StandardScaler
    ecart = torch.where(ecart > 0, ecart, torch.ones_like(ecart))
    return (train - moyenne) / ecart, (test - moyenne) / ecart
    ### END SOLUTION

# %%
train_t, test_t = standardiser(xa, xt)
print(type(train_t).__name__, train_t.dtype, "| même résultat que StandardScaler :",
      np.allclose(test_t.numpy(), echelle.transform(xt), atol=1e-4))

# %% tags=["exercise=donnees_standardiser@tensorflow"]
import numpy as np
import tensorflow as tf


def standardiser(x_train, x_test):
    """Standardise chaque colonne avec les statistiques de l'entraînement seulement.

    x_train : np.ndarray (n, d) float32, les exemples d'entraînement ;
    x_test : np.ndarray (m, d) float32, d'autres exemples (validation, test, données nouvelles).
    Renvoie : (train, test), deux tf.Tensor float32 de formes (n, d) et (m, d) : chaque colonne j
    devient (x − moyenne_j) / écart_type_j, moyenne et écart-type de la colonne j calculés sur
    x_train seulement (écart-type de population, comme StandardScaler). Une colonne constante dans
    x_train (écart-type nul) est seulement centrée : son écart-type est remplacé par 1.

    Indication : `tf.constant(..., tf.float32)`, puis sur le tenseur d'entraînement
    `tf.reduce_mean(..., axis=0)` et `tf.math.reduce_std(..., axis=0)` (une valeur par colonne) ;
    `tf.where` remplace les écarts-types nuls par 1 ; appliquez ensuite les mêmes statistiques aux
    deux tenseurs.
    """
    ### BEGIN SOLUTION
    train = tf.constant(x_train, tf.float32)
    test = tf.constant(x_test, tf.float32)
    moyenne = tf.reduce_mean(train, axis=0)                # (d,) : apprise sur l'entraînement
    ecart = tf.math.reduce_std(train, axis=0)              # de population, comme StandardScaler
    ecart = tf.where(ecart > 0, ecart, tf.ones_like(ecart))
    return (train - moyenne) / ecart, (test - moyenne) / ecart
    ### END SOLUTION

# %%
train_tf, test_tf = standardiser(xa, xt)
print(type(train_tf).__name__, train_tf.dtype.name, "| même résultat que StandardScaler :",
      np.allclose(test_tf.numpy(), echelle.transform(xt), atol=1e-4))

# %% [markdown]
# ### Jeux de données et pipelines, côte à côte
#
# Une fois les tableaux prêts, il reste à les servir au modèle **par lots**, mélangés à chaque
# époque. Les deux frameworks séparent les rôles de la même façon :
#
# | rôle | PyTorch | TensorFlow |
# |---|---|---|
# | un exemple à la fois | `Dataset` : `__len__` et `__getitem__(i)` | `tf.data.Dataset.from_tensor_slices((x, y))` |
# | transformer chaque exemple | dans `__getitem__` (`transform`) | `.map(f, num_parallel_calls=tf.data.AUTOTUNE)` |
# | mélanger à chaque époque | `DataLoader(..., shuffle=True, generator=...)` | `.shuffle(n, seed=...)` (tampon ≥ taille du jeu) |
# | regrouper en lots | `DataLoader(..., batch_size=32)` | `.batch(32)` |
# | dernier lot incomplet | gardé, sauf `drop_last=True` | gardé, sauf `drop_remainder=True` |
# | préparer le lot suivant pendant le calcul | `num_workers=2`, `pin_memory=True` | `.prefetch(tf.data.AUTOTUNE)` |
#
# En PyTorch, un `Dataset` à soi s'écrit en deux méthodes. Celui-ci lit les tumeurs préparées et
# convertit chaque exemple au bon type : `float32` pour les entrées, `int64` pour les classes
# (ce qu'attend `nn.CrossEntropyLoss`).

# %%
from torch.utils.data import DataLoader, Dataset


class Tumeurs(Dataset):
    def __init__(self, x, y, transform=None):
        self.x = torch.as_tensor(x, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.int64)
        self.transform = transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        x = self.x[i]
        return (self.transform(x) if self.transform else x), self.y[i]


jeu_train = Tumeurs(xa_std, ya)
chargeur = DataLoader(jeu_train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
tailles = [len(y_lot) for _, y_lot in chargeur]
x_lot, y_lot = next(iter(chargeur))
print(f"PyTorch : {len(jeu_train)} exemples, {len(chargeur)} lots, tailles {tailles[:3]} … {tailles[-1]} ;",
      "un lot :", tuple(x_lot.shape), x_lot.dtype, y_lot.dtype)

pipeline = (tf.data.Dataset.from_tensor_slices((xa_std.astype("float32"), ya.astype("int64")))
            .shuffle(len(ya), seed=0)           # tampon de la taille du jeu : un vrai mélange
            .batch(32)
            .prefetch(tf.data.AUTOTUNE))
tailles_tf = [int(y_lot.shape[0]) for _, y_lot in pipeline]
x_lot_tf, y_lot_tf = next(iter(pipeline))
print(f"TensorFlow : {len(tailles_tf)} lots, tailles {tailles_tf[:3]} … {tailles_tf[-1]} ;",
      "un lot :", tuple(x_lot_tf.shape), x_lot_tf.dtype.name, y_lot_tf.dtype.name)

# %% [markdown]
# $398 = 12 \times 32 + 14$ : le dernier lot a 14 exemples et il est gardé (sinon ces exemples ne
# serviraient jamais à cette époque). L'ordre change à chaque époque dans les deux frameworks
# (`shuffle=True` ; `reshuffle_each_iteration=True` par défaut), et la graine rend cette suite
# d'ordres reproductible. L'ordre des étapes de `tf.data` compte : `.shuffle` **avant** `.batch`
# mélange les exemples ; après, il ne ferait que mélanger des lots toujours composés des mêmes
# exemples voisins. Et un tampon de mélange plus petit que le jeu ne mélange que localement.
#
# **`prefetch`** prépare le lot suivant pendant que le modèle calcule sur le lot courant.
# Simulons une préparation lente (20 ms par lot) et un pas d'entraînement qui dure autant :

# %%
def preparation_lente(x, y):
    def attendre(x):
        time.sleep(0.02)  # une lecture de fichier, un décodage d'image…
        return x
    return tf.py_function(attendre, [x], tf.float32), y


n_lots = 8 if FAST else 20
for nom, avec_prefetch in [("sans prefetch", False), ("avec prefetch", True)]:
    flux = tf.data.Dataset.from_tensor_slices((xa_std[:n_lots * 8].astype("float32"), ya[:n_lots * 8])).batch(8)
    flux = flux.map(preparation_lente)
    if avec_prefetch:
        flux = flux.prefetch(tf.data.AUTOTUNE)
    else:  # tf.data ajoute de lui-même un prefetch après map : on l'en empêche pour comparer
        sans_ajout = tf.data.Options()
        sans_ajout.experimental_optimization.inject_prefetch = False
        flux = flux.with_options(sans_ajout)
    debut = time.perf_counter()
    for _ in flux:
        time.sleep(0.02)  # le pas d'entraînement
    print(f"{nom:<14} {time.perf_counter() - debut:.2f} s pour {n_lots} lots")

# %% [markdown]
# Sans `prefetch`, préparation et calcul se succèdent ; avec, ils se recouvrent et le temps est
# presque divisé par deux. Les versions récentes de TensorFlow ajoutent d'ailleurs d'elles-mêmes un
# `prefetch` après un `map` (il a fallu l'interdire ci-dessus) ; l'écrire reste la règle. Le jumeau PyTorch est `DataLoader(..., num_workers=k)`, qui prépare les lots
# dans `k` processus à part (utile quand `__getitem__` lit et décode des fichiers ; sur des tenseurs
# déjà en mémoire, `num_workers=0` est le plus rapide).
#
# Les images du dossier de formes passent par les mêmes outils : un `DataLoader` sur l'`ImageFolder`,
# ou le `tf.data.Dataset` déjà mis en lots par Keras, auquel on ajoute `prefetch`.

# %%
chargeur_formes = DataLoader(formes_torch, batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(0))
x_formes_lot, y_formes_lot = next(iter(chargeur_formes))
formes_keras_flux = formes_keras.map(lambda x, y: (x / 255.0, y)).prefetch(tf.data.AUTOTUNE)
x_formes_lot_tf, _ = next(iter(formes_keras_flux))
print("PyTorch :", tuple(x_formes_lot.shape), y_formes_lot.tolist(), "| Keras :", tuple(x_formes_lot_tf.shape),
      f"max {float(tf.reduce_max(x_formes_lot_tf)):.2f}")

# %% [markdown]
# ### Exercice 5.2 : un pipeline de lots
#
# Écrivez `creer_lots(x, y, taille_lot, graine)` qui renvoie un `DataLoader` (PyTorch) ou un
# `tf.data.Dataset` (TensorFlow) : des lots `(x, y)` en `float32` et `int64`, mélangés à chaque
# époque, reproductibles avec la graine, dernier lot incomplet compris. Vérification : `dlcourse check 5.2`.

# %% tags=["exercise=donnees_lots@torch"]
import torch
from torch.utils.data import DataLoader, TensorDataset


def creer_lots(x, y, taille_lot, graine):
    """Un chargeur de lots mélangés, pour l'entraînement.

    x : np.ndarray (n, d) float64 ; y : np.ndarray (n,) int32 ; taille_lot : int ; graine : int.
    Renvoie : un torch.utils.data.DataLoader. Chaque époque (une boucle `for xb, yb in chargeur`)
    donne chaque exemple exactement une fois, en lots (xb, yb) : xb torch.Tensor (b, d) float32,
    yb torch.Tensor (b,) int64, chaque étiquette à côté de son exemple, b = taille_lot sauf pour le
    dernier lot, plus petit, qui est gardé. L'ordre est mélangé, différent à chaque époque, et le
    même d'un appel à l'autre avec la même graine.

    Indication : convertissez (`torch.as_tensor(x, dtype=torch.float32)`, et int64 pour y),
    `TensorDataset(x, y)`, puis `DataLoader(..., batch_size=..., shuffle=True,
    generator=torch.Generator().manual_seed(graine))`.
    """
    ### BEGIN SOLUTION
    entrees = torch.as_tensor(x, dtype=torch.float32)
    etiquettes = torch.as_tensor(y, dtype=torch.int64)
    return DataLoader(TensorDataset(entrees, etiquettes), batch_size=taille_lot, shuffle=True,
                      generator=torch.Generator().manual_seed(graine))  # drop_last=False par défaut
    ### END SOLUTION

# %%
x_exemple = np.random.default_rng(0).normal(size=(10, 3))
y_exemple = np.arange(10, dtype=np.int32)
print("PyTorch :", [yb.tolist() for _, yb in creer_lots(x_exemple, y_exemple, 4, graine=0)])

# %% tags=["exercise=donnees_lots@tensorflow"]
import tensorflow as tf


def creer_lots(x, y, taille_lot, graine):
    """Un pipeline de lots mélangés, pour l'entraînement.

    x : np.ndarray (n, d) float64 ; y : np.ndarray (n,) int32 ; taille_lot : int ; graine : int.
    Renvoie : un tf.data.Dataset. Chaque époque (une boucle `for xb, yb in jeu`) donne chaque
    exemple exactement une fois, en lots (xb, yb) : xb tf.Tensor (b, d) float32, yb tf.Tensor (b,)
    int64, chaque étiquette à côté de son exemple, b = taille_lot sauf pour le dernier lot, plus
    petit, qui est gardé. L'ordre est mélangé, différent à chaque époque, et le même d'un appel à
    l'autre avec la même graine.

    Indication : `tf.data.Dataset.from_tensor_slices((x, y))` sur des tenseurs déjà convertis
    (`tf.cast`), puis `.shuffle(n, seed=graine)` (un tampon de la taille du jeu), `.batch(...)`,
    `.prefetch(tf.data.AUTOTUNE)`, dans cet ordre.
    """
    ### BEGIN SOLUTION
    entrees = tf.cast(x, tf.float32)
    etiquettes = tf.cast(y, tf.int64)
    return (tf.data.Dataset.from_tensor_slices((entrees, etiquettes))
            .shuffle(len(x), seed=graine)         # avant batch : mélange les exemples, pas les lots
            .batch(taille_lot)                    # drop_remainder=False par défaut
            .prefetch(tf.data.AUTOTUNE))
    ### END SOLUTION

# %%
print("TensorFlow :", [yb.numpy().tolist() for _, yb in creer_lots(x_exemple, y_exemple, 4, graine=0)])

# %% [markdown] minutes=20
# ## 5.3 Augmentation des données
#
# Augmenter, c'est appliquer à chaque image d'entraînement, **à chaque époque**, une transformation
# aléatoire qui **ne change pas son étiquette** : un petit décalage, une petite rotation, un
# retournement. Le modèle ne voit jamais deux fois exactement la même image et apprend ce qui
# compte (la forme) plutôt que ce qui ne compte pas (la position exacte) : c'est une régularisation,
# particulièrement utile quand les images sont peu nombreuses.
#
# Le choix des transformations dépend des données : un triangle ou un chat retourné horizontalement
# reste un triangle ou un chat ; un 2 retourné n'est plus un chiffre, et une flèche « gauche » deviendrait
# une flèche « droite » ; une photo retournée verticalement (ciel en bas) n'arrive jamais en pratique.
#
# | transformation | PyTorch (`torchvision.transforms.v2`) | Keras (couches de prétraitement) |
# |---|---|---|
# | retournement horizontal | `v2.RandomHorizontalFlip(p=0.5)` | `keras.layers.RandomFlip("horizontal")` |
# | décalage | `v2.RandomAffine(degrees=0, translate=(0.1, 0.1))` | `keras.layers.RandomTranslation(0.1, 0.1)` |
# | rotation | `v2.RandomRotation(15)` (en degrés) | `keras.layers.RandomRotation(15 / 360)` (en tours) |
# | zoom | `v2.RandomAffine(degrees=0, scale=(0.9, 1.1))` | `keras.layers.RandomZoom(0.1)` |
# | où | dans la `transform` du `Dataset` d'entraînement | dans le modèle, ou dans `.map` du `tf.data` d'entraînement |
#
# Attention au défaut de Keras : `RandomFlip()` sans argument retourne **aussi verticalement**
# (`mode="horizontal_and_vertical"`). Et une transformation `v2` appliquée à un lot entier tire
# **un seul** hasard pour tout le lot : on l'applique image par image, dans `__getitem__`.

# %%
augmentation_torch = v2.Compose([
    v2.RandomHorizontalFlip(p=0.5),
    v2.RandomAffine(degrees=15, translate=(0.1, 0.1)),  # rotation de ±15° et décalage de ±10 %
])
augmentation_keras = keras.Sequential([
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
    keras.layers.RandomRotation(15 / 360, fill_mode="constant"),
])

originaux = x_formes[np.r_[0:3, par_classe:par_classe + 3]]          # 3 cercles, 3 triangles (n, 32, 32, 3)
originaux_nchw = torch.from_numpy(originaux).permute(0, 3, 1, 2)      # PyTorch : canaux d'abord
lignes = [("originaux", originaux)]
for k in range(3):
    tirage = torch.stack([augmentation_torch(image) for image in originaux_nchw])  # un tirage par image
    lignes.append((f"PyTorch n°{k + 1}", tirage.permute(0, 2, 3, 1).numpy()))
for k in range(3):
    lignes.append((f"Keras n°{k + 1}", augmentation_keras(originaux, training=True).numpy()))

fig, axes = plt.subplots(len(lignes), len(originaux), figsize=(7, 8.5))
for r, (nom, images) in enumerate(lignes):
    for c, image in enumerate(images):
        axes[r, c].imshow(np.clip(image, 0, 1))
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(nom, fontsize=8)
fig.suptitle("Aperçu de l'augmentation : retournement, rotation de ±15°, décalage de ±10 %")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Toujours regarder un aperçu avant d'entraîner** : il montre aussitôt une transformation trop
# forte (la forme sort de l'image), un mauvais axe ou une étiquette qui ne tient plus.
#
# `dlcourse` décrit l'augmentation une fois, sans framework : `data.augment` dans une configuration
# (`"shift=0.1,rotation=15,flip"`), appliquée à l'entraînement seulement ; chaque framework la
# réalise avec ses propres outils (`augment_batch` de chaque backend) :

# %%
from dlcourse.backends import get_backend
from dlcourse.data.augment import AugmentSpec

regle = AugmentSpec.parse("shift=0.1,rotation=15,flip")
print(regle)
par_torch = get_backend("torch").augment_batch(originaux, regle, seed=0)
par_keras = get_backend("tensorflow").augment_batch(originaux, regle, seed=0)
print("mêmes formes que les originaux :", par_torch.shape == par_keras.shape == originaux.shape)

# %% [markdown]
# ### Quand l'augmentation doit rester éteinte
#
# L'augmentation sert **uniquement à l'entraînement**. La validation et le test mesurent le modèle
# sur les données telles qu'elles arriveront : une mesure faite sur des images tirées au hasard
# changerait à chaque évaluation et décrirait d'autres données que les vraies.
#
# - PyTorch : deux `Dataset`, l'un avec la `transform` d'augmentation (entraînement), l'autre sans
#   (validation, test). `model.eval()` n'éteint **pas** une `transform` de `torchvision` : elle vit dans le
#   `Dataset`, pas dans le modèle.
# - Keras : les couches `Random…` placées dans le modèle ne s'activent que pendant `fit`
#   (`training=True`) ; `predict` et `evaluate` les traversent sans rien changer.

# %%
print("Keras, training=False : identité ?",
      np.array_equal(augmentation_keras(originaux, training=False).numpy(), originaux))

# %% [markdown]
# Voyons l'effet d'une augmentation laissée allumée à l'évaluation. Un petit réseau PyTorch apprend
# les chiffres de digits (sans augmentation) ; on mesure ensuite sa validation cinq fois, avec puis
# sans un décalage aléatoire d'environ un pixel (`shift=0.15` sur des images 8 × 8).

# %%
x_app, y_app = torch.from_numpy(parts_digits.x_train), torch.from_numpy(parts_digits.y_train)
reseau = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
optimiseur = torch.optim.Adam(reseau.parameters(), lr=1e-2)
ordre = torch.Generator().manual_seed(0)
for epoque in range(8 if FAST else 25):
    for lot in torch.randperm(len(y_app), generator=ordre).split(32):
        optimiseur.zero_grad()
        nn.functional.cross_entropy(reseau(x_app[lot]), y_app[lot]).backward()
        optimiseur.step()


def exactitude_validation(x):
    reseau.eval()
    with torch.no_grad():
        return (reseau(torch.from_numpy(x)).argmax(dim=1).numpy() == parts_digits.y_val).mean()


moteur = get_backend("torch")
sans = [exactitude_validation(parts_digits.x_val) for _ in range(5)]
avec = [exactitude_validation(moteur.augment_batch(parts_digits.x_val, "shift=0.15", seed=k)) for k in range(5)]
print("validation sans augmentation :", np.round(sans, 3))
print("validation avec augmentation :", np.round(avec, 3))

# %% [markdown]
# Sans augmentation, la mesure est stable et décrit les vraies images ; avec, elle varie d'une
# évaluation à l'autre et sous-estime le modèle sur des images qu'il ne rencontrera jamais. Une
# exception délibérée existe, l'**augmentation au test** (*test-time augmentation*) : on moyenne les
# prédictions de quelques versions **fixées** de chaque image ; c'est alors une méthode de prédiction
# choisie, évaluée comme telle, pas un oubli.
#
# ### Exercice 5.3 : une augmentation qui garde les étiquettes
#
# Écrivez `augmenter(images, etiquettes, p, entrainement)` : en entraînement, chaque image est
# retournée horizontalement avec la probabilité `p`, par un tirage propre à chaque image et à chaque
# appel ; en évaluation, rien ne change. Vérification : `dlcourse check 5.3`.

# %% tags=["exercise=donnees_augmenter@torch"]
import torch
from torchvision.transforms import v2


def augmenter(images, etiquettes, p=0.5, entrainement=True):
    """Retournement horizontal aléatoire d'un lot d'images (des scènes ou des objets, pas des chiffres).

    images : np.ndarray (n, h, w) float32, des images en niveaux de gris ; etiquettes : np.ndarray (n,) int64 ;
    p : float, la probabilité de retourner chaque image ; entrainement : bool.
    Renvoie : (images_aug, etiquettes_aug), torch.Tensor (n, h, w) float32 et torch.Tensor (n,) int64.
    En entraînement, chaque image est, indépendamment des autres et à chaque appel, retournée
    gauche-droite (le dernier axe, w) avec la probabilité p, sinon gardée telle quelle ; en
    évaluation (entrainement=False), les images sont rendues inchangées. Les étiquettes sont rendues
    inchangées, dans le même ordre. Le tableau `images` reçu n'est jamais modifié.

    Indication : `v2.RandomHorizontalFlip(p)` appliquée à un lot entier tire un seul hasard pour tout
    le lot : appliquez-la image par image (`torch.stack([retourner(image) for image in x])`). Partez
    d'une copie (`torch.tensor(images)` copie, `torch.from_numpy` partage la mémoire).
    """
    ### BEGIN SOLUTION
    x = torch.tensor(images, dtype=torch.float32)             # une copie : images reste intact
    y = torch.tensor(etiquettes, dtype=torch.int64)
    if not entrainement:
        return x, y
    retourner = v2.RandomHorizontalFlip(p=p)
    return torch.stack([retourner(image) for image in x]), y  # un tirage par image
    ### END SOLUTION

# %%
gris = x_formes[:6].mean(axis=3)                            # (6, 32, 32) en niveaux de gris
etiquettes_gris = formes.y[:6]
aug_torch, _ = augmenter(gris, etiquettes_gris, p=0.5)
print("PyTorch : images retournées :",
      [bool(np.array_equal(a, g[:, ::-1])) for a, g in zip(aug_torch.numpy(), gris)])

# %% tags=["exercise=donnees_augmenter@tensorflow"]
import tensorflow as tf


def augmenter(images, etiquettes, p=0.5, entrainement=True):
    """Retournement horizontal aléatoire d'un lot d'images (des scènes ou des objets, pas des chiffres).

    images : np.ndarray (n, h, w) float32, des images en niveaux de gris ; etiquettes : np.ndarray (n,) int64 ;
    p : float, la probabilité de retourner chaque image ; entrainement : bool.
    Renvoie : (images_aug, etiquettes_aug), tf.Tensor (n, h, w) float32 et tf.Tensor (n,) int64.
    En entraînement, chaque image est, indépendamment des autres et à chaque appel, retournée
    gauche-droite (le dernier axe, w) avec la probabilité p, sinon gardée telle quelle ; en
    évaluation (entrainement=False), les images sont rendues inchangées. Les étiquettes sont rendues
    inchangées, dans le même ordre. Le tableau `images` reçu n'est jamais modifié.

    Indication : `keras.layers.RandomFlip` n'a pas de probabilité réglable : tirez un nombre par image
    (`tf.random.uniform((n, 1, 1))`), comparez-le à p, et choisissez entre l'image et son miroir
    (`tf.reverse(x, axis=[2])`) avec `tf.where`.
    """
    ### BEGIN SOLUTION
    x = tf.constant(images, tf.float32)                       # tf.constant copie le tableau NumPy
    y = tf.constant(etiquettes, tf.int64)
    if not entrainement:
        return x, y
    tirage = tf.random.uniform((tf.shape(x)[0], 1, 1)) < p     # un tirage par image, diffusé sur (h, w)
    return tf.where(tirage, tf.reverse(x, axis=[2]), x), y
    ### END SOLUTION

# %%
aug_tf, _ = augmenter(gris, etiquettes_gris, p=0.5)
print("TensorFlow : images retournées :",
      [bool(np.array_equal(a, g[:, ::-1])) for a, g in zip(aug_tf.numpy(), gris)])
print("évaluation : identité ?", np.array_equal(augmenter(gris, etiquettes_gris, entrainement=False)[0].numpy(), gris))

# %% [markdown] minutes=5
# ## Résumé
#
# - Lire : `pandas.read_csv` (les cases vides deviennent `NaN`), un dossier par classe pour les images
#   (`ImageFolder`, `image_dataset_from_directory`).
# - Préparer : imputer, encoder le texte en *one-hot*, standardiser ; **découper d'abord**, puis ajuster
#   chaque statistique sur l'entraînement seulement et l'appliquer telle quelle à la validation, au test
#   et aux données de production.
# - Découper : mélangé et stratifié ; par groupe ou par date quand les exemples sont liés.
# - Servir : `Dataset` + `DataLoader` (PyTorch), `from_tensor_slices` → `shuffle` → `batch` → `prefetch`
#   (TensorFlow) ; `float32` pour les entrées, `int64` pour les classes ; le dernier lot incomplet est gardé.
# - Augmenter : des transformations qui gardent l'étiquette, un tirage par image, à l'entraînement
#   seulement ; regarder un aperçu avant d'entraîner.
#
# ## Quiz (dans un terminal : `dlcourse quiz 5`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(5)
