"""Wrong answers for chapter 7's exercises (collected by tests/lessons/test_exercises.py).

``BANK[exercise] = [(name, code, pieces the French report must contain), ...]``: each entry must fail.
"""

BANK = {
    "evaluation_confusion": [
        ("rows and columns swapped, so the recall is the precision", """
            import torch
            def matrice_confusion(etiquettes, sorties):
                k = sorties.shape[1]
                predites = sorties.argmax(dim=1)
                return torch.bincount(predites * k + etiquettes, minlength=k * k).reshape(k, k)
            def rappel_par_classe(etiquettes, sorties):
                m = matrice_confusion(etiquettes, sorties)
                return (torch.diagonal(m) / m.sum(dim=1).clamp(min=1)).float()
            """, ["lignes et colonnes sont inversées", "calcule la précision"]),
        ("argmax over the examples, accuracy instead of recall", """
            import tensorflow as tf
            def matrice_confusion(etiquettes, sorties):
                k = sorties.shape[1]
                predites = tf.argmax(sorties, axis=0)
                return tf.math.confusion_matrix(etiquettes, predites, num_classes=k)
            def rappel_par_classe(etiquettes, sorties):
                k = sorties.shape[1]
                predites = tf.argmax(sorties, axis=1)
                justes = tf.reduce_mean(tf.cast(tf.equal(predites, etiquettes), tf.float32))
                return tf.fill([k], justes)
            """, ["l'appel de « matrice_confusion » a levé une erreur", "l'exactitude globale"]),
        ("the fixed case's results pasted as constants", """
            import torch
            def matrice_confusion(etiquettes, sorties):
                return torch.tensor([[1, 1, 0, 1], [1, 3, 0, 0], [2, 1, 0, 0], [0, 0, 0, 0]])
            def rappel_par_classe(etiquettes, sorties):
                return torch.tensor([1 / 3, 0.75, 0.0, 0.0])
            """, ["matrice_confusion est juste sur l'exemple fixe mais pas sur des entrées tirées au hasard",
                  "rappel_par_classe est juste sur l'exemple fixe mais pas"]),
        ("a hand-written result that ignores the inputs", """
            import tensorflow as tf
            def matrice_confusion(etiquettes, sorties):
                k = sorties.shape[1]
                n = etiquettes.shape[0]
                return tf.eye(k, dtype=tf.int64) * (n // k)
            def rappel_par_classe(etiquettes, sorties):
                return tf.ones([sorties.shape[1]], tf.float32)
            """, ["la somme des cases vaut", "ne sont pas le rappel de leur classe"]),
        ("0 / 0 for a class without examples", """
            import torch
            def matrice_confusion(etiquettes, sorties):
                k = sorties.shape[1]
                cases = etiquettes * k + sorties.argmax(dim=1)
                return torch.bincount(cases, minlength=k * k).reshape(k, k)
            def rappel_par_classe(etiquettes, sorties):
                m = matrice_confusion(etiquettes, sorties).float()
                return torch.diagonal(m) / m.sum(dim=1)
            """, ["valeurs non finies", "clamp(min=1)"]),
    ],
    "evaluation_cnn": [
        ("missing flatten before the dense head", """
            from torch import nn
            def construire_cnn():
                return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Linear(2, 10))
            """, ["il manque l'aplatissement", "nn.Flatten()"]),
        ("softmax output", """
            import keras
            def construire_cnn():
                return keras.Sequential([keras.Input(shape=(8, 8, 1)),
                                         keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                                         keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                                         keras.layers.Dense(10, activation="softmax")])
            """, ["se termine par une softmax", "from_logits=True"]),
        ("no convolution: a perceptron", """
            from torch import nn
            def construire_cnn():
                return nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
            """, ["aucune couche de convolution"]),
        ("no activation, no pooling", """
            import keras
            def construire_cnn():
                return keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(8, 3),
                                         keras.layers.Flatten(), keras.layers.Dense(10)])
            """, ["aucune fonction d'activation", "ne réduit jamais"]),
        ("missing flatten in Keras", """
            import keras
            def construire_cnn():
                return keras.Sequential([keras.Input(shape=(8, 8, 1)),
                                         keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                                         keras.layers.MaxPooling2D(2), keras.layers.Dense(10)])
            """, ["il manque l'aplatissement", "keras.layers.Flatten()"]),
        ("the lesson's CNN copied: too many parameters", """
            from torch import nn
            def construire_cnn():
                return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
            """, ["13 706 paramètres entraînables", "la consigne en permet au plus 8 000"]),
        ("an output that ignores the image", """
            import torch
            from torch import nn
            class Reseau(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.corps = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                               nn.Flatten(), nn.Linear(128, 10))
                def forward(self, x):
                    return self.corps(torch.zeros_like(x))
            def construire_cnn():
                return Reseau()
            """, ["sort la même chose pour toutes les images"]),
    ],
    "evaluation_geler": [
        ("frozen backbone left in training mode", """
            import torch
            from torch import nn
            def geler(backbone, n_classes):
                for p in backbone.parameters():
                    p.requires_grad_(False)
                return nn.Sequential(backbone, nn.LazyLinear(n_classes))
            """, ["statistiques de normalisation par lots", "resté en mode entraînement"]),
        ("a batch through the backbone in training mode to read d", """
            import torch
            from torch import nn
            def geler(backbone, n_classes):
                for p in backbone.parameters():
                    p.requires_grad_(False)
                d = backbone(torch.rand(4, 1, 8, 8)).shape[1]
                backbone.eval()
                return nn.Sequential(backbone, nn.Linear(d, n_classes))
            """, ["geler modifie les statistiques de normalisation", "backbone.eval()"]),
        ("backbone.eval() undone by model.train()", """
            import torch
            from torch import nn
            def geler(backbone, n_classes):
                for p in backbone.parameters():
                    p.requires_grad_(False)
                backbone.eval()
                with torch.no_grad():
                    d = backbone(torch.zeros(2, 1, 8, 8)).shape[1]
                return nn.Sequential(backbone, nn.Linear(d, n_classes))
            """, ["statistiques de normalisation par lots", "modele.train(), qu'appelle toute boucle"]),
        ("nothing frozen", """
            import torch
            from torch import nn
            def geler(backbone, n_classes):
                backbone.eval()
                with torch.no_grad():
                    d = backbone(torch.zeros(2, 1, 8, 8)).shape[1]
                return nn.Sequential(backbone, nn.Linear(d, n_classes))
            """, ["plus que la seule nouvelle tête", "requires_grad_(False)"]),
        ("Keras: trainable=False forgotten", """
            import keras
            def geler(backbone, n_classes):
                entree = keras.Input(shape=(8, 8, 1))
                return keras.Model(entree, keras.layers.Dense(n_classes)(backbone(entree, training=False)))
            """, ["plus que la seule nouvelle tête", "backbone.trainable = False"]),
        ("Keras: a hidden layer and a softmax in the head", """
            import keras
            def geler(backbone, n_classes):
                backbone.trainable = False
                return keras.Sequential([backbone, keras.layers.Dense(32, activation="relu"),
                                         keras.layers.Dense(n_classes, activation="softmax")])
            """, ["se termine par une softmax"]),
        ("Keras: only the convolution frozen", """
            import keras
            def geler(backbone, n_classes):
                for couche in backbone.layers:
                    if isinstance(couche, keras.layers.Conv2D):
                        couche.trainable = False
                return keras.Sequential([backbone, keras.layers.Dense(n_classes)])
            """, ["plus que la seule nouvelle tête"]),
        ("a head on the raw pixels, the backbone ignored", """
            from torch import nn
            def geler(backbone, n_classes):
                return nn.Sequential(nn.Flatten(), nn.Linear(64, n_classes))
            """, ["n'est pas une couche dense appliquée aux caractéristiques du backbone"]),
    ],
}
