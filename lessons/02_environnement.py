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
# # Chapitre 2 : Environnement de développement
#
# **Objectifs du chapitre**
#
# - installer TensorFlow et PyTorch selon sa machine (CPU, GPU NVIDIA, Mac à puce Apple) ;
# - vérifier l'installation avec `dlcourse doctor` et depuis Python ;
# - connaître les outils qui les accompagnent : Jupyter, TensorBoard, scikit-learn, matplotlib.

# %% tags=["parameters"]
FAST = False

# %% [markdown] minutes=5
# ## Un environnement virtuel par projet
#
# Chaque projet a son propre environnement Python, pour que les versions des bibliothèques
# d'un projet ne cassent pas celles d'un autre :
#
# ```bash
# python3 -m venv .venv                # crée l'environnement dans le dossier .venv
# source .venv/bin/activate            # Windows : .venv\Scripts\activate
# python -m pip install --upgrade pip
# ```
#
# Pour ce cours, `pip install -e ".[all]"` (ou simplement `make demo`) installe tout : les deux
# frameworks, les outils des leçons et `dlcourse`.

# %% [markdown] minutes=5
# ## 2.1 Installation de TensorFlow
#
# | machine | commande | remarque |
# |---|---|---|
# | Linux, Windows, macOS, CPU | `pip install tensorflow` | Keras 3 est installé avec |
# | Linux + GPU NVIDIA | `pip install "tensorflow[and-cuda]"` | installe CUDA et cuDNN par pip ; il faut un pilote NVIDIA récent |
# | Windows + GPU NVIDIA | passer par WSL2 (Ubuntu), puis la ligne précédente | le GPU n'est plus pris en charge en natif depuis TensorFlow 2.11 |
# | Mac à puce Apple (M1 à M4) | `pip install tensorflow tensorflow-metal` | le greffon Metal donne accès au GPU |
#
# Keras 3 peut fonctionner au-dessus de TensorFlow, de JAX ou de PyTorch ; la variable d'environnement
# `KERAS_BACKEND` choisit (ici `tensorflow`, la valeur par défaut).

# %% [markdown] minutes=5
# ## 2.2 Installation de PyTorch
#
# | machine | commande | remarque |
# |---|---|---|
# | Linux ou Windows, CPU seulement | `pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu` | roues sans CUDA, bien plus légères |
# | Linux ou Windows + GPU NVIDIA | `pip install torch torchvision` (Linux) ou l'index `.../whl/cu126` indiqué sur pytorch.org | les bibliothèques CUDA sont incluses ; seul le pilote est requis |
# | macOS (puce Apple) | `pip install torch torchvision` | le GPU est accessible sous le nom `mps` |
#
# Le sélecteur de la page « Get Started » de pytorch.org donne la commande exacte pour chaque
# combinaison (système, gestionnaire de paquets, version de CUDA).

# %% [markdown] minutes=10
# ## Vérifier l'installation
#
# Les versions installées se lisent dans les métadonnées des paquets, sans importer les
# bibliothèques (ce qui prend plusieurs secondes pour TensorFlow) :

# %%
from importlib import metadata

for paquet in ["tensorflow", "keras", "torch", "torchvision", "scikit-learn", "numpy", "matplotlib",
               "tensorboard", "jupytext", "dlcourse"]:
    try:
        print(f"{paquet:<13} {metadata.version(paquet)}")
    except metadata.PackageNotFoundError:
        print(f"{paquet:<13} non installé")

# %% [markdown]
# `dlcourse doctor` va plus loin : il importe chaque framework dans son propre processus, mesure le
# temps d'import, détecte les GPU et propose une correction pour chaque problème. On le lance
# normalement dans un terminal ; ici depuis le notebook, avec `subprocess`.

# %% tags=["demo"] minutes=5 demo="dlcourse doctor, lancé depuis le notebook"
import subprocess
import sys

import os

resultat = subprocess.run([sys.executable, "-m", "dlcourse", "doctor", "--skip-training"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "110"})
print(resultat.stdout[-4000:])
print("code de sortie :", resultat.returncode)
if resultat.returncode != 0:
    print(resultat.stderr[-2000:])

# %% [markdown]
# ### Les deux frameworks dans le même programme
#
# Ce notebook (comme le chapitre 4) utilise les deux frameworks dans un même processus, dans
# n'importe quel ordre. Un piège connu sous Linux : le paquet `triton`, installé avec PyTorch, ne sert
# qu'à `torch.compile` sur un GPU NVIDIA, mais sa bibliothèque native, chargée après celle de
# TensorFlow, fait planter le processus (erreur de segmentation) au premier pas d'un optimiseur
# PyTorch. `dlcourse doctor` le détecte et affiche la commande qui le retire sur une machine sans GPU.

# %%
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # moins de messages de TensorFlow au démarrage

import torch
import tensorflow as tf
import keras

print("PyTorch", torch.__version__, "| TensorFlow", tf.__version__, "| Keras", keras.__version__,
      "| backend Keras :", keras.backend.backend())

# %% [markdown]
# ### Quel matériel chaque framework voit-il ?

# %%
print("PyTorch : CUDA disponible ?", torch.cuda.is_available(),
      "| MPS (Apple) disponible ?", torch.backends.mps.is_available(),
      "| fils de calcul CPU :", torch.get_num_threads())
print("TensorFlow : appareils physiques", [d.device_type + ":" + d.name.split(":")[-1]
                                          for d in tf.config.list_physical_devices()])

if torch.cuda.is_available():
    appareil = torch.device("cuda")
elif torch.backends.mps.is_available():
    appareil = torch.device("mps")
else:
    appareil = torch.device("cpu")
print("PyTorch utilisera :", appareil)

# %% [markdown]
# Le code d'un cours doit fonctionner partout : on choisit l'appareil une fois, comme ci-dessus, puis
# on y place modèles et tenseurs (`.to(appareil)`). TensorFlow place les opérations tout seul sur le
# GPU quand il en voit un ; `with tf.device("/CPU:0"):` force un appareil.
#
# Un petit test de performance : une multiplication de matrices dans chaque framework.

# %%
import time

n = 256 if FAST else 1024
a_torch = torch.randn(n, n, device=appareil)
a_tf = tf.random.normal((n, n))
for nom, calcul in [("PyTorch", lambda: (a_torch @ a_torch).sum().item()),
                    ("TensorFlow", lambda: float(tf.reduce_sum(a_tf @ a_tf)))]:
    calcul()  # une première fois pour « chauffer »
    debut = time.perf_counter()
    for _ in range(5):
        calcul()
    duree = (time.perf_counter() - debut) / 5
    print(f"{nom:<11} produit de deux matrices {n}×{n} : {duree * 1000:.1f} ms "
          f"({2 * n ** 3 / duree / 1e9:.1f} GFLOP/s)")

# %% [markdown] minutes=10
# ## 2.3 Outils et bibliothèques nécessaires
#
# | outil | rôle | dans ce cours |
# |---|---|---|
# | **Jupyter** (JupyterLab, VS Code) | notebooks : code, texte et figures mêlés | les leçons (`dlcourse lessons open N`) |
# | **NumPy** | tableaux et calcul numérique | l'échange de données entre tout le reste |
# | **pandas** | tableaux de données étiquetés | historiques d'entraînement (`history.csv`) |
# | **scikit-learn** | jeux de données, découpage, prétraitement, métriques, modèles classiques | `make_moons`, `train_test_split`, métriques finales |
# | **matplotlib** | figures | toutes les courbes et images des leçons |
# | **TensorBoard** | tableau de bord de l'entraînement dans le navigateur | ci-dessous |
#
# ### TensorBoard avec les deux frameworks
#
# TensorBoard lit des **journaux d'événements** écrits pendant l'entraînement. Keras les écrit avec
# le callback `keras.callbacks.TensorBoard(log_dir=...)` passé à `fit` ; PyTorch avec
# `torch.utils.tensorboard.SummaryWriter`. Écrivons une courbe factice avec chacun, dans un dossier
# temporaire :

# %%
import tempfile
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

journaux = Path(tempfile.mkdtemp(prefix="journaux-"))
etapes = 20 if FAST else 100
courbe = [2.0 * 0.95 ** k + 0.05 for k in range(etapes)]

with SummaryWriter(log_dir=str(journaux / "pytorch")) as ecrivain:  # PyTorch
    for k, valeur in enumerate(courbe):
        ecrivain.add_scalar("perte", valeur, k)

ecrivain_tf = tf.summary.create_file_writer(str(journaux / "tensorflow"))  # TensorFlow
with ecrivain_tf.as_default():
    for k, valeur in enumerate(courbe):
        tf.summary.scalar("perte", valeur, step=k)
ecrivain_tf.flush()

for fichier in sorted(journaux.rglob("events.*")):
    print(fichier.relative_to(journaux), f"{fichier.stat().st_size} octets")

# %% [markdown]
# Dans un terminal, `tensorboard --logdir <dossier>` sert ces journaux sur http://localhost:6006.
# On peut aussi les relire en Python, ce que fait TensorBoard, et tracer la courbe avec matplotlib :

# %%
import matplotlib.pyplot as plt
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

lecteur = EventAccumulator(str(journaux / "pytorch"))
lecteur.Reload()
points = lecteur.Scalars("perte")
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot([p.step for p in points], [p.value for p in points], marker=".")
ax.set_xlabel("étape")
ax.set_ylabel("perte")
ax.set_title("Courbe relue depuis le journal TensorBoard écrit par PyTorch")
plt.show()

# %% [markdown] minutes=5
# ## Résumé
#
# - Un environnement virtuel par projet ; `pip install tensorflow` et `pip install torch` pour le CPU,
#   avec les variantes CUDA (`tensorflow[and-cuda]`, index CUDA de PyTorch) et Apple (`tensorflow-metal`, `mps`).
# - `dlcourse doctor` vérifie tout et dit comment corriger.
# - Les deux frameworks cohabitent dans un même processus ; sur une machine sans GPU NVIDIA, retirez
#   `triton` comme l'indique `dlcourse doctor`.
# - Jupyter pour les leçons, TensorBoard pour suivre un entraînement, scikit-learn et matplotlib
#   pour les données, les métriques et les figures.
#
# ## Quiz (dans un terminal : `dlcourse quiz 2`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(2)
