"""Exercice 3.3 : un modèle Keras avec un nombre de paramètres donné.

Vérifie : dlcourse check keras_parametres CE_FICHIER.py
"""

import keras


def construire_modele():
    """Modèle pour des images (28, 28) float32 -> 10 logits, exactement 101 770 paramètres entraînables.

    Renvoie : un keras.Model déjà construit (commence par keras.Input(shape=(28, 28))).
    """
    # TODO : keras.Sequential([keras.Input(...), keras.layers.Flatten(), keras.layers.Dense(...), ...])
    # Combien d'unités cachées donnent 101 770 paramètres ? (784 × u + u) + (u × 10 + 10)
    raise NotImplementedError


if __name__ == "__main__":
    construire_modele().summary()
