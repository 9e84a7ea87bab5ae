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
# # Chapitre 8 : Conclusion et perspectives
#
# **Objectifs du chapitre**
#
# - relier les notions des chapitres 1 à 7 dans une seule carte, avec leurs noms en PyTorch et en Keras ;
# - savoir où continuer : livres, cours, documentation, et comment passer de votre portable à un GPU,
#   puis à plusieurs GPU ou plusieurs machines ;
# - reconnaître les erreurs les plus fréquentes, les reproduire et les corriger.
#
# Ce chapitre n'a pas d'exercice vérifié : son quiz porte sur l'ensemble du cours (`dlcourse quiz 8`).

# %% tags=["parameters"]
FAST = False

# %% [markdown]
# Comme aux chapitres 4 et 5, ce notebook charge les deux frameworks dans le même processus. Si ce
# n'est pas déjà fait, lancez `dlcourse doctor` dans un terminal : il signale le paquet `triton`
# quand il empêche cette cohabitation (question 10 de la partie 8.3).

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
import tensorflow as tf
import keras

# De petits modèles : un seul fil de calcul par framework (à régler avant la première opération TensorFlow).
torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
torch.manual_seed(0)
keras.utils.set_random_seed(0)
plt.rcParams["figure.dpi"] = 90
pd.set_option("display.max_colwidth", 80)
dossier = Path(tempfile.mkdtemp(prefix="chapitre8-"))
print("PyTorch", torch.__version__, "| TensorFlow", tf.__version__, "| Keras", keras.__version__)

# %% [markdown] minutes=20
# ## 8.1 Résumé des concepts abordés
#
# Le cours a suivi le chemin de tout projet de Deep Learning :
#
# - **chapitre 1** : un réseau de neurones est une composition de couches linéaires et
#   d'activations non linéaires, ajustée par descente de gradient ; il apprend lui-même sa
#   représentation des données là où le Machine Learning classique la fait construire à la main ;
# - **chapitre 2** : un environnement virtuel, les deux frameworks, `dlcourse doctor`, Jupyter et TensorBoard ;
# - **chapitres 3 et 4** : tenseurs (forme, `dtype`, appareil), gradients automatiques, modèles
#   Keras et `nn.Module`, `fit` d'un côté, boucle écrite à la main de l'autre ;
# - **chapitre 5** : des fichiers bruts aux lots de tenseurs, des découpages honnêtes, la mise à
#   l'échelle apprise sur l'entraînement seulement, l'augmentation des images ;
# - **chapitre 6** : pertes, optimiseurs et métriques ; classification et régression dans les deux frameworks ;
# - **chapitre 7** : métriques d'évaluation, régularisation, apprentissage par transfert.
#
# Le tableau suivant met chaque notion en face de son nom dans les deux frameworks, et de la clé
# qui la règle dans une configuration `dlcourse` quand elle existe.

# %%
notions = [
    ("1", "couche dense (linéaire)", "nn.Linear(entrées, sorties)", "keras.layers.Dense(sorties)",
     "{type: dense, units: n}"),
    ("1", "activation non linéaire", "nn.ReLU(), torch.relu", "activation=\"relu\"", "activation: relu"),
    ("2", "appareils disponibles", "torch.cuda.is_available(), torch.backends.mps", "tf.config.list_physical_devices()",
     "runtime.device"),
    ("2", "journal pour TensorBoard", "torch.utils.tensorboard.SummaryWriter", "keras.callbacks.TensorBoard",
     "dossier tensorboard/ de chaque exécution"),
    ("3-4", "tenseur et conversion de type", "torch.tensor, x.to(torch.float32)", "tf.constant, tf.cast", ""),
    ("3-4", "images", "NCHW (canaux d'abord)", "NHWC (canaux à la fin)", "tableaux (n, h, w, c)"),
    ("3-4", "gradient automatique", "requires_grad, backward(), .grad", "tf.GradientTape, tape.gradient", ""),
    ("3-4", "modèle", "nn.Module (forward), nn.Sequential", "keras.Model (call), keras.Sequential", "model.layers"),
    ("3-4", "compilation en graphe", "torch.compile", "tf.function, jit_compile", "runtime.jit_compile"),
    ("5", "jeu de données et lots", "Dataset, DataLoader(shuffle=True)", "tf.data.Dataset .shuffle().batch()",
     "training.batch_size"),
    ("5", "mise à l'échelle", "statistiques de l'entraînement seul", "keras.layers.Normalization().adapt(x_train)",
     "data.scaling: standard"),
    ("5", "augmentation d'images", "torchvision.transforms.v2", "keras.layers.RandomFlip, RandomRotation…",
     "data.augment"),
    ("6", "perte de classification", "nn.CrossEntropyLoss() sur des logits",
     "SparseCategoricalCrossentropy(from_logits=True)", "loss: cross_entropy"),
    ("6", "perte de régression", "nn.MSELoss()", "keras.losses.MeanSquaredError()", "loss: mse"),
    ("6", "optimiseur", "torch.optim.Adam(model.parameters(), lr=1e-3)", "keras.optimizers.Adam(learning_rate=1e-3)",
     "optimizer: {name: adam, lr: 0.001}"),
    ("6", "boucle d'entraînement", "zero_grad, forward, perte, backward, step", "compile puis fit", "dlcourse train"),
    ("6", "mode évaluation", "model.eval() et torch.no_grad()", "model.predict(x), model(x, training=False)", ""),
    ("7", "précision, rappel, F1", "sklearn.metrics", "sklearn.metrics, metrics=[…]", "metrics.json, dlcourse evaluate"),
    ("7", "dropout", "nn.Dropout(p)", "keras.layers.Dropout(rate)", "{type: dropout, rate: p}"),
    ("7", "pénalité L2, weight decay", "torch.optim.AdamW(weight_decay=d)", "kernel_regularizer=L2(l), AdamW",
     "l2 sur une couche, optimizer.name: adamw"),
    ("7", "arrêt précoce", "à écrire dans la boucle", "keras.callbacks.EarlyStopping", "training.early_stopping"),
    ("7", "normalisation par lots", "nn.BatchNorm1d / nn.BatchNorm2d", "keras.layers.BatchNormalization",
     "{type: batch_norm}"),
    ("7", "convolution", "nn.Conv2d(c_entrée, c_sortie, k)", "keras.layers.Conv2D(c_sortie, k)", "{type: conv2d}"),
    ("7", "transfert : geler le tronc", "requires_grad_(False) et tronc.eval()", "tronc.trainable = False",
     "model.backbone.trainable: 0"),
    ("8", "précision mixte", "torch.autocast(..., dtype=torch.bfloat16)", "politique \"mixed_bfloat16\"",
     "runtime.precision"),
    ("8", "plusieurs processus ou appareils", "torchrun + DistributedDataParallel", "tf.distribute.MirroredStrategy",
     "runtime.distribution (TensorFlow)"),
]
resume = pd.DataFrame(notions, columns=["chapitre", "notion", "PyTorch", "TensorFlow / Keras", "config dlcourse"])
resume

# %% [markdown]
# Ces notions s'enchaînent toujours dans le même ordre, et l'on revient plusieurs fois en arrière :
# un modèle qui surapprend renvoie aux données (plus d'exemples, augmentation) ou au modèle
# (régularisation) ; une perte qui diverge renvoie à l'optimiseur.

# %%
etapes_cours = [
    ("Données\n(ch. 5)", "découper, mettre\nà l'échelle, lots"),
    ("Modèle\n(ch. 3 et 4)", "couches, logits,\nparamètres"),
    ("Entraînement\n(ch. 6)", "perte, optimiseur,\nboucle ou fit"),
    ("Évaluation\n(ch. 7.1)", "validation pour choisir,\ntest une seule fois"),
    ("Amélioration\n(ch. 7.2 et 7.3)", "régularisation,\ntransfert"),
]
couleurs = ["#c6dbef", "#c7e9c0", "#fdd0a2", "#dadaeb", "#fcbba1"]
fig, ax = plt.subplots(figsize=(12, 3.8))
ax.set_xlim(0, 10)
ax.set_ylim(0, 4)
ax.axis("off")
for i, ((titre, detail), couleur) in enumerate(zip(etapes_cours, couleurs)):
    x = 1 + 2 * i
    ax.text(x, 2.6, titre, ha="center", va="center", fontsize=10, weight="bold",
            bbox=dict(boxstyle="round,pad=0.5", facecolor=couleur, edgecolor="grey"))
    ax.text(x, 1.55, detail, ha="center", va="center", fontsize=8.5, color="dimgray")
    if i < len(etapes_cours) - 1:
        ax.annotate("", xy=(x + 1.3, 2.6), xytext=(x + 0.7, 2.6), arrowprops=dict(arrowstyle="->", lw=1.5))
ax.annotate("", xy=(1, 3.25), xytext=(9, 3.25),
            arrowprops=dict(arrowstyle="->", lw=1.2, color="tab:red", connectionstyle="arc3,rad=0.15"))
ax.text(5, 3.4, "itérer : surapprentissage, divergence, fuite de données…", ha="center", color="tab:red", fontsize=9)
ax.text(5, 0.45, "Environnement (ch. 1 et 2) : CPU, GPU, plusieurs machines (ch. 8), les mêmes notions en PyTorch "
        "et en Keras", ha="center", fontsize=9, bbox=dict(boxstyle="round,pad=0.4", facecolor="#f0f0f0",
                                                        edgecolor="none"))
ax.set_title("La carte du cours : le cycle d'un projet de Deep Learning")
plt.show()

# %% [markdown]
# ### Une configuration, deux frameworks
#
# Tout le cours tient dans un fichier de configuration `dlcourse` : données, découpage, mise à
# l'échelle, couches, perte, optimiseur, graine. Chaque valeur par défaut qui diffère entre les
# deux frameworks (initialisation des poids, ε d'Adam, taille de lot…) y est fixée explicitement,
# si bien qu'une même configuration décrit le même calcul en PyTorch et en Keras. Entraînons
# `digits_mlp` (le réseau du chapitre 6.2 sur les chiffres 8 × 8) avec chacun, depuis Python :

# %%
from dlcourse.config import load_config
from dlcourse.training.progress import make_reporter
from dlcourse.training.runner import run_experiment

epoques_demo = 5 if FAST else 30
executions = {}
for cadre in ("torch", "tensorflow"):
    config = load_config("digits_mlp", [f"training.epochs={epoques_demo}"])
    debut = time.perf_counter()
    executions[cadre] = run_experiment(config, cadre, dossier / "runs", make_reporter(quiet=True))
    print(f"{cadre:<10} {time.perf_counter() - debut:4.1f} s | exactitude de test "
          f"{executions[cadre].metrics['test']['accuracy']:.4f} | dossier {executions[cadre].path.name}")

historiques = {cadre: pd.read_csv(run.path / "history.csv") for cadre, run in executions.items()}
ecart = (historiques["torch"]["val_loss"] - historiques["tensorflow"]["val_loss"]).abs().max()
print(f"plus grand écart entre les pertes de validation des deux frameworks : {ecart:.1e}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for cadre, style, epaisseur, opacite in (("torch", "-", 5, 0.35), ("tensorflow", "--", 1.5, 1.0)):
    nom = "PyTorch" if cadre == "torch" else "Keras"
    h = historiques[cadre]
    axes[0].plot(h["epoch"], h["loss"], style, color="tab:blue", lw=epaisseur, alpha=opacite,
                 label=f"{nom}, entraînement")
    axes[0].plot(h["epoch"], h["val_loss"], style, color="tab:red", lw=epaisseur, alpha=opacite,
                 label=f"{nom}, validation")
    axes[1].plot(h["epoch"], h["val_accuracy"], style, color="tab:green", lw=epaisseur, alpha=opacite, label=nom)
axes[0].set_title("perte (trait épais : PyTorch, tirets : Keras)")
axes[1].set_title("exactitude de validation")
for ax in axes:
    ax.set_xlabel("époque")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
fig.suptitle("digits_mlp : la même configuration dans les deux frameworks")
fig.tight_layout()
plt.show()

# %% [markdown]
# Les courbes se superposent : les poids initiaux, l'ordre des lots et les hyperparamètres viennent
# de la même configuration et de la même graine. Chaque exécution a écrit un dossier complet
# (`config.yaml`, `history.csv`, `metrics.json`, le modèle au format natif, les journaux
# TensorBoard) ; `dlcourse compare digits_mlp` fait la même chose en ligne de commande, chaque
# framework dans son propre processus, et `dlcourse report` en tire une page HTML.

# %% [markdown] minutes=20
# ## 8.2 Ressources supplémentaires
#
# ### Livres
#
# | ressource | langue | à quoi elle sert |
# |---|---|---|
# | I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press, 2016 ([deeplearningbook.org](https://www.deeplearningbook.org), lisible en ligne) | anglais | la théorie : algèbre linéaire et probabilités utiles, optimisation, régularisation (chapitres 7 et 8), réseaux convolutifs et récurrents ; la référence pour comprendre *pourquoi* |
# | A. Zhang, Z. Lipton, M. Li, A. Smola, *Dive into Deep Learning* ([d2l.ai](https://d2l.ai)) | anglais (traductions partielles) | un livre exécutable : chaque notion codée depuis zéro, puis avec l'API du framework ; code en PyTorch, et pour une partie en TensorFlow et JAX |
# | F. Chollet, M. Watson, *Deep Learning with Python*, 3ᵉ édition, Manning, 2025 ([manning.com](https://www.manning.com/books/deep-learning-with-python-third-edition)) | anglais | le livre du créateur de Keras : pratique, peu de formules, Keras 3 au-dessus de TensorFlow, JAX ou PyTorch ; excellent sur la méthode de travail (le « flux de travail universel » du Machine Learning) |
# | S. Prince, *Understanding Deep Learning*, MIT Press, 2023 ([udlbook.github.io/udlbook](https://udlbook.github.io/udlbook/), PDF gratuit) | anglais | une théorie moderne et très illustrée, avec des notebooks d'exercices : transformers, modèles génératifs, pourquoi les grands réseaux généralisent |
#
# ### Cours
#
# | ressource | langue | à quoi elle sert |
# |---|---|---|
# | **FIDLE**, Formation d'Introduction au Deep Learning (CNRS, MIAI, Université Grenoble Alpes) ([fidle.cnrs.fr](https://fidle.cnrs.fr)) | **français** | gratuit et libre : séquences en direct et en vidéo, supports PDF et notebooks (Keras 3 et PyTorch), des bases jusqu'aux transformers et aux modèles génératifs ; la suite naturelle de ce cours en français |
# | fast.ai, *Practical Deep Learning for Coders* ([course.fast.ai](https://course.fast.ai), livre : [github.com/fastai/fastbook](https://github.com/fastai/fastbook)) | anglais | l'approche « du haut vers le bas » : des résultats d'abord, la théorie ensuite ; PyTorch et la bibliothèque fastai ; particulièrement utile pour le transfert et la recherche du taux d'apprentissage |
# | Stanford CS231n, *Deep Learning for Computer Vision* ([cs231n.github.io](https://cs231n.github.io)) | anglais | des notes de cours claires sur les réseaux convolutifs, l'initialisation, la normalisation et le débogage de l'entraînement |
# | Hugging Face Learn ([huggingface.co/learn](https://huggingface.co/learn)) | anglais | la suite après ce cours : transformers, modèles de langage, diffusion, avec des modèles pré-entraînés prêts à l'emploi |
#
# ### Documentation et guides pratiques
#
# | ressource | à quoi elle sert |
# |---|---|
# | tutoriels PyTorch ([pytorch.org/tutorials](https://pytorch.org/tutorials/)) et documentation ([pytorch.org/docs](https://pytorch.org/docs/stable/)) | la référence de chaque module (`nn`, `optim`, `utils.data`) ; les tutoriels « Learn the Basics » reprennent le chapitre 4 |
# | guides Keras ([keras.io/guides](https://keras.io/guides/)) et exemples ([keras.io/examples](https://keras.io/examples/)) | comment écrire un `fit` sur mesure, le transfert, des centaines d'exemples complets et courts |
# | tutoriels TensorFlow ([tensorflow.org/tutorials](https://www.tensorflow.org/tutorials)) | `tf.data`, `tf.function`, déploiement ; le guide de l'entraînement distribué ([tensorflow.org/guide/distributed_training](https://www.tensorflow.org/guide/distributed_training)) |
# | guide de l'utilisateur scikit-learn ([scikit-learn.org/stable/user_guide.html](https://scikit-learn.org/stable/user_guide.html)) | prétraitement, découpages, validation croisée et métriques ; lisez surtout la page « Common pitfalls » ([scikit-learn.org/stable/common_pitfalls.html](https://scikit-learn.org/stable/common_pitfalls.html)) sur la fuite de données |
# | A. Karpathy, « A Recipe for Training Neural Networks » ([karpathy.github.io/2019/04/25/recipe](http://karpathy.github.io/2019/04/25/recipe/)) | une méthode pour déboguer un entraînement : regarder les données, surapprendre d'abord un seul lot, n'ajouter qu'une chose à la fois |
# | Google Research, *Deep Learning Tuning Playbook* ([github.com/google-research/tuning_playbook](https://github.com/google-research/tuning_playbook)) | régler les hyperparamètres avec méthode : taille de lot, taux d'apprentissage, budget d'expériences |
#
# ### Suivre la recherche
#
# Les articles paraissent d'abord sur [arXiv](https://arxiv.org) (catégories cs.LG, cs.CV, cs.CL).
# Le site Papers with Code, qui reliait chaque article à son code et à ses résultats, a fermé en
# 2025 ; [Hugging Face Papers](https://huggingface.co/papers) a repris ce rôle (articles du jour,
# avec les modèles et le code associés).
#
# ### Et après ce cours ?
#
# Les briques vues ici (tenseurs, gradients, couches, pertes, optimiseurs, évaluation honnête) sont
# celles de tous les modèles récents. Les prochaines étapes naturelles : les réseaux récurrents et
# surtout les **transformers** (l'attention, à la base des modèles de langage), les **modèles
# génératifs** (autoencodeurs variationnels, diffusion), l'apprentissage **auto-supervisé**, et côté
# outils PyTorch Lightning ou Keras 3 avec le moteur JAX, ainsi que l'export des modèles
# (`torch.export`, ONNX, `model.export` de Keras) pour les mettre en production.
#
# ### Du portable aux GPU et à plusieurs machines
#
# Commencez toujours petit, sur votre portable : un sous-ensemble des données, quelques époques,
# jusqu'à ce que tout fonctionne (perte qui baisse, évaluation correcte). Passez ensuite au GPU, puis
# à plusieurs GPU seulement si une époque est vraiment trop longue. Ce que voit cette machine :

# %%
print("PyTorch    : CUDA", torch.cuda.is_available(), "| MPS (Apple)", torch.backends.mps.is_available())
print("TensorFlow : GPU", [g.name for g in tf.config.list_physical_devices("GPU")] or "aucun")
appareil = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
print("appareil choisi par --device auto :", appareil)

# %% [markdown]
# Avec `dlcourse`, la même configuration sert partout : seuls les réglages d'exécution (la section
# `runtime`) changent, en ligne de commande ou dans le fichier. Les commandes, dans un terminal
# (détails et pièges : `docs/du-portable-aux-gpu.md`) :
#
# | but | commande |
# |---|---|
# | choisir l'appareil | `dlcourse train mnist_cnn --device auto` (GPU CUDA, sinon MPS, sinon CPU), `--device cpu`, `cuda`, `mps` |
# | précision mixte | `--precision bf16` (calcul en bfloat16, poids en float32) ; `--precision 16-mixed` (float16 avec mise à l'échelle de la perte, GPU CUDA seulement) ; `--precision 32` par défaut |
# | PyTorch, plusieurs processus sur une machine | `torchrun --nproc_per_node=2 -m dlcourse train digits_mlp` (un processus par GPU, ou par part de CPU pour essayer) |
# | PyTorch, plusieurs machines | sur chacune : `torchrun --nnodes=2 --nproc_per_node=4 --rdzv-backend=c10d --rdzv-endpoint=machine1:29400 -m dlcourse train mnist_cnn` |
# | TensorFlow, les GPU d'une machine | `dlcourse train digits_mlp -f tensorflow --set runtime.distribution=mirrored` (ajoutez `--set runtime.cpu_replicas=2` pour essayer sur un portable) |
# | TensorFlow, plusieurs machines | `TF_CONFIG` sur chaque machine, puis `dlcourse train digits_mlp -f tensorflow --set runtime.distribution=multi_worker` |
# | reprendre une exécution distribuée | `torchrun --nproc_per_node=2 -m dlcourse train --resume RUN` |
#
# `--device` et `--precision` ne font que remplir `runtime.device` et `runtime.precision`. Voici les
# réglages de la section `runtime`, lus dans le schéma des configurations lui-même, puis une
# configuration chargée avec des surcharges, comme le ferait `--set` :

# %%
import typing

from dlcourse.config import RuntimeConfig


def valeurs_permises(annotation):
    """Le texte des valeurs qu'accepte un champ (les Literal sont énumérés)."""
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(map(str, typing.get_args(annotation)))
    membres = typing.get_args(annotation)
    if membres:
        return " ou ".join(valeurs_permises(m) for m in membres)
    return getattr(annotation, "__name__", str(annotation))


reglages = pd.DataFrame([(f"runtime.{nom}", valeurs_permises(champ.annotation), champ.default)
                         for nom, champ in RuntimeConfig.model_fields.items()],
                        columns=["clé", "valeurs permises", "par défaut"])
reglages

# %%
from dlcourse.errors import UserError

config = load_config("digits_mlp", ["runtime.distribution=mirrored", "runtime.cpu_replicas=2",
                                    "runtime.precision=bf16"])
print("runtime :", config.runtime)
try:
    load_config("digits_mlp", ["runtime.precision=fp16"])
except UserError as erreur:  # une valeur inconnue est refusée en une phrase, avant tout calcul
    print("refusé :", erreur)

# %% [markdown]
# **La précision mixte**, dans les deux frameworks : le calcul se fait en bfloat16, les poids restent
# en float32 (le bfloat16 garde l'étendue du float32 avec moins de chiffres significatifs, d'où
# l'absence de mise à l'échelle de la perte). Le gain de vitesse dépend du matériel : mesurez-le
# avant d'y croire, un processeur sans instructions bfloat16 peut même ralentir.

# %%
x_bf = torch.randn(4, 3)
couche_torch = nn.Linear(3, 2)
with torch.autocast("cpu", dtype=torch.bfloat16):
    sortie_bf16 = couche_torch(x_bf)
print("PyTorch : sortie", sortie_bf16.dtype, "| poids", couche_torch.weight.dtype,
      f"| écart avec le float32 : {(sortie_bf16.float() - couche_torch(x_bf)).abs().max().item():.1e}")

couche_keras = keras.layers.Dense(2, dtype="mixed_bfloat16")
sortie_keras = couche_keras(x_bf.numpy())
print("Keras   : sortie", sortie_keras.dtype.name, "| poids", couche_keras.kernel.dtype,
      "| politique", couche_keras.dtype_policy.name)

# %% [markdown]
# **Plusieurs processus.** `DistributedDataParallel` (PyTorch) et `MirroredStrategy` (TensorFlow)
# reposent sur la même idée : chaque processus (ou appareil) calcule les gradients sur **sa part** du
# mini-lot, puis les gradients sont moyennés entre tous (*all-reduce*) avant la mise à jour, de sorte
# que tous gardent les mêmes poids. Pour une perte moyenne sur le lot, la moyenne des gradients des
# deux moitiés est exactement le gradient du lot entier :

# %%
torch.manual_seed(0)
reseau = nn.Linear(64, 10)
x_lot, y_lot = torch.randn(64, 64), torch.randint(0, 10, (64,))


def gradients(x, y):
    reseau.zero_grad()
    nn.functional.cross_entropy(reseau(x), y).backward()
    return [p.grad.clone() for p in reseau.parameters()]


lot_entier = gradients(x_lot, y_lot)                                    # un seul processus, lot de 64
processus = [gradients(x_lot[:32], y_lot[:32]), gradients(x_lot[32:], y_lot[32:])]  # 2 processus, 32 chacun
moyenne = [(a + b) / 2 for a, b in zip(*processus)]                    # ce que fait l'all-reduce
print("plus grand écart :", max((g - m).abs().max().item() for g, m in zip(lot_entier, moyenne)))

# %% [markdown]
# C'est pourquoi `training.batch_size` reste, dans `dlcourse`, la taille **globale** du lot : avec
# N processus, chacun en calcule la N-ième partie, et le résultat est celui d'un seul processus
# (sous `torchrun`, une taille que N ne divise pas est refusée). Si vous gardez plutôt la même taille *par
# processus*, la taille globale est multipliée par N et le taux d'apprentissage doit en général être
# réajusté. Autres pièges : un processus qui meurt fait attendre les autres (`DLCOURSE_DIST_TIMEOUT`,
# en secondes, borne l'attente), le port du point de rendez-vous doit être ouvert entre les machines,
# et avec Keras 3 `model.fit` échoue sous `MultiWorkerMirroredStrategy`
# ([keras-team/keras#20585](https://github.com/keras-team/keras/issues/20585)) : `dlcourse` utilise
# alors sa propre boucle avec `strategy.run`. Pour aller plus loin : le tutoriel DDP de PyTorch
# ([pytorch.org/tutorials/intermediate/ddp_tutorial.html](https://pytorch.org/tutorials/intermediate/ddp_tutorial.html)),
# la page de `torchrun` ([pytorch.org/docs/stable/elastic/run.html](https://pytorch.org/docs/stable/elastic/run.html))
# et celle de la précision mixte automatique ([pytorch.org/docs/stable/amp.html](https://pytorch.org/docs/stable/amp.html)).

# %% [markdown] minutes=45
# ## 8.3 Questions et réponses
#
# Voici les questions que posent le plus souvent les personnes qui suivent ce cours. Quand c'est
# possible, une cellule reproduit l'erreur (capturée avec `try`/`except` pour que le notebook
# continue), puis la corrige.
#
# ### 1. « RuntimeError: mat1 and mat2 shapes cannot be multiplied »
#
# Une couche reçoit un tenseur d'une autre forme que celle qu'elle attend. Le cas le plus courant :
# des images `(n, 8, 8)` données à une couche dense qui attend des vecteurs de 64 valeurs, sans
# `Flatten` avant. Lisez le message : `(128x8 and 64x10)` signifie que PyTorch a vu 128 lignes de 8
# valeurs (16 images × 8 lignes de pixels) là où la couche attend 64 entrées.

# %%
images = torch.rand(16, 8, 8)
try:
    nn.Linear(64, 10)(images)
except RuntimeError as erreur:
    print("erreur :", erreur)
print("correction :", tuple(nn.Sequential(nn.Flatten(), nn.Linear(64, 10))(images).shape))
print("Keras, sans Flatten :", tuple(keras.layers.Dense(10)(images.numpy()).shape),
      "(aucune erreur : la couche s'applique au dernier axe seulement)")

# %% [markdown]
# Attention au dernier cas : Keras ne se plaint pas, il applique la couche dense à chaque ligne de
# pixels et renvoie `(16, 8, 10)`. L'erreur n'apparaît que plus loin, dans la perte, ou pas du tout.
# Le réflexe : afficher `x.shape` à chaque étape, `model.summary()` en Keras, `print(model)` en
# PyTorch, ou `dlcourse summary CONFIG` pour les formes de chaque couche dans les deux frameworks.
#
# ### 2. « mat1 and mat2 must have the same dtype » ou « expected a int32 tensor but is a float tensor »
#
# NumPy crée des `float64` par défaut, les couches travaillent en `float32` ; TensorFlow refuse aussi
# de mélanger entiers et flottants.

# %%
tableau = np.random.default_rng(0).random((4, 64))  # float64
try:
    nn.Linear(64, 10)(torch.from_numpy(tableau))
except RuntimeError as erreur:
    print("PyTorch :", erreur)
print("correction :", nn.Linear(64, 10)(torch.from_numpy(tableau).float()).dtype)
try:
    tf.constant([1, 2, 3]) + 0.5
except tf.errors.InvalidArgumentError as erreur:
    print("TensorFlow :", str(erreur).split("[Op")[0].strip())
print("correction :", tf.cast(tf.constant([1, 2, 3]), tf.float32) + 0.5)

# %% [markdown]
# ### 3. « IndexError: Target 10 is out of bounds » et les étiquettes
#
# Pour 10 classes, les pertes de classification attendent des étiquettes **entières de 0 à 9**. Des
# étiquettes numérotées de 1 à 10, des étiquettes en flottants ou déjà codées en *one-hot* avec une
# perte « sparse » provoquent trois erreurs différentes :

# %%
logits = torch.randn(4, 10)
for nom, etiquettes in [("de 1 à 10", torch.tensor([1, 2, 3, 10])), ("en flottants", torch.tensor([1.0, 2.0, 3.0, 4.0]))]:
    try:
        nn.CrossEntropyLoss()(logits, etiquettes)
    except (IndexError, RuntimeError) as erreur:
        print(f"PyTorch, étiquettes {nom} : {type(erreur).__name__}: {erreur}")
try:
    keras.losses.SparseCategoricalCrossentropy(from_logits=True)(np.eye(10)[[1, 2, 3, 4]], logits.numpy())
except ValueError as erreur:
    print("Keras, étiquettes one-hot avec une perte sparse :", str(erreur).splitlines()[0])
print("correction :", nn.CrossEntropyLoss()(logits, torch.tensor([1, 2, 3, 10]) - 1).item() > 0,
      "(étiquettes renumérotées de 0 à 9, en entiers)")

# %% [markdown]
# ### 4. « Ma perte baisse, mais reste élevée » : un softmax de trop
#
# `nn.CrossEntropyLoss` et `SparseCategoricalCrossentropy(from_logits=True)` appliquent eux-mêmes le
# softmax : le modèle doit sortir des **logits**. Ajouter un softmax avant eux n'est pas une erreur
# Python, mais la perte ne peut plus descendre vers 0 et les gradients s'affaiblissent. L'erreur
# inverse, des logits donnés à une perte Keras réglée pour des probabilités (`from_logits=False`, la
# valeur par défaut), donne une perte qui ne veut plus rien dire :

# %%
logits_surs = torch.tensor([[8.0, -3.0, 0.0]])  # le modèle est sûr de la classe 0, la bonne
classe = torch.tensor([0])
print(f"CrossEntropyLoss sur les logits          : {nn.CrossEntropyLoss()(logits_surs, classe).item():.4f}")
print(f"CrossEntropyLoss après un softmax de trop : "
      f"{nn.CrossEntropyLoss()(logits_surs.softmax(dim=1), classe).item():.4f}")
faux = keras.losses.SparseCategoricalCrossentropy()(np.array([0]), logits_surs.numpy())
print(f"Keras, logits avec from_logits=False      : {float(faux):.1e} (les logits sont pris pour des probabilités)")
juste = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([0]), logits_surs.numpy())
print(f"Keras, logits avec from_logits=True       : {float(juste):.4f} (la même valeur que PyTorch)")

# %% [markdown]
# ### 5. « Ma perte oscille au lieu de baisser » : `zero_grad` oublié
#
# En PyTorch, `backward()` **ajoute** les gradients à ceux déjà présents dans `.grad`. Sans
# `optimizer.zero_grad()` à chaque pas, chaque mise à jour utilise la somme de tous les gradients
# passés : l'entraînement oscille, ou diverge. Keras n'a pas ce piège (`fit` et `GradientTape`
# calculent un gradient neuf à chaque pas).

# %%
torch.manual_seed(0)
x_droite = torch.randn(100, 1)
y_droite = 3 * x_droite + 1
pas = 40 if FAST else 80
courbes = {}
for avec_zero_grad in (True, False):
    droite = nn.Linear(1, 1)
    optimiseur = torch.optim.SGD(droite.parameters(), lr=0.05)
    pertes = []
    for _ in range(pas):
        if avec_zero_grad:
            optimiseur.zero_grad()
        perte = nn.functional.mse_loss(droite(x_droite), y_droite)
        perte.backward()
        optimiseur.step()
        pertes.append(perte.item())
    courbes["avec zero_grad()" if avec_zero_grad else "sans zero_grad()"] = pertes
    print(f"{'avec' if avec_zero_grad else 'sans'} zero_grad : perte finale {pertes[-1]:.4f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
for nom, pertes in courbes.items():
    ax.plot(pertes, label=nom)
ax.set_yscale("log")
ax.set_xlabel("pas")
ax.set_ylabel("perte (échelle log)")
ax.set_title("Régression y = 3x + 1, SGD lr = 0,05")
ax.legend()
plt.show()

# %% [markdown]
# ### 6. « Mes prédictions changent à chaque appel » : `model.eval()` oublié
#
# Le dropout et la normalisation par lots se comportent différemment pendant l'entraînement et à
# l'évaluation. En PyTorch, c'est le mode du module qui décide (`model.train()` / `model.eval()`) ;
# en Keras, l'argument `training` (que `fit` règle pour vous, et `predict` met à `False`).

# %%
torch.manual_seed(0)
avec_dropout = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
entree = torch.ones(1, 4)
avec_dropout.train()
print("mode entraînement :", [round(avec_dropout(entree).item(), 3) for _ in range(3)])
avec_dropout.eval()
with torch.no_grad():
    print("mode évaluation   :", [round(avec_dropout(entree).item(), 3) for _ in range(3)])
dropout_keras = keras.layers.Dropout(0.5)
print("Keras, training=True  :", dropout_keras(np.ones((1, 6), "float32"), training=True).numpy())
print("Keras, training=False :", dropout_keras(np.ones((1, 6), "float32"), training=False).numpy())

# %% [markdown]
# ### 7. « Mon score de test est excellent… trop excellent » : la fuite de données
#
# Quelque chose du jeu de test a servi à entraîner ou à choisir le modèle (chapitre 5.2) : une
# mise à l'échelle ou une sélection de variables calculée sur toutes les données, des doublons ou
# des images d'une même personne de part et d'autre du découpage, des hyperparamètres choisis en
# regardant le test. Les règles : découper **d'abord** ; apprendre toute statistique (moyenne,
# écart-type, médiane, catégories) sur l'entraînement seul, dans un `Pipeline` scikit-learn pour la
# validation croisée ; choisir sur la validation ; regarder le test **une seule fois**, à la fin.
# `dlcourse` applique ces règles : la mise à l'échelle et l'imputation sont apprises sur la part
# d'entraînement et enregistrées dans `preprocessing.json`.
#
# ### 8. « La perte d'entraînement baisse, celle de validation remonte » : le surapprentissage
#
# Le modèle apprend par cœur l'entraînement. Dans l'ordre (chapitre 7) : plus de données ou
# d'augmentation (`data.augment`), un modèle plus petit, du dropout (`{type: dropout, rate: 0.3}`),
# une pénalité L2 (`l2` sur une couche) ou du weight decay (`optimizer.name: adamw`), l'arrêt
# précoce (`training.early_stopping`), le transfert depuis un modèle pré-entraîné quand les
# exemples sont rares. `dlcourse experiment regularization digits_cnn` compare toutes ces techniques
# sur un même modèle qui surapprend. À l'inverse, si les deux pertes restent hautes, le modèle est
# trop simple ou trop peu entraîné (sous-apprentissage).
#
# ### 9. « La perte devient NaN »
#
# Le plus souvent, un taux d'apprentissage trop grand pour l'échelle des données : chaque pas
# dépasse le minimum, les poids grandissent, la perte devient infinie puis `nan`. Ici, des surfaces
# de logements en m² (de 20 à 200) et des prix en euros, sans mise à l'échelle :

# %%
rng = np.random.default_rng(0)
surfaces = rng.uniform(20, 200, (200, 1)).astype("float32")
prix = (3000 * surfaces + rng.normal(0, 2e4, (200, 1))).astype("float32")


def entrainer_droite(x, y, lr=0.01, pas=30):
    modele = nn.Linear(1, 1)
    optimiseur = torch.optim.SGD(modele.parameters(), lr=lr)
    pertes = []
    for _ in range(pas):
        optimiseur.zero_grad()
        perte = nn.functional.mse_loss(modele(x), y)
        perte.backward()
        optimiseur.step()
        pertes.append(perte.item())
    return pertes


brut = entrainer_droite(torch.from_numpy(surfaces), torch.from_numpy(prix))
standard = entrainer_droite(torch.from_numpy((surfaces - surfaces.mean()) / surfaces.std()),
                            torch.from_numpy((prix - prix.mean()) / prix.std()))
print("données brutes       :", [f"{p:.1e}" for p in brut[:6]], "…", brut[-1])
print(f"données standardisées : {standard[0]:.3f} -> {standard[-1]:.3f}")
print("premier pas non fini :", next(i for i, p in enumerate(brut) if not np.isfinite(p)))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot([p if np.isfinite(p) else np.nan for p in brut], label="données brutes (puis inf, nan)")
ax.plot(standard, label="données standardisées")
ax.set_yscale("log")
ax.set_xlabel("pas")
ax.set_ylabel("perte (échelle log)")
ax.set_title("Même SGD (lr = 0,01), deux échelles de données")
ax.legend()
plt.show()

# %% [markdown]
# Les remèdes : mettre les entrées (et pour une régression la cible) à l'échelle, baisser le taux
# d'apprentissage (`dlcourse lr-find CONFIG` en propose un), limiter la norme des gradients
# (`torch.nn.utils.clip_grad_norm_`, `global_clipnorm` dans un optimiseur Keras, `training.clip_norm`
# dans une configuration), calculer la perte sur des logits plutôt que `log(softmax(...))` à la main
# (`log(0)` vaut `-inf`), vérifier les données (`np.isnan(x).any()`). `dlcourse train` arrête une
# exécution dont la perte n'est plus finie, avec l'époque, le pas et le taux d'apprentissage, et
# garde le dernier point de contrôle valide (`status.json` : `diverged`) ; des données qui
# contiennent des NaN sont refusées avant l'entraînement.
#
# ### 10. « Le noyau plante quand j'utilise TensorFlow puis PyTorch »
#
# Sous Linux, le paquet `triton` (installé avec PyTorch, il ne sert qu'à `torch.compile` sur un GPU
# NVIDIA) fait planter un processus qui a chargé TensorFlow avant lui, dès qu'un optimiseur PyTorch
# est créé. `dlcourse doctor` le détecte et donne la commande qui le retire ; sur une machine sans
# GPU NVIDIA, on peut le retirer sans rien perdre. Sinon, gardez un framework par notebook ou par
# processus (ce que font `dlcourse demo` et `dlcourse compare`).

# %%
from dlcourse.frameworks import UNINSTALL_TRITON, triton_installed

if triton_installed():
    print("triton est installé : les deux frameworks ne peuvent pas partager un processus qui charge "
          "TensorFlow d'abord. Sans GPU NVIDIA :", UNINSTALL_TRITON)
else:
    print("triton est absent : TensorFlow et PyTorch partagent ce processus dans n'importe quel ordre.")

# %% [markdown]
# ### 11. « Le même modèle donne des résultats différents en PyTorch et en Keras »
#
# Les valeurs par défaut diffèrent : initialisation des poids, ε d'Adam, taille de lot de `fit`,
# rangement des poids, entrée attendue par l'entropie croisée… `dlcourse explain-defaults` les
# liste toutes ; le même tableau est accessible depuis Python :

# %%
from dlcourse.defaults import DIFFERENCES

pd.DataFrame(DIFFERENCES, columns=["élément", "Keras 3", "PyTorch", "ce que fixe dlcourse"]).head(8)

# %% [markdown]
# ### 12. « Mes résultats changent à chaque exécution »
#
# Fixez les graines : `torch.manual_seed(0)` en PyTorch, `keras.utils.set_random_seed(0)` en Keras
# (Python, NumPy et TensorFlow d'un coup), `random_state=0` dans scikit-learn, et un générateur pour le
# mélange du `DataLoader`. Sur un GPU, certaines opérations restent non déterministes
# (`torch.use_deterministic_algorithms(True)`, `tf.config.experimental.enable_op_determinism()` les
# rendent reproductibles, au prix de la vitesse). Surtout : une différence d'un point d'exactitude
# entre deux graines est souvent du bruit. Comparez des moyennes sur plusieurs graines avant de conclure.
#
# ### 13. « CUDA out of memory »
#
# Le GPU n'a plus de mémoire pour le lot courant. Baissez `training.batch_size` (et le taux
# d'apprentissage avec), passez en précision mixte (`--precision bf16` ou `16-mixed`), évaluez sous
# `torch.no_grad()`, et ne gardez pas de tenseurs du graphe dans une liste (`perte.item()` plutôt que
# `perte`). `nvidia-smi` montre qui occupe la mémoire du GPU.

# %% [markdown] minutes=5
# ## Résumé
#
# - Le cycle d'un projet : données (découper d'abord, statistiques de l'entraînement seul), modèle
#   qui sort des logits, perte et optimiseur, évaluation honnête (validation pour choisir, test une
#   fois), amélioration (régularisation, transfert), puis on recommence.
# - PyTorch et Keras expriment les mêmes notions ; leurs valeurs par défaut diffèrent, et une
#   configuration qui les fixe toutes donne le même calcul dans les deux.
# - Pour changer d'échelle : `--device`, `--precision`, `torchrun` pour PyTorch,
#   `runtime.distribution` pour TensorFlow ; la taille de lot reste globale.
# - Devant une erreur : lire les formes et les types, vérifier les étiquettes, des logits pour la
#   perte, `zero_grad` et `eval`, mettre les données à l'échelle, et `dlcourse doctor`.
# - Pour continuer : FIDLE en français, *Dive into Deep Learning*, Chollet, fast.ai, Goodfellow et al.
#
# ## Quiz (dans un terminal : `dlcourse quiz 8`)

# %%
from dlcourse.lessons.quiz import load_quiz

load_quiz(8)
