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
# # Chapitre 4 : Introduction à PyTorch
#
# **Objectifs du chapitre**
#
# - connaître la structure de PyTorch : `torch`, `nn`, `optim`, `utils.data` ;
# - manipuler ses tenseurs et son autograd, chaque notion à côté de son jumeau TensorFlow du chapitre 3 ;
# - écrire un modèle `nn.Module` et **sa boucle d'entraînement à la main**, puis la comparer à `fit`.
#
# Trois exercices vérifiés automatiquement : `torch_tenseurs`, `torch_autograd`, `torch_boucle`.

# %% tags=["parameters"]
FAST = False

# %% [markdown]
# Ce notebook utilise les deux frameworks dans le même processus pour les comparer. Si ce n'est
# pas déjà fait, lancez `dlcourse doctor` : sous Linux, le paquet `triton` installé avec PyTorch (il
# ne sert qu'à `torch.compile` sur un GPU NVIDIA) fait planter un processus qui a chargé TensorFlow
# avant lui ; `doctor` le signale et donne la commande qui le retire sur une machine sans GPU.

# %%
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import matplotlib.pyplot as plt
import torch
from torch import nn
import tensorflow as tf
import keras

# Les modèles de ce chapitre sont minuscules : répartir chaque petite opération sur plusieurs fils
# de calcul coûte alors plus cher que le calcul lui-même. Pour que la comparaison des durées soit
# équitable, les deux frameworks reçoivent le même réglage : un seul fil chacun (à faire avant la
# première opération TensorFlow). Pour de gros modèles, on garde les valeurs par défaut.
torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
torch.manual_seed(0)
keras.utils.set_random_seed(0)
plt.rcParams["figure.dpi"] = 90
print("PyTorch", torch.__version__, "| TensorFlow", tf.__version__)

# %% [markdown] minutes=5
# ## 4.1 Structure de PyTorch
#
# | PyTorch | rôle | jumeau TensorFlow / Keras |
# |---|---|---|
# | `torch` | tenseurs et opérations, sur CPU, CUDA ou MPS | `tf` |
# | `torch.autograd` (`requires_grad`, `backward`) | différentiation automatique | `tf.GradientTape` |
# | `torch.nn` | couches (`nn.Linear`, `nn.Conv2d`…), pertes, `nn.Module` | `keras.layers`, `keras.losses`, `keras.Model` |
# | `torch.optim` | optimiseurs (SGD, Adam…) | `keras.optimizers` |
# | `torch.utils.data` | `Dataset` et `DataLoader` (lots, mélange) | `tf.data.Dataset` |
# | `torch.compile` | compilation d'un modèle | `tf.function`, `jit_compile` |
# | une boucle Python écrite par vous | entraînement | `model.fit` |
#
# PyTorch est *eager* depuis toujours : le graphe de calcul est construit au fil de l'exécution, ce
# qui permet d'utiliser librement `if`, `for` et le débogueur Python dans un modèle.

# %% [markdown] minutes=25
# ## 4.2 Tenseurs et opérations de base
#
# Les mêmes notions qu'au chapitre 3, côte à côte :

# %%
t_torch = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
t_tf = tf.constant([[1.0, 2.0], [3.0, 4.0]])
print("forme  :", tuple(t_torch.shape), "|", tuple(t_tf.shape))
print("dtype  :", t_torch.dtype, "|", t_tf.dtype.name)
print("produit matriciel égal :", np.allclose((t_torch @ t_torch.T).numpy(), (t_tf @ tf.transpose(t_tf)).numpy()))
print("appareil :", t_torch.device, "|", t_tf.device)

# %% [markdown]
# | opération | PyTorch | TensorFlow |
# |---|---|---|
# | changer le type | `x.float()`, `x.to(torch.float32)` | `tf.cast(x, tf.float32)` |
# | changer la forme | `x.reshape(n, -1)`, `x.view(n, -1)` | `tf.reshape(x, (n, -1))` |
# | permuter les axes | `x.permute(0, 3, 1, 2)` | `tf.transpose(x, perm=(0, 3, 1, 2))` |
# | réduire | `x.mean(dim=0, keepdim=True)` | `tf.reduce_mean(x, axis=0, keepdims=True)` |
# | ajouter un axe | `x.unsqueeze(1)` | `tf.expand_dims(x, 1)` |
# | vers NumPy | `x.detach().cpu().numpy()` | `x.numpy()` |
# | depuis NumPy | `torch.from_numpy(a)` (mémoire partagée) | `tf.constant(a)` (copie) |
# | appareil | `x.to("cuda")` | `with tf.device("/GPU:0"):` |
#
# Deux différences importantes : PyTorch convertit certains types implicitement (`int + float` donne
# un `float`), et **les images sont rangées canaux d'abord** (NCHW) en PyTorch, canaux à la fin (NHWC) en Keras.

# %%
entiers = torch.tensor([1, 2, 3])
print("int64 + float :", entiers + 0.5, "(TensorFlow refuserait sans tf.cast)")

images_nhwc = np.random.default_rng(0).integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
images_nchw = torch.from_numpy(images_nhwc).permute(0, 3, 1, 2)
print("Keras (NHWC) :", images_nhwc.shape, "-> PyTorch (NCHW) :", tuple(images_nchw.shape))
print("même pixel :", images_nhwc[0, 5, 7, 2] == images_nchw[0, 2, 5, 7].item())

# %% [markdown]
# **Broadcasting** : les mêmes règles qu'en TensorFlow et NumPy.

# %%
colonne = torch.arange(4.0).reshape(4, 1) * 10
ligne = torch.arange(3.0)
print((colonne + ligne).shape, "| identique à TensorFlow :",
      np.array_equal((colonne + ligne).numpy(), (tf.reshape(tf.range(4.0), (4, 1)) * 10 + tf.range(3.0)).numpy()))

# normaliser chaque canal d'un lot d'images : statistiques de forme (1, 3, 1, 1), diffusées sur (n, 3, h, w)
x_img = images_nchw.float() / 255
moyenne = x_img.mean(dim=(0, 2, 3), keepdim=True)
print("statistiques par canal :", tuple(moyenne.shape), "| moyennes après centrage :",
      (x_img - moyenne).mean(dim=(0, 2, 3)).abs().max().item() < 1e-6)

# %% [markdown]
# ### Exercice 4.1 : NHWC vers NCHW, normalisation par canal
#
# `vers_nchw(images)` : (n, 32, 32, 3) `uint8` NumPy → (n, 3, 32, 32) `float32` dans [0, 1] ;
# `normaliser(x)` : chaque canal de moyenne 0 et d'écart-type 1. Vérification : `dlcourse check torch_tenseurs`.

# %% tags=["exercise=torch_tenseurs"]
import numpy as np
import torch


def vers_nchw(images):
    """Passe d'un lot d'images NHWC (NumPy) à un tenseur NCHW.

    images : np.ndarray (n, 32, 32, 3) uint8, valeurs de 0 à 255.
    Renvoie : torch.Tensor (n, 3, 32, 32) float32, valeurs dans [0, 1].

    Indication : `torch.from_numpy`, conversion en float32, division par 255, puis réordonner
    les axes (`permute`).
    """
    ### BEGIN SOLUTION
    x = torch.from_numpy(np.asarray(images)).float() / 255.0
    return x.permute(0, 3, 1, 2).contiguous()
    ### END SOLUTION


def normaliser(x):
    """Standardise chaque canal avec les statistiques du lot entier.

    x : torch.Tensor (n, c, h, w) float32.
    Renvoie : torch.Tensor (n, c, h, w) float32 dont chaque canal (sur toutes les images du lot)
    a une moyenne 0 et un écart-type 1.

    Indication : une moyenne et un écart-type par canal, donc sur les dimensions (0, 2, 3), avec
    `keepdim=True` pour une forme (1, c, 1, 1) qui se diffuse ; puis (x − m) / s.
    """
    ### BEGIN SOLUTION
    moyenne = x.mean(dim=(0, 2, 3), keepdim=True)  # (1, c, 1, 1)
    ecart = x.std(dim=(0, 2, 3), keepdim=True)
    return (x - moyenne) / ecart
    ### END SOLUTION

# %%
normalisees = normaliser(vers_nchw(images_nhwc))
print(tuple(normalisees.shape), normalisees.mean(dim=(0, 2, 3)).abs().max().item() < 1e-5)

# %% [markdown]
# ### Autograd, le jumeau de `GradientTape`
#
# En PyTorch, un tenseur créé avec `requires_grad=True` enregistre toutes les opérations qui
# l'utilisent ; `backward()` sur un **scalaire** remplit l'attribut `.grad` des feuilles. Il n'y a pas
# de bloc `with` : l'enregistrement est permanent, et `torch.no_grad()` le suspend (évaluation,
# mise à jour des poids).

# %%
xs_torch = torch.linspace(-2, 2, 81, requires_grad=True)
ys_torch = torch.sin(xs_torch) * xs_torch ** 2
ys_torch.sum().backward()  # backward part d'un scalaire ; d(somme)/dx_i = dy_i/dx_i

xs_tf = tf.linspace(-2.0, 2.0, 81)
with tf.GradientTape() as tape:
    tape.watch(xs_tf)
    ys_tf = tf.sin(xs_tf) * xs_tf ** 2
grad_tf = tape.gradient(ys_tf, xs_tf)
print("écart entre les dérivées PyTorch et TensorFlow :",
      float(np.abs(xs_torch.grad.numpy() - grad_tf.numpy()).max()))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs_torch.detach(), ys_torch.detach(), label="f(x) = x² sin(x)")
ax.plot(xs_torch.detach(), xs_torch.grad, "--", label="f'(x), autograd PyTorch")
ax.plot(xs_tf, grad_tf, ":", lw=3, label="f'(x), GradientTape TensorFlow")
ax.legend()
ax.set_title("La même dérivée dans les deux frameworks")
plt.show()

# %% [markdown]
# Attention : `backward()` **ajoute** au contenu de `.grad`. Appelé deux fois, il accumule :

# %%
w = torch.tensor(2.0, requires_grad=True)
for appel in range(2):
    (w ** 2).backward()
    print(f"après le backward n°{appel + 1} : w.grad = {w.grad.item()}  (dérivée exacte : 4)")
w.grad = None  # remise à zéro ; c'est le rôle de optimizer.zero_grad()

# %% [markdown]
# ### Exercice 4.2 : un gradient avec autograd
#
# Les mêmes fonctions qu'à l'exercice 3.2, en PyTorch : `derivee(x)` et `gradient_mse(w, b, x, y)`
# (appelée deux fois, elle doit donner deux fois le même résultat). Vérification : `dlcourse check torch_autograd`.

# %% tags=["exercise=torch_autograd"]
import torch


def derivee(x):
    """Dérivée de y = x³ + 2x en chaque point, calculée par autograd.

    x : torch.Tensor (n,) float32, créé sans `requires_grad`.
    Renvoie : torch.Tensor (n,) float32, dy/dx.

    Indication : une copie de x qui demande le gradient (`x.detach().clone().requires_grad_()`),
    y = …, puis `backward` sur un scalaire (`y.sum()`) et lecture de `.grad`.
    """
    ### BEGIN SOLUTION
    x = x.detach().clone().requires_grad_(True)
    y = x ** 3 + 2 * x
    y.sum().backward()  # backward part d'un scalaire ; d(somme)/dx_i = dy_i/dx_i
    return x.grad
    ### END SOLUTION


def gradient_mse(w, b, x, y):
    """Gradients de la perte quadratique moyenne d'une droite, calculés par autograd.

    w, b : torch.Tensor scalaires float32 avec `requires_grad=True` ; x, y : torch.Tensor (n,) float32.
    Renvoie : (dL/dw, dL/db), deux torch.Tensor scalaires, pour L = ((w * x + b - y) ** 2).mean().
    La fonction peut être appelée plusieurs fois avec les mêmes w et b : chaque appel doit
    renvoyer les gradients de cet appel seulement.

    Indication : `torch.autograd.grad(L, [w, b])` n'accumule rien ; avec `backward`, pensez que
    `.grad` s'accumule d'un appel à l'autre.
    """
    ### BEGIN SOLUTION
    perte = ((w * x + b - y) ** 2).mean()
    grad_w, grad_b = torch.autograd.grad(perte, [w, b])  # n'accumule rien dans w.grad
    return grad_w, grad_b
    ### END SOLUTION

# %%
print(derivee(torch.tensor([0.0, 1.0, 2.0])))  # 3x² + 2 : [2, 5, 14]

# %% [markdown] minutes=30
# ## 4.3 Création de modèles avec l'API PyTorch
#
# Un modèle est une sous-classe de `nn.Module` : les couches dans `__init__`, le calcul dans
# `forward`. C'est exactement le sous-classement de `keras.Model` du chapitre 3 (`call` ↔ `forward`).
# Pour une simple pile, `nn.Sequential` est le jumeau de `keras.Sequential`.

# %%
class PetitReseau(nn.Module):
    def __init__(self, entrees=64, cachees=32, classes=10):
        super().__init__()
        self.aplatir = nn.Flatten()
        self.cachee = nn.Linear(entrees, cachees)  # in_features doit être donné (Keras le déduit)
        self.sortie = nn.Linear(cachees, classes)

    def forward(self, x):
        return self.sortie(torch.relu(self.cachee(self.aplatir(x))))  # des logits


modele_torch = PetitReseau()
sequentiel_torch = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
modele_keras = keras.Sequential([keras.Input(shape=(8, 8)), keras.layers.Flatten(),
                                 keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
print(modele_torch)
compte = sum(p.numel() for p in modele_torch.parameters())
print("paramètres PyTorch :", compte, "| Keras :", modele_keras.count_params())
print("poids de la couche cachée : PyTorch", tuple(modele_torch.cachee.weight.shape),
      "(sorties, entrées) | Keras", tuple(modele_keras.layers[1].kernel.shape), "(entrées, sorties)")

# %% [markdown]
# Les deux modèles ont 2 410 paramètres, mais **rangés différemment** (PyTorch calcule
# `x @ W.T + b`) et **initialisés différemment** (Keras : Glorot uniforme et biais nuls ; PyTorch :
# `kaiming_uniform_(a=√5)` et biais aléatoires). Malgré son nom, ce réglage de PyTorch n'est pas
# l'initialisation de He : avec `a = √5`, les poids suivent U(±1/√n_entrées), une plage √6 fois plus
# étroite que celle de He (U(±√6/√n_entrées)) ; Glorot, pour une couche carrée, donne U(±√3/√n_entrées).
# `dlcourse explain-defaults` liste toutes ces différences.
#
# ### Les données : `Dataset` et `DataLoader`
#
# `TensorDataset` enveloppe des tenseurs ; `DataLoader` les découpe en lots mélangés à chaque époque
# (le jumeau de `tf.data.Dataset.from_tensor_slices(...).shuffle(...).batch(...)`).

# %%
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

from dlcourse.data.embedded import digits

chiffres = digits()
# Trois parts mélangées et stratifiées (les images sont rangées par scripteur) : entraînement (64 %),
# validation (16 %) pour suivre l'apprentissage et choisir, test (20 %) regardé une seule fois à la fin.
indices = np.arange(len(chiffres.y))
i_reste, i_test = train_test_split(indices, test_size=0.2, stratify=chiffres.y, random_state=0)
i_train, i_val = train_test_split(i_reste, test_size=0.2, stratify=chiffres.y[i_reste], random_state=0)
x_tout = torch.from_numpy(chiffres.x / 16.0).float()  # (1797, 8, 8) float32
y_tout = torch.from_numpy(chiffres.y)                  # (1797,) int64
x_train, y_train = x_tout[i_train], y_tout[i_train]    # (1149, 8, 8), (1149,)
x_val, y_val = x_tout[i_val], y_tout[i_val]            # (288, 8, 8)
x_test, y_test = x_tout[i_test], y_tout[i_test]        # (360, 8, 8)
chargeur = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True,
                      generator=torch.Generator().manual_seed(0))
x_lot, y_lot = next(iter(chargeur))
print("un lot :", tuple(x_lot.shape), x_lot.dtype, "|", tuple(y_lot.shape), y_lot.dtype, "|",
      len(chargeur), "lots par époque")

# %% [markdown]
# ### La boucle d'entraînement, écrite à la main
#
# Là où Keras fournit `fit`, PyTorch laisse écrire la boucle. Chaque pas fait toujours les mêmes cinq
# gestes : **remettre les gradients à zéro, prédire, calculer la perte, rétropropager, mettre à jour**.
# `nn.CrossEntropyLoss` attend des **logits** (jamais un softmax avant elle).

# %%
epoques = 3 if FAST else 30
modele = PetitReseau()
critere = nn.CrossEntropyLoss()
optimiseur = torch.optim.Adam(modele.parameters(), lr=1e-2)


def exactitude(modele, x, y):
    modele.eval()  # mode évaluation (compte pour le dropout et la normalisation par lots)
    with torch.no_grad():  # pas de graphe : plus rapide, moins de mémoire
        return (modele(x).argmax(dim=1) == y).float().mean().item()


historique_torch = {"perte": [], "exactitude_val": []}
debut = time.perf_counter()
for epoque in range(epoques):
    modele.train()
    total = 0.0
    for x_lot, y_lot in chargeur:
        optimiseur.zero_grad()            # 1. vider les gradients du pas précédent
        logits = modele(x_lot)            # 2. prédire
        perte = critere(logits, y_lot)    # 3. mesurer l'erreur
        perte.backward()                  # 4. rétropropager
        optimiseur.step()                 # 5. mettre à jour les poids
        total += perte.item() * len(x_lot)
    historique_torch["perte"].append(total / len(x_train))
    historique_torch["exactitude_val"].append(exactitude(modele, x_val, y_val))
duree_torch = time.perf_counter() - debut
print(f"PyTorch : {epoques} époques en {duree_torch:.1f} s, exactitude de validation "
      f"{historique_torch['exactitude_val'][-1]:.3f}")

# %% [markdown]
# Le même entraînement avec Keras, pour comparer : `compile` + `fit` font la même boucle.

# %%
modele_keras.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
debut = time.perf_counter()
histoire_keras = modele_keras.fit(x_train.numpy(), y_train.numpy(), validation_data=(x_val.numpy(), y_val.numpy()),
                                  epochs=epoques, batch_size=32, verbose=0)
duree_keras = time.perf_counter() - debut
print(f"Keras   : {epoques} époques en {duree_keras:.1f} s, exactitude de validation "
      f"{histoire_keras.history['val_accuracy'][-1]:.3f}")
# Le test, une seule fois, une fois les modèles choisis :
_, exactitude_test_keras = modele_keras.evaluate(x_test.numpy(), y_test.numpy(), verbose=0)
print(f"exactitude sur le test : PyTorch {exactitude(modele, x_test, y_test):.3f} | Keras {exactitude_test_keras:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(historique_torch["perte"], label="PyTorch (boucle à la main)")
axes[0].plot(histoire_keras.history["loss"], label="Keras (fit)")
axes[0].set_title("perte d'entraînement")
axes[1].plot(historique_torch["exactitude_val"], label="PyTorch")
axes[1].plot(histoire_keras.history["val_accuracy"], label="Keras")
axes[1].set_title("exactitude de validation")
for ax in axes:
    ax.set_xlabel("époque")
    ax.legend()
fig.suptitle("Même réseau, même optimiseur, deux frameworks")
fig.tight_layout()
plt.show()

# %% [markdown]
# Les courbes sont proches sans être identiques : initialisations, ordre des lots et détails
# d'Adam (ε) diffèrent. Les durées comparent aussi des choses différentes : la première époque de
# `fit` compile sa fonction d'entraînement (`tf.function`), et sur si peu d'époques ce coût fixe
# pèse lourd ; la boucle PyTorch s'exécute directement. Fixer ces choix dans les deux frameworks est exactement ce que fait une
# configuration `dlcourse` (`dlcourse train digits_mlp -f torch` puis `-f tensorflow`).
#
# Pour enregistrer et recharger un modèle PyTorch, on sauvegarde son `state_dict` (les tenseurs de
# poids) et on reconstruit la même classe :

# %%
import tempfile
from pathlib import Path

chemin = Path(tempfile.mkdtemp()) / "modele.pt"
torch.save(modele.state_dict(), chemin)
recharge = PetitReseau()
recharge.load_state_dict(torch.load(chemin, weights_only=True))
print("même exactitude après rechargement :", exactitude(recharge, x_test, y_test) == exactitude(modele, x_test, y_test))

# %% [markdown]
# ### Exercice 4.3 : écrire la boucle d'entraînement
#
# `entrainer(modele, x, y, epoques, lr)` : régression (`nn.MSELoss`), `torch.optim.SGD`, une mise à jour
# par époque sur tout le lot, et la liste des pertes (des `float`) en retour. Vérification :
# `dlcourse check torch_boucle`.

# %% tags=["exercise=torch_boucle"]
import torch
from torch import nn


def entrainer(modele, x, y, epoques=100, lr=0.1):
    """Entraîne `modele` sur tout le lot à chaque époque.

    modele : nn.Module ; x : torch.Tensor (n, d) float32 ; y : torch.Tensor (n, 1) float32.
    Perte : `nn.MSELoss()` ; optimiseur : `torch.optim.SGD(modele.parameters(), lr=lr)`.
    Renvoie : list[float], la perte de chaque époque (calculée avant la mise à jour), de longueur `epoques`.

    Indication : créez la perte et l'optimiseur, puis, à chaque époque, les cinq gestes :
    remettre les gradients à zéro, prédire, calculer la perte, `backward`, `step` ; ajoutez la
    perte à la liste sous forme de float (`.item()`).
    """
    ### BEGIN SOLUTION
    critere = nn.MSELoss()
    optimiseur = torch.optim.SGD(modele.parameters(), lr=lr)
    pertes = []
    modele.train()
    for _ in range(epoques):
        optimiseur.zero_grad()
        perte = critere(modele(x), y)
        perte.backward()
        optimiseur.step()
        pertes.append(perte.item())
    return pertes
    ### END SOLUTION

# %%
x_droite = torch.randn(100, 1)
droite = nn.Linear(1, 1)
pertes_droite = entrainer(droite, x_droite, 3 * x_droite + 1, epoques=50)
print(f"perte {pertes_droite[0]:.2f} -> {pertes_droite[-1]:.4f} ; w = {droite.weight.item():.2f}, b = {droite.bias.item():.2f}")

# %% [markdown] minutes=5
# ## Résumé
#
# | notion | PyTorch | TensorFlow / Keras |
# |---|---|---|
# | tenseur | `torch.tensor`, conversions implicites | `tf.constant`, `tf.cast` obligatoire |
# | images | NCHW | NHWC |
# | gradient | `requires_grad`, `backward()`, `.grad` (s'accumule) | `GradientTape`, `tape.gradient` |
# | modèle | `nn.Module` (`forward`), `nn.Sequential` | `keras.Model` (`call`), `keras.Sequential`, API fonctionnelle |
# | poids d'une couche dense | `(sorties, entrées)` | `(entrées, sorties)` |
# | entraînement | boucle à la main : zero_grad, forward, perte, backward, step | `compile` + `fit` |
# | données | `Dataset`, `DataLoader` | `tf.data.Dataset` |
#
# ## Quiz (dans un terminal : `dlcourse quiz 4`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(4)
