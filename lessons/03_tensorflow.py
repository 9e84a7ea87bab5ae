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
# # Chapitre 3 : Introduction à TensorFlow
#
# **Objectifs du chapitre**
#
# - comprendre la structure de TensorFlow : exécution immédiate (*eager*), graphes avec `tf.function`, Keras 3 ;
# - manipuler des tenseurs : formes, types (`dtype`), broadcasting, appareils ;
# - calculer des gradients avec `tf.GradientTape` ;
# - construire un modèle avec les trois API de Keras : `Sequential`, fonctionnelle et sous-classement.
#
# Trois exercices vérifiés automatiquement accompagnent le chapitre (`dlcourse check --list`).

# %% tags=["parameters"]
FAST = False

# %%
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # moins de messages au démarrage
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
import keras

keras.utils.set_random_seed(0)  # graines de Python, NumPy et TensorFlow d'un coup
plt.rcParams["figure.dpi"] = 90
print("TensorFlow", tf.__version__, "| Keras", keras.__version__, "| backend :", keras.backend.backend())

# %% [markdown] minutes=10
# ## 3.1 Structure de TensorFlow
#
# | brique | rôle |
# |---|---|
# | `tf.Tensor`, `tf.Variable` | tableaux à n dimensions, immuables ou modifiables, sur CPU ou GPU |
# | opérations `tf.*`, `tf.math`, `tf.linalg` | calcul sur les tenseurs |
# | `tf.GradientTape` | différentiation automatique |
# | `tf.function` | compilation d'une fonction Python en graphe |
# | `tf.data` | chargement et préparation des données en flux |
# | `keras` | couches, modèles, pertes, optimiseurs, `fit` |
# | `tf.saved_model`, `tf.summary` | export des modèles, journaux TensorBoard |
#
# **Eager par défaut.** Depuis TensorFlow 2, chaque opération s'exécute immédiatement et renvoie
# une valeur, comme NumPy :

# %%
a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
b = a @ tf.transpose(a) + 1.0
print(b)
print("en NumPy :", b.numpy())

# %% [markdown]
# **Graphes avec `tf.function`.** Décorer une fonction la fait *tracer* une fois par signature
# d'entrée (formes et types) : TensorFlow enregistre les opérations dans un graphe, qu'il optimise
# puis exécute sans repasser par l'interpréteur Python. C'est ce que fait Keras dans `fit`.

# %%
def pas_eager(x):
    for _ in range(20):
        x = tf.tanh(x) * 0.9 + 0.1
    return x


pas_graphe = tf.function(pas_eager)

x = tf.random.normal((64, 64))
pas_graphe(x)  # premier appel : traçage
repetitions = 20 if FAST else 200
for nom, f in [("eager", pas_eager), ("tf.function", pas_graphe)]:
    debut = time.perf_counter()
    for _ in range(repetitions):
        f(x)
    print(f"{nom:<12} {(time.perf_counter() - debut) / repetitions * 1e3:.2f} ms par appel")
print("mêmes résultats :", np.allclose(pas_eager(x).numpy(), pas_graphe(x).numpy(), atol=1e-6))

# %% [markdown]
# Le gain vient de la suppression du coût Python entre de nombreuses petites opérations. Attention :
# dans une `tf.function`, le code Python (un `print`, une liste) ne s'exécute qu'au traçage ; on
# utilise `tf.print` pour afficher à chaque appel.
#
# **Keras 3** est l'API de haut niveau de TensorFlow. C'est aujourd'hui une bibliothèque
# indépendante (`import keras`) qui peut aussi tourner sur JAX ou PyTorch ; ici, son backend est TensorFlow.

# %% [markdown] minutes=20
# ## 3.2 Tenseurs et opérations de base
#
# Un tenseur a une **forme** (`shape`), un **type** (`dtype`) et un **appareil** (`device`).

# %%
images = tf.zeros((32, 28, 28), dtype=tf.uint8)  # un lot de 32 images en niveaux de gris
print("forme :", images.shape, "| rang :", images.ndim, "| dtype :", images.dtype.name, "| appareil :", images.device)

x = tf.constant([1, 2, 3])
print("dtype déduit :", x.dtype.name)          # int32
print("conversion :", tf.cast(x, tf.float32))  # les opérations exigent des dtypes identiques
try:
    x + tf.constant([0.5, 0.5, 0.5])
except tf.errors.InvalidArgumentError as erreur:
    print("int32 + float32 refusé :", str(erreur).splitlines()[0][:90])
print("x * 2 :", (x * 2).dtype.name, "| x / 2 :", (x / 2).dtype.name)  # int32, puis float64 !

# %% [markdown]
# Entre deux tenseurs, TensorFlow ne convertit pas les types, contrairement à NumPy : `int32 + float32`
# est refusé et `tf.cast` est obligatoire. Les conversions implicites existent pourtant à la marge :
# un scalaire Python est converti vers le dtype du tenseur (`x * 2` reste `int32`, et `x + 0.5` est
# refusé, car 0,5 n'est pas un entier), et la division `/` d'entiers donne des flottants, en `float64`
# (comme NumPy), pas en `float32`. Règle pratique : convertissez explicitement avec `tf.cast` dès le
# chargement. Les images sont souvent stockées en `uint8` (0 à 255) et converties en `float32` dans [0, 1].
#
# **Changer de forme et indexer.**

# %%
lot = tf.reshape(tf.range(2 * 3 * 4), (2, 3, 4))
print("reshape (2, 3, 4) -> (2, 12) :", tf.reshape(lot, (2, -1)).shape)  # -1 : « ce qu'il faut »
print("premier élément du lot :", lot[0].shape, "| dernière colonne :", lot[..., -1].numpy().tolist())
print("transposition des axes (0, 2, 1) :", tf.transpose(lot, perm=(0, 2, 1)).shape)
print("ajouter un axe :", tf.expand_dims(lot, -1).shape, "| somme sur l'axe 1 :", tf.reduce_sum(lot, axis=1).shape)

# %% [markdown]
# **Broadcasting.** Quand deux formes diffèrent, elles sont alignées par la droite ; une dimension
# égale à 1 (ou absente) est répétée. `(4, 1) + (3,)` donne `(4, 3)` :

# %%
colonne = tf.reshape(tf.range(4, dtype=tf.float32), (4, 1)) * 10  # (4, 1)
ligne = tf.range(3, dtype=tf.float32)                              # (3,)
somme = colonne + ligne                                            # (4, 3)
print(somme.numpy())

fig, axes = plt.subplots(1, 3, figsize=(8, 2.8), gridspec_kw={"width_ratios": [1, 3, 3]})
for ax, valeurs, titre in [(axes[0], colonne.numpy(), "colonne (4, 1)"),
                           (axes[1], np.broadcast_to(ligne.numpy(), (1, 3)), "ligne (3,)"),
                           (axes[2], somme.numpy(), "somme (4, 3)")]:
    ax.imshow(valeurs, cmap="viridis", vmin=0, vmax=32)
    for (i, j), v in np.ndenumerate(valeurs):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", color="w")
    ax.set_title(titre)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Broadcasting : la colonne est répétée sur 3 colonnes, la ligne sur 4 lignes")
fig.tight_layout()
plt.show()

# %% [markdown]
# Exemple typique : centrer les données en retirant la moyenne de chaque colonne, sans boucle.

# %%
donnees = tf.random.normal((100, 3), mean=[5.0, -2.0, 0.5])
centrees = donnees - tf.reduce_mean(donnees, axis=0)  # (100, 3) - (3,)
print("moyennes avant :", tf.reduce_mean(donnees, axis=0).numpy().round(2),
      "| après :", tf.reduce_mean(centrees, axis=0).numpy().round(6))

# %% [markdown]
# **Variables et appareils.** Une `tf.Variable` est un tenseur modifiable : ce sont les poids des
# modèles. `with tf.device(...)` place un calcul sur un appareil donné.

# %%
w = tf.Variable(tf.zeros(3))
w.assign_add([1.0, 2.0, 3.0])
with tf.device("/CPU:0"):
    produit = w * 2.0
print(w.numpy(), produit.device)
print("GPU visibles :", tf.config.list_physical_devices("GPU"))

# %% [markdown]
# ### Exercice 3.1 : aplatir et centrer un lot d'images
#
# Écrivez `aplatir(images)` ((n, 28, 28) `uint8` → (n, 784) `float32` dans [0, 1]) et `centrer(x)`
# (retire la moyenne de chaque colonne). `dlcourse check tf_tenseurs --start` écrit le fichier de
# départ dans le dossier courant ; `dlcourse check tf_tenseurs` vérifie votre solution et répond en
# français (et `--seed N` rejoue exactement les mêmes entrées aléatoires).

# %% tags=["exercise=tf_tenseurs"]
import tensorflow as tf


def aplatir(images):
    """Aplatit un lot d'images.

    images : tf.Tensor (n, 28, 28) uint8, valeurs de 0 à 255.
    Renvoie : tf.Tensor (n, 784) float32, valeurs dans [0, 1].

    Indication : convertissez en float32 (`tf.cast`), divisez par 255, puis `tf.reshape` vers (n, 784).
    """
    ### BEGIN SOLUTION
    pixels = tf.cast(images, tf.float32) / 255.0
    return tf.reshape(pixels, (-1, 28 * 28))
    ### END SOLUTION


def centrer(x):
    """Centre chaque colonne.

    x : tf.Tensor (n, d) float32.
    Renvoie : tf.Tensor (n, d) float32, x moins la moyenne de sa colonne.

    Indication : la moyenne de chaque colonne (`tf.reduce_mean`, sur quel axe ?), puis une
    soustraction (le broadcasting aligne les formes par la droite).
    """
    ### BEGIN SOLUTION
    moyennes = tf.reduce_mean(x, axis=0)  # (d,) : diffusé sur les n lignes
    return x - moyennes
    ### END SOLUTION

# %%
lot_images = tf.cast(tf.random.uniform((5, 28, 28), maxval=256, dtype=tf.int32), tf.uint8)
print(aplatir(lot_images).shape, float(tf.reduce_max(aplatir(lot_images))) <= 1.0)
print(tf.reduce_mean(centrer(donnees), axis=0).numpy().round(6))

# %% [markdown] minutes=20
# ## Différentiation automatique avec `tf.GradientTape`
#
# Entraîner un réseau, c'est calculer la dérivée de la perte par rapport à chaque poids.
# `tf.GradientTape` enregistre les opérations exécutées dans son bloc `with`, puis
# `tape.gradient(sortie, entrées)` les parcourt à l'envers (rétropropagation). Les `tf.Variable`
# entraînables sont suivies automatiquement ; un tenseur ordinaire doit être surveillé avec `tape.watch`.

# %%
xs = tf.linspace(-2.0, 2.0, 81)
with tf.GradientTape() as tape:
    tape.watch(xs)
    ys = tf.sin(xs) * xs ** 2
derivees = tape.gradient(ys, xs)
exacte = tf.cos(xs) * xs ** 2 + 2 * xs * tf.sin(xs)
print("écart maximal avec la dérivée exacte :", float(tf.reduce_max(tf.abs(derivees - exacte))))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs, ys, label="f(x) = x² sin(x)")
ax.plot(xs, derivees, "--", label="f'(x) par GradientTape")
ax.axhline(0, color="grey", lw=0.5)
ax.legend()
ax.set_title("Une fonction et sa dérivée calculée automatiquement")
plt.show()

# %% [markdown]
# **Une régression linéaire à la main.** Avec `GradientTape`, une descente de gradient tient en
# quelques lignes : prédire, mesurer la perte, dériver, mettre à jour. Les données viennent de
# `dlcourse` : $y = 3x + \text{bruit}$.

# %%
from dlcourse.data.embedded import linear

jeu = linear(n_samples=200 if FAST else 1000, seed=0)
x_reg, y_reg = tf.constant(jeu.x[:, 0]), tf.constant(jeu.y[:, 0])  # (n,) float32
pente, biais = tf.Variable(0.0), tf.Variable(0.0)
taux = 0.1
historique = []
for etape in range(30 if FAST else 100):
    with tf.GradientTape() as tape:
        perte = tf.reduce_mean((pente * x_reg + biais - y_reg) ** 2)
    d_pente, d_biais = tape.gradient(perte, [pente, biais])
    pente.assign_sub(taux * d_pente)  # w <- w - taux * dL/dw
    biais.assign_sub(taux * d_biais)
    historique.append(float(perte))
print(f"pente apprise {pente.numpy():.3f} (vraie : 3), biais {biais.numpy():.3f} (vrai : 0)")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(historique)
axes[0].set_xlabel("étape")
axes[0].set_ylabel("perte (MSE)")
axes[0].set_title("La perte baisse à chaque pas")
axes[1].scatter(jeu.x[:, 0], jeu.y[:, 0], s=5, alpha=0.4)
grille = np.linspace(-3, 3, 2)
axes[1].plot(grille, pente.numpy() * grille + biais.numpy(), color="tab:red", label="droite apprise")
axes[1].legend()
axes[1].set_title("Données et droite apprise")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Exercice 3.2 : un gradient avec `GradientTape`
#
# Écrivez `derivee(x)` (la dérivée de $x^3 + 2x$ en chaque point d'un `tf.constant`) et
# `gradient_mse(w, b, x, y)` (les gradients de la perte quadratique moyenne d'une droite).
# Vérification : `dlcourse check tf_gradient`.

# %% tags=["exercise=tf_gradient"]
import tensorflow as tf


def derivee(x):
    """Dérivée de y = x³ + 2x en chaque point, calculée par `tf.GradientTape`.

    x : tf.Tensor (n,) float32 (un `tf.constant`, pas une variable).
    Renvoie : tf.Tensor (n,) float32, dy/dx.

    Indication : un `tf.constant` n'est pas suivi par la bande : `tape.watch(x)`, puis
    `tape.gradient(y, x)`.
    """
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        tape.watch(x)  # un tf.constant n'est pas une variable : il faut le surveiller
        y = x ** 3 + 2.0 * x
    return tape.gradient(y, x)
    ### END SOLUTION


def gradient_mse(w, b, x, y):
    """Gradients de la perte quadratique moyenne d'une droite, calculés par `tf.GradientTape`.

    w, b : tf.Variable scalaires float32 ; x, y : tf.Tensor (n,) float32.
    Renvoie : (dL/dw, dL/db), deux tf.Tensor scalaires, pour L = moyenne((w·x + b − y)²).

    Indication : calculez L dans le bloc `with tf.GradientTape() as tape:`, puis
    `tape.gradient(L, [w, b])` (les variables sont suivies sans `watch`).
    """
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        perte = tf.reduce_mean((w * x + b - y) ** 2)
    grad_w, grad_b = tape.gradient(perte, [w, b])
    return grad_w, grad_b
    ### END SOLUTION

# %%
print(derivee(tf.constant([0.0, 1.0, 2.0])).numpy())  # 3x² + 2 : [2, 5, 14]
print([float(g) for g in gradient_mse(tf.Variable(0.0), tf.Variable(0.0), x_reg, y_reg)])

# %% [markdown] minutes=25
# ## 3.3 Création de modèles avec l'API Keras
#
# Keras propose trois façons de décrire un modèle. Construisons **le même** réseau (64 pixels →
# 32 neurones ReLU → 10 logits) avec chacune.
#
# **1. `Sequential`** : une pile de couches, le cas le plus simple.

# %%
sequentiel = keras.Sequential([
    keras.Input(shape=(8, 8)),
    keras.layers.Flatten(),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(10),  # des logits : pas de softmax, la perte s'en charge
], name="sequentiel")
sequentiel.summary()

# %% [markdown]
# **2. L'API fonctionnelle** : on appelle les couches sur des tenseurs symboliques ; elle permet
# plusieurs entrées ou sorties, des branches et des connexions résiduelles.

# %%
entree = keras.Input(shape=(8, 8), name="image")
h = keras.layers.Flatten()(entree)
h = keras.layers.Dense(32, activation="relu")(h)
sortie = keras.layers.Dense(10, name="logits")(h)
fonctionnel = keras.Model(entree, sortie, name="fonctionnel")
print("paramètres :", fonctionnel.count_params())

# %% [markdown]
# **3. Le sous-classement de `keras.Model`** : les couches sont créées dans `__init__`, le calcul
# écrit en Python dans `call`. C'est la forme la plus souple, et la plus proche de PyTorch (chapitre 4).

# %%
class PetitReseau(keras.Model):
    def __init__(self, cachees=32, classes=10):
        super().__init__()
        self.aplatir = keras.layers.Flatten()
        self.cachee = keras.layers.Dense(cachees, activation="relu")
        self.sortie = keras.layers.Dense(classes)

    def call(self, x):
        return self.sortie(self.cachee(self.aplatir(x)))


sous_classe = PetitReseau()
sous_classe(tf.zeros((1, 8, 8)))  # le premier appel crée les poids
print("paramètres :", sous_classe.count_params())
print("même nombre de paramètres dans les trois API :",
      sequentiel.count_params() == fonctionnel.count_params() == sous_classe.count_params())

# %% [markdown]
# Le compte : `Dense(32)` sur 64 entrées a 64 × 32 poids + 32 biais = 2 080 paramètres, `Dense(10)`
# en a 32 × 10 + 10 = 330, soit 2 410 au total.
#
# **Entraîner avec `compile` et `fit`** sur les chiffres manuscrits de `dlcourse` (8 × 8, 1 797 images).
# La sortie est faite de logits, d'où `from_logits=True` (voir `dlcourse explain-defaults`).

# %%
from sklearn.model_selection import train_test_split

from dlcourse.data.embedded import digits

chiffres = digits()
x_tout = (chiffres.x / 16.0).astype("float32")  # (1797, 8, 8) dans [0, 1]
y_tout = chiffres.y                             # (1797,) int64
# Découpage mélangé et stratifié (même proportion de chaque chiffre des deux côtés) : les images
# sont rangées par scripteur, un découpage par position testerait sur d'autres mains que celles
# de l'entraînement et sous-estimerait le modèle.
x_train, x_test, y_train, y_test = train_test_split(x_tout, y_tout, test_size=0.2, stratify=y_tout, random_state=0)

modele = keras.Sequential([
    keras.Input(shape=(8, 8)),
    keras.layers.Flatten(),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(10),
])
modele.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               metrics=["accuracy"])
epoques = 3 if FAST else 30
histoire = modele.fit(x_train, y_train, validation_split=0.2, epochs=epoques, batch_size=32, verbose=0)
perte_test, exactitude_test = modele.evaluate(x_test, y_test, verbose=0)
print(f"après {epoques} époques : exactitude sur le test {exactitude_test:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for cle, ax in [("loss", axes[0]), ("accuracy", axes[1])]:
    ax.plot(histoire.history[cle], label="entraînement")
    ax.plot(histoire.history["val_" + cle], label="validation")
    ax.set_xlabel("époque")
    ax.set_title({"loss": "perte", "accuracy": "exactitude"}[cle])
    ax.legend()
fig.suptitle("Keras : courbes d'apprentissage sur digits")
fig.tight_layout()
plt.show()

# %% [markdown]
# `predict` renvoie des logits ; `keras.ops.softmax` les transforme en probabilités.

# %%
logits = modele.predict(x_test[:5], verbose=0)
probabilites = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))
print("classes prédites :", probabilites.argmax(axis=1), "| vraies :", y_test[:5])

# %% [markdown]
# ### Exercice 3.3 : un modèle avec un nombre de paramètres donné
#
# Construisez un modèle Keras pour des images 28 × 28 qui sort 10 logits et qui a **exactement
# 101 770 paramètres entraînables**. Vérification : `dlcourse check keras_parametres`.

# %% tags=["exercise=keras_parametres"]
import keras


def construire_modele():
    """Un modèle pour des images (28, 28) float32 qui sort 10 logits, avec exactement 101 770
    paramètres entraînables, une couche cachée non linéaire et aucune activation en sortie.

    Renvoie : un keras.Model déjà construit (il commence par `keras.Input(shape=(28, 28))`).

    Indication : `keras.Sequential([keras.Input(...), keras.layers.Flatten(), keras.layers.Dense(...), ...])` ;
    avec u unités cachées, le modèle a (784 × u + u) + (u × 10 + 10) paramètres.
    """
    ### BEGIN SOLUTION
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),  # 784 × 128 + 128 = 100 480
        keras.layers.Dense(10),  # des logits (128 × 10 + 10 = 1 290) : la perte utilisera from_logits=True
    ])
    ### END SOLUTION

# %%
print(construire_modele().count_params())

# %% [markdown] minutes=5
# ## Résumé
#
# - TensorFlow exécute immédiatement (*eager*) ; `tf.function` compile en graphe pour aller plus vite.
# - Un tenseur a une forme, un dtype et un appareil ; `tf.cast` convertit, le broadcasting aligne les formes par la droite.
# - `tf.GradientTape` enregistre les calculs et donne les gradients ; `tape.watch` pour un tenseur qui n'est pas une variable.
# - Keras : `Sequential` pour une pile, l'API fonctionnelle pour un graphe, le sous-classement pour tout le reste ;
#   `compile` puis `fit`, avec des logits et `from_logits=True`.
#
# ## Quiz (dans un terminal : `dlcourse quiz 3`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(3)
