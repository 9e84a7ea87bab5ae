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
# # Chapitre 1 : Introduction au Deep Learning
#
# **Objectifs du chapitre**
#
# - savoir dire ce qu'est le Deep Learning (apprentissage profond) et ce qu'il n'est pas ;
# - voir, sur des données, ce qui le distingue du Machine Learning « classique » ;
# - connaître ses grands domaines d'application.
#
# Ce notebook s'exécute de haut en bas. La cellule suivante choisit le mode : `FAST = True` donne
# une version rapide (moins de données, moins d'itérations), utilisée par les tests et pour une
# démonstration en direct ; `FAST = False` la version complète.

# %% tags=["parameters"]
FAST = False

# %%
import numpy as np
import matplotlib.pyplot as plt
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

rng = np.random.default_rng(0)
plt.rcParams["figure.dpi"] = 90

# %% [markdown] minutes=15
# ## 1.1 Qu'est-ce que le Deep Learning ?
#
# Le **Machine Learning** (apprentissage automatique) construit un programme à partir d'exemples
# plutôt qu'à partir de règles écrites à la main : on choisit une famille de fonctions
# $f_\theta$ et on ajuste ses paramètres $\theta$ pour que $f_\theta(x)$ soit proche de la réponse
# attendue $y$ sur les exemples.
#
# Le **Deep Learning** est la partie du Machine Learning où $f_\theta$ est un **réseau de neurones
# profond** : une composition de nombreuses couches simples,
#
# $$f_\theta(x) = f_L(\dots f_2(f_1(x))), \qquad f_k(h) = \sigma(W_k h + b_k),$$
#
# où chaque couche est une transformation linéaire ($W_k h + b_k$) suivie d'une **fonction
# d'activation** non linéaire $\sigma$. Sans cette non-linéarité, empiler des couches ne servirait à
# rien : une composition de fonctions linéaires reste linéaire.
#
# Les paramètres (souvent des millions) sont ajustés par **descente de gradient** : on calcule la
# dérivée d'une fonction de perte par rapport à chaque paramètre (la *rétropropagation*), puis on
# fait un petit pas dans la direction qui fait baisser la perte. TensorFlow et PyTorch, les deux
# bibliothèques de ce cours, automatisent exactement cela : tenseurs, dérivées automatiques,
# couches toutes faites et calcul sur GPU.

# %%
z = np.linspace(-4, 4, 200)
activations = {
    "ReLU : max(0, z)": np.maximum(0, z),
    "sigmoïde : 1 / (1 + e^-z)": 1 / (1 + np.exp(-z)),
    "tanh(z)": np.tanh(z),
}
fig, axes = plt.subplots(1, 3, figsize=(11, 3))
for ax, (nom, valeurs) in zip(axes, activations.items()):
    ax.plot(z, valeurs, color="tab:blue")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_title(nom)
fig.suptitle("Trois fonctions d'activation courantes")
fig.tight_layout()
plt.show()

# %% [markdown]
# Un neurone seul n'est qu'une combinaison linéaire suivie d'une activation. Voici un neurone
# à deux entrées, écrit en NumPy : c'est tout ce que fait une couche, pour beaucoup de neurones à la fois.

# %%
def neurone(x, w, b):
    """x : (n, 2) float ; w : (2,) ; b : scalaire -> (n,) activations ReLU."""
    return np.maximum(0.0, x @ w + b)


x_exemple = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]])
print("sorties du neurone :", neurone(x_exemple, w=np.array([0.5, -1.0]), b=1.0))

# %% [markdown] minutes=25
# ## 1.2 Machine Learning et Deep Learning : la différence sur des données
#
# Prenons un problème de classification à deux classes dont la frontière n'est **pas une droite** :
# les « deux lunes » de scikit-learn.

# %%
n_points = 300 if FAST else 1000
X, y = make_moons(n_samples=n_points, noise=0.25, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolor="k", linewidth=0.2)
ax.set_title(f"make_moons : {n_points} points, 2 classes")
plt.show()

# %% [markdown]
# Comparons trois modèles :
#
# 1. une **régression logistique** : un modèle linéaire, sa frontière est une droite ;
# 2. la même régression logistique sur des **caractéristiques construites à la main** (les monômes
#    de degré 3 de $x_1, x_2$) : c'est l'approche du Machine Learning classique, où l'humain conçoit
#    la représentation des données ;
# 3. un **petit réseau de neurones** (un perceptron multicouche à deux couches cachées de 32 neurones),
#    qui reçoit les coordonnées brutes et **apprend lui-même** sa représentation.

# %%
modeles = {
    "linéaire": make_pipeline(StandardScaler(), LogisticRegression()),
    "linéaire + caractéristiques\nfaites à la main (degré 3)": make_pipeline(
        PolynomialFeatures(degree=3), StandardScaler(), LogisticRegression(max_iter=1000)),
    "réseau de neurones\n(2 couches cachées de 32)": make_pipeline(
        StandardScaler(), MLPClassifier(hidden_layer_sizes=(32, 32), max_iter=2000, random_state=0)),
}
scores = {}
for nom, modele in modeles.items():
    modele.fit(X_train, y_train)
    scores[nom] = modele.score(X_test, y_test)
    print(f"{nom.replace(chr(10), ' '):<55} exactitude sur le test : {scores[nom]:.3f}")

# %% [markdown]
# Les frontières de décision montrent ce que chaque modèle a appris : la couleur de fond est la
# probabilité prédite de la classe rouge en chaque point du plan.

# %%
x1, x2 = np.meshgrid(np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 200),
                     np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 200))
grille = np.c_[x1.ravel(), x2.ravel()]
fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
for ax, (nom, modele) in zip(axes, modeles.items()):
    proba = modele.predict_proba(grille)[:, 1].reshape(x1.shape)
    ax.contourf(x1, x2, proba, levels=20, cmap="coolwarm", alpha=0.7)
    ax.contour(x1, x2, proba, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="coolwarm", s=10, edgecolor="k", linewidth=0.2)
    ax.set_title(f"{nom}\nexactitude test {scores[nom]:.2f}".replace(".", ","))
fig.suptitle("Frontières de décision sur make_moons (points : jeu de test)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Ce qu'il faut retenir.**
#
# - Le modèle linéaire ne peut tracer qu'une droite : il se trompe sur les pointes des lunes.
# - Avec des caractéristiques construites à la main, le même modèle linéaire progresse nettement
#   (de 0,83 à 0,91 d'exactitude ici), sans égaler le réseau : il a fallu deviner les bonnes
#   caractéristiques. C'est la force et la limite du Machine Learning classique, qui dépend de
#   l'expertise humaine.
# - Le réseau de neurones trouve seul une frontière courbe à partir des données brutes. Sur des
#   images, des sons ou des textes, où personne ne sait écrire les bonnes caractéristiques, c'est
#   ce qui fait la différence.
#
# | | Machine Learning classique | Deep Learning |
# |---|---|---|
# | représentation des données | conçue à la main (caractéristiques) | apprise par les couches |
# | quantité de données | centaines à milliers d'exemples suffisent souvent | bénéficie de très grands jeux de données |
# | calcul | un CPU suffit | GPU ou accélérateur pour les grands modèles |
# | interprétabilité | souvent bonne (coefficients, arbres) | plus difficile |
# | données typiques | tableaux (colonnes) | images, textes, sons, signaux |
#
# ### Un vrai jeu d'images : les chiffres manuscrits
#
# Le jeu `digits` (fourni avec scikit-learn et exposé par `dlcourse`) contient 1 797 images de
# chiffres de 8 × 8 pixels. Il servira dans les chapitres suivants, avec TensorFlow et PyTorch.

# %%
from dlcourse.data.embedded import digits

chiffres = digits()
print("images :", chiffres.x.shape, chiffres.x.dtype, "| étiquettes :", chiffres.y.shape, chiffres.y.dtype)
fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for ax, image, etiquette in zip(axes.ravel(), chiffres.x, chiffres.y):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(etiquette))
    ax.axis("off")
fig.suptitle("Les 16 premières images du jeu digits (8 × 8 pixels, valeurs 0 à 16)")
fig.tight_layout()
plt.show()

# %%
Xd = chiffres.x.reshape(len(chiffres.x), -1) / 16.0
Xd_train, Xd_test, yd_train, yd_test = train_test_split(Xd, chiffres.y, test_size=0.3, random_state=0)
lineaire = LogisticRegression(max_iter=500).fit(Xd_train, yd_train)
reseau = MLPClassifier(hidden_layer_sizes=(64,), max_iter=400, random_state=0).fit(Xd_train, yd_train)
print(f"régression logistique sur les 64 pixels : {lineaire.score(Xd_test, yd_test):.3f}")
print(f"réseau à une couche cachée de 64       : {reseau.score(Xd_test, yd_test):.3f}")

# %% [markdown]
# Sur ces petites images bien centrées, le modèle linéaire est déjà bon : le Deep Learning n'est
# pas toujours nécessaire. Son avantage grandit avec la taille et la complexité des données
# (photos, sons, textes), ce que montreront les chapitres 6 et 7.

# %% [markdown] minutes=10
# ## 1.3 Applications du Deep Learning
#
# | domaine | exemples | type de réseau le plus courant |
# |---|---|---|
# | vision | classification d'images, détection d'objets, imagerie médicale, contrôle qualité | réseaux convolutifs, transformers de vision |
# | langage | traduction, résumé, assistants conversationnels, recherche | transformers |
# | audio | reconnaissance et synthèse de la parole, musique | convolutifs, transformers |
# | séries temporelles | prévision de consommation, maintenance prédictive | récurrents, convolutifs 1D, transformers |
# | recommandation | contenus, produits | plongements (*embeddings*) et réseaux denses |
# | sciences | repliement des protéines, météo, physique | réseaux sur graphes, transformers |
# | génération | images, code, texte | modèles de diffusion, transformers |
#
# Tous ces modèles reposent sur les mêmes briques que ce cours : tenseurs, couches, fonction de
# perte, optimiseur et boucle d'entraînement.

# %% [markdown] minutes=5
# ## Résumé
#
# - Le Deep Learning apprend une fonction composée de nombreuses couches (linéaire + activation),
#   par descente de gradient.
# - Contrairement au Machine Learning classique, il apprend la représentation des données au lieu
#   de la recevoir toute faite.
# - Il excelle sur les données non structurées (images, textes, sons), au prix de plus de données et
#   de calcul.
#
# ## Quiz
#
# Dix questions pour vérifier ce qui est acquis (dans un terminal : `dlcourse quiz 1`).

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(1)
