"""Exercice 3.3 : solution de référence."""

import keras


def construire_modele():
    """Images (28, 28) -> 10 logits ; 784*128 + 128 + 128*10 + 10 = 101 770 paramètres."""
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10),  # des logits : la perte utilisera from_logits=True
    ])
