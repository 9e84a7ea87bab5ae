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
# # Chapitre 6 : Entraînement de modèles
#
# **Objectifs du chapitre**
#
# - connaître les deux pertes de base (entropie croisée, erreur quadratique moyenne) avec leurs formules ;
# - comprendre ce que font les optimiseurs SGD, RMSprop et Adam, et leurs réglages par défaut ;
# - calculer exactitude, précision, rappel et F1, à la main puis avec scikit-learn ;
# - exécuter les quatre exemples du cours (classification et régression, TensorFlow et PyTorch),
#   **mesurer** les pièges qu'ils contiennent, puis refaire les mêmes expériences avec `dlcourse`.
#
# Trois exercices vérifiés automatiquement, chacun à résoudre au choix en PyTorch ou en Keras :
# `dlcourse check 6.1`, `6.2` et `6.3` (`--start --framework tensorflow` pour le fichier de départ Keras).

# %% tags=["parameters"]
FAST = False

# %% [markdown]
# Ce notebook charge les deux frameworks dans le même processus, PyTorch en premier (voir le
# chapitre 4 et `dlcourse doctor` au sujet du paquet `triton`).

# %%
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.optim as optim
import tensorflow as tf
from tensorflow import keras

# Petits modèles : un seul fil de calcul par framework, comme au chapitre 4.
torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
torch.manual_seed(0)
keras.utils.set_random_seed(0)
plt.rcParams["figure.dpi"] = 90
print("PyTorch", torch.__version__, "| TensorFlow", tf.__version__, "| Keras", keras.__version__)

# %% [markdown] minutes=30
# ## 6.1 Concepts d'entraînement
#
# Entraîner un réseau, c'est répéter : **prédire** sur un lot, **mesurer** l'écart avec la fonction
# de perte, **calculer les gradients** de cette perte par rapport aux poids, et **modifier les poids**
# avec l'optimiseur. Les **métriques** disent ensuite, en termes compréhensibles, si le modèle est bon.
#
# ### Fonction de perte
#
# La perte quantifie l'écart entre les prédictions et les valeurs réelles ; elle doit être
# dérivable, car c'est elle que l'optimiseur fait baisser. On la choisit selon la tâche.
#
# **Régression : l'erreur quadratique moyenne (MSE).** Pour $n$ exemples de cible $y_i$ et de
# prédiction $\hat y_i$ :
#
# $$\mathrm{MSE} = \frac{1}{n}\sum_{i=1}^{n} (\hat y_i - y_i)^2$$
#
# **Classification : l'entropie croisée.** Le modèle sort un **logit** $z_{ij}$ par classe $j$ ; le
# softmax les change en probabilités $p_{ij} = e^{z_{ij}} / \sum_{l} e^{z_{il}}$, et la perte est le
# logarithme de la probabilité donnée à la bonne classe $y_i$, changé de signe :
#
# $$\mathrm{CE} = -\frac{1}{n}\sum_{i=1}^{n} \log p_{i,y_i} = \frac{1}{n}\sum_{i=1}^{n}\Big(\log\sum_{l} e^{z_{il}} - z_{i,y_i}\Big)$$
#
# La seconde écriture part directement des logits : c'est celle que calculent `nn.CrossEntropyLoss`
# et `SparseCategoricalCrossentropy(from_logits=True)`, sans jamais former de probabilité nulle.
# Calculons les deux pertes à la main, puis avec chaque framework :

# %%
y_vrai = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
y_predit = np.array([1.5, 1.5, 3.0, 5.0], dtype=np.float32)
mse_main = np.mean((y_predit - y_vrai) ** 2)
mse_torch = nn.MSELoss()(torch.from_numpy(y_predit), torch.from_numpy(y_vrai)).item()
mse_keras = float(keras.losses.MeanSquaredError()(y_vrai, y_predit))  # Keras : (vraies, prédites)
print(f"MSE  à la main {mse_main:.4f} | PyTorch {mse_torch:.4f} | Keras {mse_keras:.4f}")

logits = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 1.0]], dtype=np.float32)
classes = np.array([0, 2, 1])
log_somme = np.log(np.exp(logits).sum(axis=1))                    # log Σ e^z, une valeur par exemple
ce_main = np.mean(log_somme - logits[np.arange(3), classes])
ce_torch = nn.CrossEntropyLoss()(torch.from_numpy(logits), torch.from_numpy(classes)).item()
ce_keras = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(classes, logits))
print(f"CE   à la main {ce_main:.4f} | PyTorch {ce_torch:.4f} | Keras {ce_keras:.4f}")

# %% [markdown]
# Deux réglages font changer ces valeurs sans aucun message d'erreur : un softmax appliqué **avant**
# `nn.CrossEntropyLoss` (elle en refait un), et l'oubli de `from_logits=True` en Keras (par défaut,
# Keras suppose des probabilités).

# %%
probas = torch.softmax(torch.from_numpy(logits), dim=1)
ce_double = nn.CrossEntropyLoss()(probas, torch.from_numpy(classes)).item()
ce_sans_logits = float(keras.losses.SparseCategoricalCrossentropy()(classes, logits))
print(f"softmax avant CrossEntropyLoss : {ce_double:.4f} (au lieu de {ce_main:.4f})")
print(f"Keras sans from_logits=True    : {ce_sans_logits:.4f} (au lieu de {ce_main:.4f})")

# Une prédiction très sûre et fausse : le logit de la bonne classe vaut 0, celui d'une autre 100.
confiant = np.array([[0.0, 100.0]], dtype=np.float32)
avec_softmax = np.asarray(keras.ops.softmax(confiant))             # probabilité de la bonne classe ≈ 4e-44
bonne = np.array([0])
print("perte depuis les logits       :", float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(bonne, confiant)))
print("perte depuis les probabilités :", float(keras.losses.SparseCategoricalCrossentropy()(bonne, avec_softmax)))

# %% [markdown]
# Le premier écart se voit tout de suite. Le second est plus sournois : à partir de probabilités,
# Keras borne $p$ à $10^{-7}$ pour éviter $\log 0$, si bien qu'une erreur énorme ne coûte plus que
# $-\log 10^{-7} \approx 16{,}1$ au lieu de 100, et le gradient s'annule. Règle du cours : **le modèle
# sort des logits**, et la perte s'occupe du softmax.

# %%
p = np.linspace(0.005, 1, 200)
ecart = np.linspace(-3, 3, 200)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(ecart, ecart ** 2)
axes[0].set_xlabel("écart prédiction − cible")
axes[0].set_title("MSE : (ŷ − y)²")
axes[1].plot(p, -np.log(p))
axes[1].set_xlabel("probabilité donnée à la bonne classe")
axes[1].set_title("entropie croisée : −log p")
for ax in axes:
    ax.set_ylabel("perte d'un exemple")
fig.suptitle("Les deux pertes de base, pour un seul exemple")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Optimiseurs
#
# Un optimiseur modifie les poids $w$ à partir du gradient $g = \nabla_w L$, au taux d'apprentissage $\eta$ :
#
# | optimiseur | mise à jour | idée |
# |---|---|---|
# | SGD | $w \leftarrow w - \eta\, g$ | descendre la pente |
# | SGD avec momentum $\mu$ | $v \leftarrow \mu v + g$, $w \leftarrow w - \eta\, v$ | garder de l'élan dans les vallées étroites |
# | RMSprop | $s \leftarrow \rho s + (1-\rho) g^2$, $w \leftarrow w - \eta\, g / (\sqrt{s} + \varepsilon)$ | un pas par poids, divisé par la taille récente de ses gradients |
# | Adam | $m \leftarrow \beta_1 m + (1-\beta_1) g$, $v \leftarrow \beta_2 v + (1-\beta_2) g^2$, $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \varepsilon)$ | momentum + RMSprop, avec correction des premiers pas ($\hat m = m / (1-\beta_1^t)$, $\hat v = v / (1-\beta_2^t)$) |
#
# Regardons-les descendre la même vallée allongée, $f(a, b) = a^2 + 10\,b^2$ (minimum en (0, 0)) :

# %%
def vallee(w):
    return w[0] ** 2 + 10 * w[1] ** 2


depart = [-4.0, 1.5]
reglages = {
    "SGD (lr 0,09)": lambda p: optim.SGD(p, lr=0.09),
    "SGD + momentum 0,9 (lr 0,01)": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
    "RMSprop (lr 0,1)": lambda p: optim.RMSprop(p, lr=0.1, alpha=0.9),
    "Adam (lr 0,3)": lambda p: optim.Adam(p, lr=0.3),
}
trajectoires = {}
for nom, creer in reglages.items():
    w = torch.tensor(depart, requires_grad=True)
    optimiseur = creer([w])
    chemin = [w.detach().clone().numpy()]
    for _ in range(60):
        optimiseur.zero_grad()
        vallee(w).backward()
        optimiseur.step()
        chemin.append(w.detach().clone().numpy())
    trajectoires[nom] = np.array(chemin)
    print(f"{nom:<30} f après 60 pas : {vallee(trajectoires[nom][-1]):.2e}")

a, b = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-2, 2, 200))
fig, ax = plt.subplots(figsize=(8, 4))
ax.contour(a, b, a ** 2 + 10 * b ** 2, levels=20, colors="lightgrey")
for nom, chemin in trajectoires.items():
    ax.plot(chemin[:, 0], chemin[:, 1], ".-", ms=3, label=nom)
ax.plot(0, 0, "k*", ms=12)
ax.legend(fontsize=8)
ax.set_title("60 pas de quatre optimiseurs sur f(a, b) = a² + 10 b²")
plt.show()

# %% [markdown]
# SGD zigzague dans la direction raide et avance lentement dans l'autre ; le momentum accumule de
# la vitesse, au point de dépasser le minimum avant d'y revenir ; RMSprop et Adam divisent chaque
# pas par la taille des gradients de ce poids, ce qui égalise les deux directions. Aucun n'est le
# meilleur partout : Adam est un bon choix de départ, SGD avec momentum reste courant pour les grands
# réseaux d'images.
#
# **Les mêmes formules, pas les mêmes réglages par défaut.** SGD vaut `lr=0.01` en Keras et
# `lr=1e-3` en PyTorch ; Adam prend ε = 1e-7 en Keras, 1e-8 en PyTorch, et ne l'ajoute pas au même
# endroit. Mesurons, depuis le même point, les mêmes pas dans les deux frameworks :

# %%
def trajectoire_keras(optimiseur, pas=60):
    w = tf.Variable(depart)
    for _ in range(pas):
        with tf.GradientTape() as tape:
            perte = vallee(w)
        optimiseur.apply_gradients([(tape.gradient(perte, w), w)])
    return w.numpy()


sgd_keras = trajectoire_keras(keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))
adam_keras = trajectoire_keras(keras.optimizers.Adam(learning_rate=0.3))
print("SGD + momentum, écart Keras/PyTorch après 60 pas :",
      f"{np.abs(sgd_keras - trajectoires['SGD + momentum 0,9 (lr 0,01)'][-1]).max():.1e}")
print("Adam (ε par défaut), écart Keras/PyTorch         :",
      f"{np.abs(adam_keras - trajectoires['Adam (lr 0,3)'][-1]).max():.1e}")

# %% [markdown]
# Le momentum est écrit différemment dans les deux frameworks mais donne les mêmes pas pour un taux
# constant ; Adam diffère légèrement à cause de ε. Ces écarts minuscules par pas expliquent en
# partie pourquoi « le même modèle » ne donne jamais exactement les mêmes nombres dans les deux frameworks.
#
# ### Évaluation des métriques
#
# La perte sert à optimiser ; les métriques servent à juger. Pour une classification, tout part de
# la **matrice de confusion** : pour chaque classe $c$, les vrais positifs $VP_c$ (classe $c$,
# prédite $c$), les faux positifs $FP_c$ (prédite $c$ à tort) et les faux négatifs $FN_c$ (classe
# $c$, prédite autre chose).
#
# | métrique | formule | question posée |
# |---|---|---|
# | exactitude (*accuracy*) | bonnes prédictions / $n$ | quelle part des exemples est bien classée ? |
# | précision de $c$ | $VP_c / (VP_c + FP_c)$ | quand le modèle dit « $c$ », a-t-il raison ? |
# | rappel de $c$ | $VP_c / (VP_c + FN_c)$ | parmi les vrais $c$, combien sont retrouvés ? |
# | F1 de $c$ | $2 \cdot \text{précision} \cdot \text{rappel} / (\text{précision} + \text{rappel})$ | moyenne harmonique des deux |
#
# Pour résumer plusieurs classes : la moyenne **macro** fait la moyenne simple des classes (chaque
# classe compte autant), la moyenne **pondérée** pondère par le nombre d'exemples de chaque classe,
# et la moyenne **micro** compte tous les $VP$, $FP$, $FN$ ensemble (pour une étiquette par exemple,
# le F1 micro est égal à l'exactitude). Un exemple de 10 prédictions sur 3 classes :

# %%
etiquettes = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
predites = np.array([0, 0, 1, 1, 1, 0, 2, 2, 1, 2])
k = 3
confusion = np.zeros((k, k), dtype=int)
for vraie, predite in zip(etiquettes, predites):
    confusion[vraie, predite] += 1                # lignes : classes vraies, colonnes : classes prédites
vp = np.diag(confusion)
precision = vp / confusion.sum(axis=0)            # colonne : tout ce qui a été prédit c
rappel = vp / confusion.sum(axis=1)               # ligne : tous les vrais c
f1 = 2 * precision * rappel / (precision + rappel)
print("matrice de confusion :\n", confusion)
print("exactitude :", (predites == etiquettes).mean())
print("précision par classe :", precision.round(3), "| rappel :", rappel.round(3), "| F1 :", f1.round(3))
print(f"F1 macro {f1.mean():.4f} | F1 pondéré {np.average(f1, weights=confusion.sum(axis=1)):.4f}")

# %% [markdown]
# Les mêmes nombres avec scikit-learn :

# %%
from sklearn.metrics import classification_report, f1_score, precision_recall_fscore_support

p_sk, r_sk, f_sk, _ = precision_recall_fscore_support(etiquettes, predites, zero_division=0)
print("identiques :", np.allclose(p_sk, precision), np.allclose(r_sk, rappel), np.allclose(f_sk, f1))
print(f"F1 macro {f1_score(etiquettes, predites, average='macro'):.4f} | "
      f"micro {f1_score(etiquettes, predites, average='micro'):.4f} (= l'exactitude)")
print(classification_report(etiquettes, predites, digits=3))

# %% [markdown]
# **Une classe jamais prédite** donne une précision $0/0$. scikit-learn la remplace par 0 et
# avertit (`zero_division`) ; un calcul à la main en NumPy donne `nan`, qui contamine ensuite la
# moyenne macro :

# %%
jamais_2 = np.array([0, 0, 1, 1, 1, 0, 1, 0, 1, 0])  # aucune prédiction de la classe 2
confusion_2 = np.zeros((k, k), dtype=int)
np.add.at(confusion_2, (etiquettes, jamais_2), 1)
with np.errstate(invalid="ignore"):
    naive = np.diag(confusion_2) / confusion_2.sum(axis=0)
print("précision naïve :", naive, "-> moyenne :", naive.mean())
print("scikit-learn, zero_division=0 :", precision_recall_fscore_support(etiquettes, jamais_2, zero_division=0)[0])

# %% [markdown]
# ### Exercice 6.1 : précision, rappel et F1 sans scikit-learn
#
# `scores_par_classe(etiquettes, logits)` renvoie la précision, le rappel et le F1 de chaque classe
# à partir des **logits** du modèle ; `f1_macro(etiquettes, logits)` leur moyenne macro. Une
# classe jamais prédite (ou jamais présente) a un score 0, jamais `nan`. scikit-learn est interdit :
# c'est le calcul qui est demandé. Deux versions, au choix : PyTorch (`dlcourse check 6.1 --start`)
# ou TensorFlow (`dlcourse check 6.1 --start --framework tensorflow`).

# %% tags=["exercise=entrainement_metriques@torch"]
import torch


def scores_par_classe(etiquettes, logits):
    """Précision, rappel et F1 de chaque classe, calculés avec PyTorch.

    etiquettes : np.ndarray (n,) int64, classes de 0 à k − 1 ; logits : np.ndarray (n, k) float32,
    une ligne de logits par exemple.
    Renvoie : (precision, rappel, f1), trois torch.Tensor (k,) float32, une valeur par classe ;
    un score dont le dénominateur est nul vaut 0 (jamais nan).

    Indication : la classe prédite est l'argmax de chaque **ligne** (`dim=1`) ; comparez prédites et
    étiquettes à `torch.arange(k)` pour compter, par classe, les vrais positifs, les prédictions et
    les exemples ; divisez par `clamp(min=1)` pour que 0/0 donne 0.
    """
    ### BEGIN SOLUTION
    y = torch.as_tensor(etiquettes)
    z = torch.as_tensor(logits)
    classes = torch.arange(z.shape[1])
    predit = z.argmax(dim=1)[:, None] == classes        # (n, k) : prédit c ?
    vrai = y[:, None] == classes                         # (n, k) : vraiment c ?
    vp = (predit & vrai).sum(dim=0).float()
    precision = vp / predit.sum(dim=0).clamp(min=1)      # 0 / 0 -> 0 / 1 = 0
    rappel = vp / vrai.sum(dim=0).clamp(min=1)
    somme = precision + rappel
    f1 = torch.where(somme > 0, 2 * precision * rappel / somme.clamp(min=1e-12), torch.zeros_like(somme))
    return precision, rappel, f1
    ### END SOLUTION


def f1_macro(etiquettes, logits):
    """F1 macro : la moyenne simple des F1 des k classes (chaque classe compte autant).

    Mêmes entrées que `scores_par_classe`. Renvoie : un float Python.

    Indication : réutilisez `scores_par_classe`, puis `.mean().item()` ; ni la moyenne micro
    (qui vaut l'exactitude), ni une moyenne pondérée par le nombre d'exemples.
    """
    ### BEGIN SOLUTION
    _, _, f1 = scores_par_classe(etiquettes, logits)
    return f1.mean().item()
    ### END SOLUTION

# %%
logits_exemple = np.eye(3, dtype=np.float32)[predites] * 2.0  # des logits dont l'argmax est « predites »
print([t.numpy().round(3) for t in scores_par_classe(etiquettes, logits_exemple)], round(f1_macro(etiquettes, logits_exemple), 4))

# %% tags=["exercise=entrainement_metriques@tensorflow"]
import tensorflow as tf


def scores_par_classe(etiquettes, logits):
    """Précision, rappel et F1 de chaque classe, calculés avec TensorFlow.

    etiquettes : np.ndarray (n,) int64, classes de 0 à k − 1 ; logits : np.ndarray (n, k) float32,
    une ligne de logits par exemple.
    Renvoie : (precision, rappel, f1), trois tf.Tensor (k,) float32, une valeur par classe ;
    un score dont le dénominateur est nul vaut 0 (jamais nan).

    Indication : la classe prédite est l'argmax de chaque **ligne** (`axis=1`) ;
    `tf.math.confusion_matrix(etiquettes, predites, num_classes=k)` range les classes vraies en
    lignes ; `tf.math.divide_no_nan` donne 0 pour 0/0.
    """
    ### BEGIN SOLUTION
    z = tf.convert_to_tensor(logits)
    k = z.shape[1]
    predites = tf.argmax(z, axis=1)
    confusion = tf.cast(tf.math.confusion_matrix(etiquettes, predites, num_classes=k), tf.float32)
    vp = tf.linalg.diag_part(confusion)
    precision = tf.math.divide_no_nan(vp, tf.reduce_sum(confusion, axis=0))  # colonnes : prédites
    rappel = tf.math.divide_no_nan(vp, tf.reduce_sum(confusion, axis=1))     # lignes : vraies
    f1 = tf.math.divide_no_nan(2 * precision * rappel, precision + rappel)
    return precision, rappel, f1
    ### END SOLUTION


def f1_macro(etiquettes, logits):
    """F1 macro : la moyenne simple des F1 des k classes (chaque classe compte autant).

    Mêmes entrées que `scores_par_classe`. Renvoie : un float Python.

    Indication : réutilisez `scores_par_classe`, puis `float(tf.reduce_mean(f1))` ; ni la
    moyenne micro (qui vaut l'exactitude), ni une moyenne pondérée par le nombre d'exemples.
    """
    ### BEGIN SOLUTION
    _, _, f1 = scores_par_classe(etiquettes, logits)
    return float(tf.reduce_mean(f1))
    ### END SOLUTION

# %%
print([t.numpy().round(3) for t in scores_par_classe(etiquettes, logits_exemple)], round(f1_macro(etiquettes, logits_exemple), 4))

# %% [markdown] minutes=35
# ## 6.2 Entraînement d'un modèle de classification
#
# Le cours entraîne un perceptron multicouche sur MNIST (images 28 × 28). MNIST se télécharge
# (`keras.datasets.mnist.load_data()` et `datasets.MNIST(download=True)` vont sur Internet) ; ce
# notebook doit fonctionner hors ligne, il utilise donc les **chiffres 8 × 8** fournis avec
# scikit-learn (1 797 images, embarquées dans `dlcourse`) **avec exactement la même forme de code** :
# seule la ligne de chargement change, et 28 devient 8. La fonction ci-dessous les rend au format de
# MNIST : des entiers `uint8` de 0 à 255, un découpage entraînement / test. Avec MNIST en cache
# (`dlcourse datasets download mnist`), la configuration `mnist_mlp` refait l'exemple à l'identique.

# %%
from sklearn.model_selection import train_test_split

from dlcourse.data.embedded import digits


def charger_chiffres():
    """Les chiffres 8 × 8 au format de keras.datasets.mnist.load_data() : ((x, y), (x_test, y_test)), x en uint8."""
    chiffres = digits()                                               # x (1797, 8, 8) dans [0, 16]
    images = np.round(chiffres.x * 255 / 16).astype(np.uint8)          # 0..255, comme MNIST
    x_train, x_test, y_train, y_test = train_test_split(images, chiffres.y, test_size=0.2,
                                                        stratify=chiffres.y, random_state=0)
    return (x_train, y_train), (x_test, y_test)


(x_u8, y_u8), (x_test_u8, y_test_u8) = charger_chiffres()
print("entraînement :", x_u8.shape, x_u8.dtype, "| test :", x_test_u8.shape, "| valeurs", x_u8.min(), "à", x_u8.max())

# %% [markdown]
# ### Mise en œuvre avec TensorFlow
#
# Le code du cours :
#
# ```python
# (train_images, train_labels), (test_images, test_labels) = keras.datasets.mnist.load_data()
# train_images = train_images / 255.0
# test_images = test_images / 255.0
# model = keras.Sequential([
#     keras.layers.Flatten(input_shape=(28, 28)),
#     keras.layers.Dense(128, activation='relu'),
#     keras.layers.Dense(10, activation='softmax')
# ])
# model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
# model.fit(train_images, train_labels, epochs=5)
# ```
#
# Exécuté tel quel (chargement et taille d'image mis à part), en enregistrant les avertissements :

# %%
keras.utils.set_random_seed(0)
# Chargement des données
(train_images, train_labels), (test_images, test_labels) = charger_chiffres()  # au lieu de mnist.load_data()

# Normalisation des données
train_images = train_images / 255.0
test_images = test_images / 255.0

# Construction du modèle
with warnings.catch_warnings(record=True) as avertissements:
    warnings.simplefilter("always")
    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(8, 8)),
        keras.layers.Dense(128, activation='relu'),
        keras.layers.Dense(10, activation='softmax')
    ])

# Compilation du modèle
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

# Entraînement du modèle
debut = time.perf_counter()
model.fit(train_images, train_labels, epochs=5, verbose=2)  # verbose=2 : une ligne par époque
duree_keras = time.perf_counter() - debut
for a in avertissements:
    print(f"\n{a.category.__name__} : {a.message}")

# %% [markdown]
# **Premier piège : `input_shape` dans une couche.** Keras 3 l'accepte encore mais avertit : la
# forme d'entrée se déclare avec `keras.Input`, la première « couche » du modèle. Le modèle corrigé
# ne produit plus aucun avertissement :

# %%
with warnings.catch_warnings(record=True) as avertissements:
    warnings.simplefilter("always")
    model_corrige = keras.Sequential([
        keras.Input(shape=(8, 8)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
print("avertissements :", len(avertissements), "| paramètres :", model_corrige.count_params())

# %% [markdown]
# Le code du cours n'évalue pas son modèle ; faisons-le sur les images de test, jamais vues :

# %%
perte_test, exactitude_keras = model.evaluate(test_images, test_labels, verbose=0)
print(f"Keras : {len(train_images) // 32 + 1} mises à jour par époque (lots de 32 par défaut), "
      f"exactitude sur le test {exactitude_keras:.3f}, entraînement en {duree_keras:.1f} s")

# %% [markdown]
# **Deuxième point : softmax en sortie.** Ici, c'est cohérent : la dernière couche sort des
# probabilités, et `'sparse_categorical_crossentropy'` (sans `from_logits`) en attend. Mais nous
# avons vu en 6.1 que cette combinaison borne la perte des erreurs très sûres ; la forme recommandée
# est `Dense(10)` (des logits) avec `SparseCategoricalCrossentropy(from_logits=True)`, comme au
# chapitre 3, et un softmax seulement pour afficher des probabilités.
#
# ### Mise en œuvre avec PyTorch
#
# Le code du cours :
#
# ```python
# transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
# trainset = datasets.MNIST('data', train=True, download=True, transform=transform)
# trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
#
# class SimpleNN(nn.Module):
#     def __init__(self):
#         super(SimpleNN, self).__init__()
#         self.fc1 = nn.Linear(28*28, 128)
#         self.fc2 = nn.Linear(128, 10)
#
#     def forward(self, x):
#         x = x.view(-1, 28*28)
#         x = torch.relu(self.fc1(x))
#         return self.fc2(x)
#
# model = SimpleNN()
# criterion = nn.CrossEntropyLoss()
# optimizer = optim.Adam(model.parameters())
# for epoch in range(5):
#     for images, labels in trainloader:
#         optimizer.zero_grad()
#         output = model(images)
#         loss = criterion(output, labels)
#         loss.backward()
#         optimizer.step()
# ```
#
# `datasets.MNIST` est un `Dataset` qui renvoie `(transform(image), étiquette)` ; le même objet
# pour nos chiffres tient en quelques lignes, et le reste du code est celui du cours :

# %%
from torchvision import transforms


class ChiffresTorch(torch.utils.data.Dataset):
    """Le jumeau de datasets.MNIST pour les chiffres 8 × 8 : (transform(image uint8), étiquette)."""

    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), int(self.labels[i])


torch.manual_seed(0)
# Chargement des données
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.5,), (0.5,))
])
trainset = ChiffresTorch(x_u8, y_u8, transform=transform)  # au lieu de datasets.MNIST(...)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)

# Définition du modèle
class SimpleNN(nn.Module):
    def __init__(self):
        super(SimpleNN, self).__init__()
        self.fc1 = nn.Linear(8*8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 8*8)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)

model = SimpleNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters())

# Entraînement du modèle
debut = time.perf_counter()
for epoch in range(5):
    for images, labels in trainloader:
        optimizer.zero_grad()
        output = model(images)
        loss = criterion(output, labels)
        loss.backward()
        optimizer.step()
duree_torch = time.perf_counter() - debut

# %% [markdown]
# Évaluons-le sur le même test que Keras (mode évaluation, sans gradient) :

# %%
def exactitude_torch(modele, images_u8, labels):
    modele.eval()
    with torch.no_grad():
        x = torch.stack([transform(image) for image in images_u8])   # (n, 1, 8, 8) dans [-1, 1]
        return (modele(x).argmax(dim=1).numpy() == labels).mean()


exactitude_pytorch = exactitude_torch(model, x_test_u8, y_test_u8)
print(f"PyTorch : {len(trainloader)} mises à jour par époque (lots de 64), exactitude sur le test "
      f"{exactitude_pytorch:.3f}, entraînement en {duree_torch:.1f} s")
print(f"Keras   : exactitude sur le test {exactitude_keras:.3f}")

# %% [markdown]
# **Piège de `x.view(-1, 28*28)`.** Le `-1` laisse PyTorch deviner la taille du lot : si les images
# n'ont pas la taille prévue, le lot est redécoupé **sans erreur** dès que le nombre total de pixels
# s'y prête. 49 images 8 × 8 font 3 136 pixels, soit exactement 4 × 784 :

# %%
lot_de_49 = torch.zeros(49, 1, 8, 8)
print("x.view(-1, 28*28) :", tuple(lot_de_49.view(-1, 28 * 28).shape), "<- 4 « images » au lieu de 49, sans erreur")
print("nn.Flatten()      :", tuple(nn.Flatten()(lot_de_49).shape), "<- la taille du lot est gardée")
try:
    nn.Linear(28 * 28, 128)(nn.Flatten()(lot_de_49))
except RuntimeError as erreur:
    print("et la couche suivante refuse clairement :", str(erreur)[:70])

# %% [markdown]
# `nn.Flatten()` (ou `x.flatten(1)`) garde la première dimension : une erreur de forme se voit alors tout de suite.
#
# **Piège du softmax avant `CrossEntropyLoss`.** Le code PyTorch du cours sort bien des logits.
# Ajoutons le softmax que l'on croit « nécessaire » et entraînons à l'identique :

# %%
class AvecSoftmax(SimpleNN):
    def forward(self, x):
        return torch.softmax(super().forward(x), dim=1)   # l'erreur : CrossEntropyLoss refait un softmax


def entrainer_5_epoques(modele):
    torch.manual_seed(0)
    optimiseur = optim.Adam(modele.parameters())
    for _ in range(5):
        total = 0.0
        for images, labels in trainloader:
            optimiseur.zero_grad()
            perte = criterion(modele(images), labels)
            perte.backward()
            optimiseur.step()
            total += perte.item() * len(images)
    return total / len(trainset)


torch.manual_seed(0)
perte_logits = entrainer_5_epoques(SimpleNN())
torch.manual_seed(0)
modele_softmax = AvecSoftmax()
perte_softmax = entrainer_5_epoques(modele_softmax)
print(f"perte de la 5e époque : logits {perte_logits:.3f} | softmax avant la perte {perte_softmax:.3f}")
print(f"plancher avec softmax : log(1 + 9/e) = {np.log(1 + 9 / np.e):.3f} ; "
      f"exactitude du modèle à softmax {exactitude_torch(modele_softmax, x_test_u8, y_test_u8):.3f}")

# %% [markdown]
# Avec deux softmax, les « logits » vus par la perte sont entre 0 et 1 : la meilleure probabilité
# possible pour la bonne classe est $e/(e+9)$, la perte ne peut pas descendre sous 1,46 et les
# gradients sont écrasés. Le modèle apprend quand même un peu, ce qui rend l'erreur difficile à voir.
#
# ### Pourquoi les deux exemples ne donnent pas les mêmes nombres
#
# Les deux codes du cours décrivent le même réseau (784 ou 64 → 128 ReLU → 10), le même optimiseur
# (Adam) et la même perte ; leurs exactitudes diffèrent pourtant. En lisant les deux codes :
#
# - **les entrées** : Keras divise par 255 (pixels dans [0, 1]) ; `Normalize((0.5,), (0.5,))` les met dans [−1, 1] ;
# - **le nombre de mises à jour** : `fit` prend des lots de 32 par défaut, le `DataLoader` du cours des lots de 64,
#   soit deux fois moins de pas d'Adam pour les mêmes 5 époques ;
# - **l'initialisation** : Glorot uniforme et biais nuls en Keras, `kaiming_uniform_(a=√5)` et biais aléatoires en PyTorch ;
# - **Adam** : ε = 1e-7 en Keras, 1e-8 en PyTorch (mesuré en 6.1) ;
# - **la sortie** : probabilités côté Keras, logits côté PyTorch ;
# - le hasard lui-même (ordre des lots, tirage des poids) vient de deux générateurs différents.
#
# `dlcourse explain-defaults` dresse la liste de ces différences ; sa fonction Python donne le même
# tableau dans le notebook, avec ce qu'une configuration `dlcourse` fixe dans les deux frameworks :

# %%
from IPython.display import Markdown, display

from dlcourse.defaults import markdown as differences_par_defaut

display(Markdown(differences_par_defaut()))

# %% [markdown]
# ### Exercice 6.2 : un classifieur d'images et sa perte
#
# `construire_classifieur()` renvoie un modèle pour des images (n, 8, 8) qui sort **10 logits**, avec
# au moins une couche cachée non linéaire ; `fonction_perte()` renvoie la perte à utiliser avec lui.
# Vérification : `dlcourse check 6.2` (PyTorch ou Keras, au choix).

# %% tags=["exercise=entrainement_classifieur@torch"]
import torch
from torch import nn


def construire_classifieur():
    """Un classifieur pour des images (n, 8, 8) float32 : il renvoie (n, 10) logits float32.

    Renvoie : un nn.Module : aplatir l'image, au moins une couche cachée suivie d'une activation
    non linéaire, puis une couche de sortie à 10 unités **sans** softmax.

    Indication : `nn.Sequential(nn.Flatten(), nn.Linear(64, u), nn.ReLU(), nn.Linear(u, 10))` ;
    sans `nn.Flatten()`, `nn.Linear` s'appliquerait à la dernière dimension (8) de chaque ligne.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    ### END SOLUTION


def fonction_perte():
    """La perte à utiliser avec ce modèle.

    Renvoie : un objet appelable `perte(logits, etiquettes)`, logits (n, 10) float32 et étiquettes
    (n,) int64, qui donne l'entropie croisée moyenne du lot (un tenseur scalaire).

    Indication : `nn.CrossEntropyLoss()` attend des logits : elle applique elle-même le
    log-softmax, d'où l'absence de softmax dans le modèle.
    """
    ### BEGIN SOLUTION
    return nn.CrossEntropyLoss()
    ### END SOLUTION

# %%
torch.manual_seed(0)
classifieur, critere = construire_classifieur(), fonction_perte()
optimiseur = optim.Adam(classifieur.parameters(), lr=1e-2)
x_chiffres, y_chiffres = torch.from_numpy(x_u8 / 255.0).float(), torch.from_numpy(y_u8)
for _ in range(20 if FAST else 100):                       # quelques pas sur tout le lot
    optimiseur.zero_grad()
    critere(classifieur(x_chiffres), y_chiffres).backward()
    optimiseur.step()
with torch.no_grad():
    sorties = classifieur(torch.from_numpy(x_test_u8 / 255.0).float())
print("PyTorch : exactitude sur le test", round(float((sorties.argmax(1).numpy() == y_test_u8).mean()), 3))

# %% tags=["exercise=entrainement_classifieur@tensorflow"]
import keras


def construire_classifieur():
    """Un classifieur pour des images (n, 8, 8) float32 : il renvoie (n, 10) logits float32.

    Renvoie : un keras.Model qui commence par `keras.Input(shape=(8, 8))`, aplatit l'image, a au
    moins une couche cachée avec une activation non linéaire, et finit par `Dense(10)` **sans**
    activation.

    Indication : `keras.Sequential([keras.Input(shape=(8, 8)), keras.layers.Flatten(),
    keras.layers.Dense(u, activation="relu"), keras.layers.Dense(10)])` ; sans `Flatten`, `Dense`
    s'appliquerait à la dernière dimension (8) de chaque ligne.
    """
    ### BEGIN SOLUTION
    return keras.Sequential([
        keras.Input(shape=(8, 8)),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10),                   # des logits
    ])
    ### END SOLUTION


def fonction_perte():
    """La perte à utiliser avec ce modèle.

    Renvoie : une perte Keras `perte(etiquettes, logits)` (étiquettes (n,) entières, logits (n, 10)
    float32) qui donne l'entropie croisée moyenne du lot.

    Indication : `keras.losses.SparseCategoricalCrossentropy(...)` : « sparse » car les étiquettes
    sont des entiers ; par défaut elle attend des probabilités, dites-lui que ce sont des logits.
    """
    ### BEGIN SOLUTION
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ### END SOLUTION

# %%
keras.utils.set_random_seed(0)
classifieur = construire_classifieur()
classifieur.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss=fonction_perte(), metrics=["accuracy"])
classifieur.fit(x_u8 / 255.0, y_u8, epochs=3 if FAST else 10, batch_size=32, verbose=0)
print("Keras : exactitude sur le test", round(classifieur.evaluate(x_test_u8 / 255.0, y_test_u8, verbose=0)[1], 3))

# %% [markdown] minutes=25
# ## 6.3 Entraînement d'un modèle de régression
#
# Le code du cours, dans les deux frameworks : une droite $y = 3x + \text{bruit}$, 100 points,
# un modèle à un poids $w$ et un biais $b$, SGD et l'erreur quadratique moyenne.
#
# ```python
# # TensorFlow
# x = tf.random.normal([100, 1])
# y = 3 * x + tf.random.normal([100, 1])
# model = keras.Sequential([keras.layers.Dense(1, input_shape=(1,))])
# model.compile(optimizer='sgd', loss='mean_squared_error')
# model.fit(x, y, epochs=100)
#
# # PyTorch
# X = torch.randn(100, 1)
# Y = 3 * X + torch.randn(100, 1)
# model = nn.Linear(1, 1)
# criterion = nn.MSELoss()
# optimizer = optim.SGD(model.parameters(), lr=0.01)
# for epoch in range(100):
#     model.train()
#     optimizer.zero_grad()
#     output = model(X)
#     loss = criterion(output, Y)
#     loss.backward()
#     optimizer.step()
# ```
#
# Le notebook exécute ces deux codes tels quels ; en mode rapide seulement (`FAST = True`), il fait
# `EPOQUES = 20` époques au lieu de 100, car `fit` coûte plusieurs dizaines de millisecondes par époque.
#
# ### Mise en œuvre avec TensorFlow

# %%
EPOQUES = 20 if FAST else 100
keras.utils.set_random_seed(0)
# Création de données synthétiques
x = tf.random.normal([100, 1])
y = 3 * x + tf.random.normal([100, 1])

# Création du modèle
with warnings.catch_warnings(record=True) as avertissements:
    warnings.simplefilter("always")
    model = keras.Sequential([
        keras.layers.Dense(1, input_shape=(1,))
    ])

# Compilation et entraînement
model.compile(optimizer='sgd', loss='mean_squared_error')
historique = model.fit(x, y, epochs=EPOQUES, verbose=0)  # verbose=0 : pas 100 lignes de progression
w_keras, b_keras = (float(v.ravel()[0]) for v in model.get_weights())
print(f"Keras   : w = {w_keras:.3f}, b = {b_keras:.3f}, perte finale {historique.history['loss'][-1]:.3f}")
print("avertissement :", avertissements[0].message if avertissements else "aucun")

# %% [markdown]
# Le même avertissement qu'en 6.2 (`input_shape` → `keras.Input(shape=(1,))`).
#
# ### Mise en œuvre avec PyTorch

# %%
torch.manual_seed(0)
# Création de données synthétiques
X = torch.randn(100, 1)
Y = 3 * X + torch.randn(100, 1)

# Création du modèle
model = nn.Linear(1, 1)

# Définition de la perte et de l'optimiseur
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

# Entraînement du modèle
for epoch in range(EPOQUES):
    model.train()
    optimizer.zero_grad()
    output = model(X)
    loss = criterion(output, Y)
    loss.backward()
    optimizer.step()
w_torch, b_torch = model.weight.item(), model.bias.item()
print(f"PyTorch : w = {w_torch:.3f}, b = {b_torch:.3f}, perte finale {loss.item():.3f}")

# %% [markdown]
# Les deux codes disent « 100 époques, SGD, taux 0,01 », mais PyTorch reste plus loin de 3 (avec les 100
# époques du cours et la graine 0 de ce notebook : w ≈ 2,54 en PyTorch, ≈ 2,76 en Keras). Ce n'est pas
# le même nombre de **mises à jour** :
#
# - la boucle PyTorch calcule la perte sur les 100 points d'un coup : **1 pas par époque, 100 pas** ;
# - `fit` découpe les données en lots de 32 (sa valeur par défaut) : 32 + 32 + 32 + 4, **4 pas par
#   époque, 400 pas** (et `'sgd'` vaut bien `lr=0.01` en Keras).
#
# Pour la MSE d'une droite, chaque pas de SGD sur tout le lot réduit l'écart au meilleur $w$ d'un
# facteur $1 - 2\eta\,\overline{x^2} \approx 0{,}98$ : il reste $0{,}98^{100} \approx 13\,\%$ de
# l'écart de départ après 100 pas, et $0{,}98^{400} \approx 0{,}03\,\%$ après 400. Vérifions-le sur
# **les mêmes données** pour tous, en comparant chaque $w$ à la meilleure droite possible (moindres
# carrés), et en croisant les réglages : PyTorch par lots de 32, Keras sur tout le lot.

# %%
x_np, y_np = x.numpy(), y.numpy()                          # les données de l'exemple Keras
w_ideal, b_ideal = np.polyfit(x_np[:, 0], y_np[:, 0], 1)    # la meilleure droite pour ces 100 points


def regression_torch(taille_lot, epoques=EPOQUES, graine=0):
    """La boucle du cours, par lots de `taille_lot` points mélangés ; renvoie w après chaque époque."""
    torch.manual_seed(graine)
    X_, Y_ = torch.from_numpy(x_np), torch.from_numpy(y_np)
    modele = nn.Linear(1, 1)
    optimiseur = optim.SGD(modele.parameters(), lr=0.01)
    suivi = []
    for _ in range(epoques):
        ordre = torch.randperm(len(X_))
        for debut in range(0, len(X_), taille_lot):
            lot = ordre[debut:debut + taille_lot]
            optimiseur.zero_grad()
            nn.MSELoss()(modele(X_[lot]), Y_[lot]).backward()
            optimiseur.step()
        suivi.append(modele.weight.item())
    return np.array(suivi)


def regression_keras(taille_lot, epoques=EPOQUES):
    """Le code Keras du cours sur les mêmes données, avec batch_size explicite ; renvoie w après chaque époque."""
    keras.utils.set_random_seed(0)
    modele = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    modele.compile(optimizer="sgd", loss="mean_squared_error")
    suivi = []
    rappel_w = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoque, logs: suivi.append(float(modele.layers[0].kernel.numpy()[0, 0])))
    modele.fit(x_np, y_np, epochs=epoques, batch_size=taille_lot, verbose=0, callbacks=[rappel_w])
    return np.array(suivi)


courbes = {
    f"PyTorch, tout le lot ({EPOQUES} pas)": regression_torch(100),
    f"PyTorch, lots de 32 ({4 * EPOQUES} pas)": regression_torch(32),
    f"Keras, batch_size=100 ({EPOQUES} pas)": regression_keras(100),
}
facteur = 1 - 2 * 0.01 * float(np.mean(x_np ** 2))
print(f"meilleure droite pour ces données : w = {w_ideal:.3f} ; facteur par pas {facteur:.4f}, "
      f"reste après {EPOQUES} pas {facteur ** EPOQUES:.1%}, après {4 * EPOQUES} pas {facteur ** (4 * EPOQUES):.2%}")
for nom, suivi in courbes.items():
    print(f"{nom:<34} w = {suivi[-1]:.3f}   écart à la meilleure droite {abs(suivi[-1] - w_ideal):.3f}")
print(f"{'Keras, code du cours (lots de 32)':<34} w = {w_keras:.3f}   écart à la meilleure droite {abs(w_keras - w_ideal):.3f}")

fig, ax = plt.subplots(figsize=(8, 4))
for nom, suivi in courbes.items():
    ax.plot(np.arange(1, EPOQUES + 1), suivi, label=nom)
ax.plot(EPOQUES, w_keras, "o", color="tab:red", label=f"Keras, code du cours ({4 * EPOQUES} pas)")
ax.axhline(w_ideal, color="k", ls=":", label=f"moindres carrés (w = {w_ideal:.2f})".replace(".", ","))
ax.set_xlabel("époque")
ax.set_ylabel("w")
ax.legend(fontsize=8)
ax.set_title(f"Même SGD à 0,01, mêmes {EPOQUES} époques : ce qui compte est le nombre de pas")
plt.show()

# %% [markdown]
# Les résultats se regroupent par **nombre de pas**, pas par framework : avec un pas par époque,
# PyTorch et Keras s'arrêtent tous deux en chemin, presque au même endroit (leurs poids de départ
# diffèrent un peu) ; avec quatre pas par époque, tous deux
# arrivent près de la meilleure droite, à l'agitation des mini-lots près (et la meilleure droite
# n'est pas exactement 3 : le bruit de 100 points la décale un peu). Une « époque » n'est donc pas une unité de
# calcul comparable d'un code à l'autre ; fixez toujours la **taille de lot** explicitement, comme le
# fait une configuration `dlcourse` (`training.batch_size`).
#
# Les autres écarts entre les deux codes viennent des tableaux déjà vus : des données tirées par deux
# générateurs différents, et une initialisation différente de $w$ (Glorot uniforme contre
# U(±1/√n_entrées)), qui change le point de départ de la descente.
#
# ### Les mêmes expériences avec `dlcourse`
#
# Une configuration `dlcourse` fixe tout ce qui diffère : données et découpage, mise à l'échelle,
# initialisation (tirée avec NumPy puis copiée dans chaque framework), taille et ordre des lots,
# optimiseur avec ses ε. `dlcourse.load_config` lit une configuration livrée (`configs/digits_mlp.yaml`,
# `configs/linear_regression.yaml`) en appliquant des réglages `clé=valeur`, et
# `dlcourse.run_experiment` l'entraîne avec le framework demandé (c'est ce que fait `dlcourse train`) :

# %% tags=["demo"] minutes=10 demo="les exemples du chapitre avec dlcourse.run_experiment, dans les deux frameworks"
import tempfile

import pandas as pd

import dlcourse

dossier_runs = tempfile.mkdtemp(prefix="runs-ch06-")
# mode rapide : moins d'époques, et 200 points pour la droite au lieu de 1 000
reglages_droite = [f"training.epochs={10 if FAST else 100}"] + (["data.options.n_samples=200"] if FAST else [])
experiences = [
    ("classification, digits_mlp", "digits_mlp", [f"training.epochs={3 if FAST else 30}"]),
    ("régression, lots de 32", "linear_regression", reglages_droite),
    ("régression, tout le lot", "linear_regression", reglages_droite + ["training.batch_size=1000"]),
]
lignes = []
for titre, nom, reglages_config in experiences:
    for cadre in ("torch", "tensorflow"):
        resultat = dlcourse.run_experiment(dlcourse.load_config(nom, reglages_config), cadre, runs_dir=dossier_runs)
        test = resultat.metrics["test"]
        lignes.append({"expérience": titre, "framework": cadre,
                       "exactitude test": test.get("accuracy"), "F1 macro test": test.get("f1_macro"),
                       "MSE test": test.get("mse"), "pente w": (resultat.metrics.get("linear") or {}).get("slope"),
                       "secondes": round(resultat.seconds, 1)})
tableau = pd.DataFrame(lignes)
pd.set_option("display.float_format", lambda v: f"{v:.6f}")
tableau

# %% [markdown]
# Cette fois, les deux frameworks donnent les mêmes nombres à 1e-6 près, pour la classification
# comme pour la régression : ce qui les séparait était bien les réglages par défaut, pas les
# frameworks eux-mêmes. Et l'effet du nombre de pas reste visible, identique des deux côtés : sur
# tout le lot (un seul pas par époque sur les 70 % de points d'entraînement), la pente apprise reste
# en deçà de celle obtenue par lots de 32.

# %%
paires = tableau.groupby("expérience")[["exactitude test", "MSE test", "pente w"]].agg(lambda s: s.max() - s.min())
print("plus grand écart PyTorch / TensorFlow :", float(np.nanmax(paires.to_numpy(dtype=float))))

# %% [markdown]
# ### Exercice 6.3 : une boucle d'entraînement par mini-lots
#
# `construire_regresseur(n_entrees)` renvoie un modèle **linéaire** de régression (aucune activation
# en sortie) ; `entrainer(modele, x, y, epoques, lr, taille_lot)` l'entraîne par SGD sur la MSE, par
# lots de `taille_lot` exemples pris dans l'ordre, et renvoie la perte de chaque époque.
# Vérification : `dlcourse check 6.3` (la vérification refait votre descente en NumPy, pas à pas).

# %% tags=["exercise=entrainement_regression@torch"]
import torch
from torch import nn


def construire_regresseur(n_entrees):
    """Un modèle linéaire de régression : (n, n_entrees) float32 -> (n, 1) float32, y = x·w + b.

    Renvoie : un nn.Module, sans activation de sortie (une régression peut sortir n'importe quel réel).

    Indication : `nn.Linear(n_entrees, 1)` ; surtout pas de sigmoïde ni de softmax à la fin.
    """
    ### BEGIN SOLUTION
    return nn.Linear(n_entrees, 1)
    ### END SOLUTION


def entrainer(modele, x, y, epoques, lr, taille_lot):
    """Entraîne `modele` par descente de gradient stochastique sur des mini-lots.

    modele : nn.Module ; x : np.ndarray (n, d) float32 ; y : np.ndarray (n, 1) float32.
    Perte : `nn.MSELoss()` (moyenne sur le lot) ; optimiseur : `torch.optim.SGD(modele.parameters(),
    lr=lr)`. À chaque époque, les lots sont x[0:taille_lot], x[taille_lot:2 * taille_lot]… dans cet
    ordre, sans mélange, le dernier pouvant être plus court ; une mise à jour par lot.
    Renvoie : list[float] de longueur `epoques` : pour chaque époque, la moyenne des pertes de ses
    lots (chacune calculée avant sa mise à jour), pondérée par la taille des lots, comme l'affiche Keras.

    Indication : convertissez x et y (`torch.as_tensor`) ; pour chaque lot, les cinq gestes :
    `zero_grad()`, prédire, perte, `backward()`, `step()` ; ajoutez `perte.item() * len(lot)` au
    total de l'époque, puis divisez par n.
    """
    ### BEGIN SOLUTION
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    critere = nn.MSELoss()
    optimiseur = torch.optim.SGD(modele.parameters(), lr=lr)
    pertes = []
    modele.train()
    for _ in range(epoques):
        total = 0.0
        for debut in range(0, len(x), taille_lot):
            x_lot, y_lot = x[debut:debut + taille_lot], y[debut:debut + taille_lot]
            optimiseur.zero_grad()                     # sinon les gradients s'additionnent d'un lot à l'autre
            perte = critere(modele(x_lot), y_lot)
            perte.backward()
            optimiseur.step()
            total += perte.item() * len(x_lot)
        pertes.append(total / len(x))
    return pertes
    ### END SOLUTION

# %%
torch.manual_seed(0)
droite = construire_regresseur(1)
pertes_droite = entrainer(droite, x_np, y_np, epoques=EPOQUES, lr=0.01, taille_lot=32)
print(f"PyTorch : perte {pertes_droite[0]:.2f} -> {pertes_droite[-1]:.3f}, w = {droite.weight.item():.3f} "
      f"(moindres carrés : {w_ideal:.3f})")

# %% tags=["exercise=entrainement_regression@tensorflow"]
import keras


def construire_regresseur(n_entrees):
    """Un modèle linéaire de régression : (n, n_entrees) float32 -> (n, 1) float32, y = x·w + b.

    Renvoie : un keras.Model qui commence par `keras.Input(shape=(n_entrees,))`, sans activation de
    sortie (une régression peut sortir n'importe quel réel).

    Indication : `keras.Sequential([keras.Input(shape=(n_entrees,)), keras.layers.Dense(1)])` ;
    surtout pas de sigmoïde ni de softmax à la fin.
    """
    ### BEGIN SOLUTION
    return keras.Sequential([keras.Input(shape=(n_entrees,)), keras.layers.Dense(1)])
    ### END SOLUTION


def entrainer(modele, x, y, epoques, lr, taille_lot):
    """Entraîne `modele` par descente de gradient stochastique sur des mini-lots.

    modele : keras.Model (pas encore compilé) ; x : np.ndarray (n, d) float32 ; y : np.ndarray (n, 1) float32.
    Perte : l'erreur quadratique moyenne ; optimiseur : `keras.optimizers.SGD(learning_rate=lr)`.
    À chaque époque, les lots sont x[0:taille_lot], x[taille_lot:2 * taille_lot]… dans cet ordre,
    sans mélange, le dernier pouvant être plus court ; une mise à jour par lot.
    Renvoie : list[float] de longueur `epoques` : la perte de chaque époque telle que `fit` la
    calcule (moyenne des pertes des lots, pondérée par leur taille).

    Indication : `compile` avec l'optimiseur (pas la chaîne "sgd", qui vaut lr=0.01) et la perte,
    puis `fit` en donnant `batch_size` et `shuffle=False` (par défaut : lots de 32, mélangés) ;
    `fit` renvoie un historique, dont `.history["loss"]` est la liste voulue.
    """
    ### BEGIN SOLUTION
    modele.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mean_squared_error")
    historique = modele.fit(x, y, epochs=epoques, batch_size=taille_lot, shuffle=False, verbose=0)
    return historique.history["loss"]
    ### END SOLUTION

# %%
keras.utils.set_random_seed(0)
droite = construire_regresseur(1)
pertes_droite = entrainer(droite, x_np, y_np, epoques=EPOQUES, lr=0.01, taille_lot=32)
print(f"Keras : perte {pertes_droite[0]:.2f} -> {pertes_droite[-1]:.3f}, w = {float(droite.layers[0].kernel.numpy()[0, 0]):.3f} "
      f"(moindres carrés : {w_ideal:.3f})")

# %% [markdown] minutes=5
# ## Résumé
#
# | notion | PyTorch | TensorFlow / Keras |
# |---|---|---|
# | perte de régression | `nn.MSELoss()` | `"mean_squared_error"`, `keras.losses.MeanSquaredError()` |
# | perte de classification | `nn.CrossEntropyLoss()` sur des logits | `SparseCategoricalCrossentropy(from_logits=True)` |
# | SGD par défaut | `lr` à donner (1e-3 si absent) | `"sgd"` : lr = 0,01 |
# | Adam par défaut | lr 1e-3, eps 1e-8 | lr 1e-3, epsilon 1e-7 |
# | taille de lot | celle de votre boucle ou du `DataLoader` | `fit` : 32 si rien n'est dit |
# | forme d'entrée | déduite au premier appel, `in_features` donné | `keras.Input(shape=...)` (plus `input_shape=`) |
#
# - La perte guide l'optimisation ; les métriques (exactitude, précision, rappel, F1 macro) jugent le modèle.
# - Le modèle sort des logits ; la perte applique le softmax. Un softmax en trop ne lève aucune erreur.
# - Comparer deux entraînements, c'est comparer des **nombres de mises à jour**, des entrées et des
#   initialisations identiques : fixez-les (c'est ce que fait une configuration `dlcourse`).
#
# ## Quiz (dans un terminal : `dlcourse quiz 6`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(6)
