"""Typical wrong answers to the chapter 6 exercises: each must fail with these pieces in its French report.

Collected by tests/lessons/test_exercises.py (``BANK``: exercise -> [(name, code, pieces)]).
"""

BANK = {
    "entrainement_metriques": [
        ("argmax over the examples axis", """
            import torch
            def scores_par_classe(etiquettes, logits):
                y, z = torch.as_tensor(etiquettes), torch.as_tensor(logits)
                classes = torch.arange(z.shape[1])
                predit = z.argmax(dim=0)[:, None] == classes
                vrai = y[:, None] == classes
                vp = (predit & vrai).sum(dim=0).float()
                p = vp / predit.sum(dim=0).clamp(min=1)
                r = vp / vrai.sum(dim=0).clamp(min=1)
                f = torch.where(p + r > 0, 2 * p * r / (p + r).clamp(min=1e-12), torch.zeros_like(p))
                return p, r, f
            def f1_macro(etiquettes, logits):
                return scores_par_classe(etiquettes, logits)[2].mean().item()
            """, ["mauvais axe", "argmax(dim=1)"]),
        ("plain division: nan for a class never predicted", """
            import tensorflow as tf
            def scores_par_classe(etiquettes, logits):
                k = logits.shape[1]
                predites = tf.argmax(logits, axis=1)
                m = tf.cast(tf.math.confusion_matrix(etiquettes, predites, num_classes=k), tf.float32)
                vp = tf.linalg.diag_part(m)
                p = vp / tf.reduce_sum(m, axis=0)
                r = vp / tf.reduce_sum(m, axis=1)
                return p, r, 2 * p * r / (p + r)
            def f1_macro(etiquettes, logits):
                return float(tf.reduce_mean(scores_par_classe(etiquettes, logits)[2]))
            """, ["renvoie nan", "divide_no_nan"]),
        ("micro average (the accuracy) for the macro F1", """
            import torch
            def scores_par_classe(etiquettes, logits):
                y, z = torch.as_tensor(etiquettes), torch.as_tensor(logits)
                classes = torch.arange(z.shape[1])
                predit = z.argmax(dim=1)[:, None] == classes
                vrai = y[:, None] == classes
                vp = (predit & vrai).sum(dim=0).float()
                p = vp / predit.sum(dim=0).clamp(min=1)
                r = vp / vrai.sum(dim=0).clamp(min=1)
                f = torch.where(p + r > 0, 2 * p * r / (p + r).clamp(min=1e-12), torch.zeros_like(p))
                return p, r, f
            def f1_macro(etiquettes, logits):
                y, z = torch.as_tensor(etiquettes), torch.as_tensor(logits)
                return (z.argmax(dim=1) == y).float().mean().item()
            """, ["moyenne micro", "chaque classe compte autant"]),
        ("precision and recall swapped, weighted average", """
            import tensorflow as tf
            def scores_par_classe(etiquettes, logits):
                k = logits.shape[1]
                m = tf.cast(tf.math.confusion_matrix(etiquettes, tf.argmax(logits, axis=1), num_classes=k), tf.float32)
                vp = tf.linalg.diag_part(m)
                rappel = tf.math.divide_no_nan(vp, tf.reduce_sum(m, axis=0))
                precision = tf.math.divide_no_nan(vp, tf.reduce_sum(m, axis=1))
                return precision, rappel, tf.math.divide_no_nan(2 * precision * rappel, precision + rappel)
            def f1_macro(etiquettes, logits):
                k = logits.shape[1]
                m = tf.cast(tf.math.confusion_matrix(etiquettes, tf.argmax(logits, axis=1), num_classes=k), tf.float32)
                vp = tf.linalg.diag_part(m)
                p = tf.math.divide_no_nan(vp, tf.reduce_sum(m, axis=0))
                r = tf.math.divide_no_nan(vp, tf.reduce_sum(m, axis=1))
                f = tf.math.divide_no_nan(2 * p * r, p + r)
                poids = tf.reduce_sum(m, axis=1) / tf.reduce_sum(m)
                return float(tf.reduce_sum(poids * f))
            """, ["inversés", "pondère les classes"]),
        ("scikit-learn does the work", """
            import torch
            from sklearn.metrics import f1_score, precision_recall_fscore_support
            def scores_par_classe(etiquettes, logits):
                k = logits.shape[1]
                p, r, f, _ = precision_recall_fscore_support(etiquettes, logits.argmax(axis=1), labels=list(range(k)),
                                                             zero_division=0)
                return torch.tensor(p), torch.tensor(r), torch.tensor(f)
            def f1_macro(etiquettes, logits):
                return float(scores_par_classe(etiquettes, logits)[2].mean())
            """, ["importe scikit-learn"]),
        ("values of the example pasted, inputs ignored", """
            import torch
            def scores_par_classe(etiquettes, logits):
                return (torch.tensor([0.5, 0.4, 0.667, 0.0]), torch.tensor([0.667, 0.667, 0.5, 0.0]),
                        torch.tensor([0.571, 0.5, 0.571, 0.0]))
            def f1_macro(etiquettes, logits):
                return 0.4107
            """, ["ne correspondent pas à ces étiquettes", "ne renvoie pas la moyenne des F1"]),
    ],
    "entrainement_classifieur": [
        ("softmax before CrossEntropyLoss", """
            import torch
            from torch import nn
            def construire_classifieur():
                return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10), nn.Softmax(dim=1))
            def fonction_perte():
                return nn.CrossEntropyLoss()
            """, ["sont des probabilités", "retirez le softmax"]),
        ("Keras without Flatten", """
            import keras
            def construire_classifieur():
                return keras.Sequential([keras.Input(shape=(8, 8)), keras.layers.Dense(32, activation="relu"),
                                         keras.layers.Dense(10)])
            def fonction_perte():
                return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            """, ["n'a pas été aplatie", "Flatten"]),
        ("Keras logits with the default from_logits=False", """
            import keras
            def construire_classifieur():
                return keras.Sequential([keras.Input(shape=(8, 8)), keras.layers.Flatten(),
                                         keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
            def fonction_perte():
                return keras.losses.SparseCategoricalCrossentropy()
            """, ["from_logits=False", "from_logits=True"]),
        ("no hidden non-linearity", """
            import torch
            from torch import nn
            def construire_classifieur():
                return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.Linear(32, 10))
            def fonction_perte():
                return nn.CrossEntropyLoss()
            """, ["une seule couche linéaire", "nn.ReLU()"]),
        ("PyTorch without flatten, NLLLoss on logits", """
            import torch
            from torch import nn
            def construire_classifieur():
                return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
            def fonction_perte():
                return nn.NLLLoss()
            """, ["a levé une erreur", "aplatissez", "log-probabilités"]),
        ("Keras softmax output with from_logits=True", """
            import keras
            def construire_classifieur():
                return keras.Sequential([keras.Input(shape=(8, 8)), keras.layers.Flatten(),
                                         keras.layers.Dense(32, activation="relu"),
                                         keras.layers.Dense(10, activation="softmax")])
            def fonction_perte():
                return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            """, ["sont des probabilités"]),
        ("a regression loss for a classification", """
            import keras
            def construire_classifieur():
                return keras.Sequential([keras.Input(shape=(8, 8)), keras.layers.Flatten(),
                                         keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
            def fonction_perte():
                return keras.losses.MeanSquaredError()
            """, ["entropie croisée"]),
        ("a loss value pasted, inputs ignored", """
            import torch
            from torch import nn
            def construire_classifieur():
                return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
            def fonction_perte():
                return lambda logits, etiquettes: torch.tensor(2.3026)
            """, ["n'est pas l'entropie croisée moyenne"]),
    ],
    "entrainement_regression": [
        ("zero_grad forgotten", """
            import torch
            from torch import nn
            def construire_regresseur(n_entrees):
                return nn.Linear(n_entrees, 1)
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                x, y = torch.as_tensor(x), torch.as_tensor(y)
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    total = 0.0
                    for d in range(0, len(x), taille_lot):
                        perte = nn.functional.mse_loss(modele(x[d:d + taille_lot]), y[d:d + taille_lot])
                        perte.backward()
                        opt.step()
                        total += perte.item() * len(x[d:d + taille_lot])
                    pertes.append(total / len(x))
                return pertes
            """, ["jamais remis à zéro", "zero_grad"]),
        ("sum instead of mean, softmax output", """
            import torch
            from torch import nn
            def construire_regresseur(n_entrees):
                return nn.Sequential(nn.Linear(n_entrees, 1), nn.Softmax(dim=1))
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                x, y = torch.as_tensor(x), torch.as_tensor(y)
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    total = 0.0
                    for d in range(0, len(x), taille_lot):
                        opt.zero_grad()
                        perte = ((modele(x[d:d + taille_lot]) - y[d:d + taille_lot]) ** 2).sum()
                        perte.backward()
                        opt.step()
                        total += perte.item()
                    pertes.append(total / len(x))
                return pertes
            """, ["softmax sur une seule sortie", "une somme sur le lot"]),
        ("the whole batch at each epoch, as in the course's PyTorch code", """
            import torch
            from torch import nn
            def construire_regresseur(n_entrees):
                return nn.Linear(n_entrees, 1)
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                x, y = torch.as_tensor(x), torch.as_tensor(y)
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    opt.zero_grad()
                    perte = nn.MSELoss()(modele(x), y)
                    perte.backward()
                    opt.step()
                    pertes.append(perte.item())
                return pertes
            """, ["une seule mise à jour par époque"]),
        ("Keras 'sgd' string: lr 0.01", """
            import keras
            def construire_regresseur(n_entrees):
                return keras.Sequential([keras.Input(shape=(n_entrees,)), keras.layers.Dense(1)])
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                modele.compile(optimizer="sgd", loss="mean_squared_error")
                return modele.fit(x, y, epochs=epoques, batch_size=taille_lot, shuffle=False, verbose=0).history["loss"]
            """, ["0,01", "learning_rate=lr"]),
        ("Keras default batch size, sigmoid output", """
            import keras
            def construire_regresseur(n_entrees):
                return keras.Sequential([keras.Input(shape=(n_entrees,)), keras.layers.Dense(1, activation="sigmoid")])
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                modele.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mean_squared_error")
                return modele.fit(x, y, epochs=epoques, shuffle=False, verbose=0).history["loss"]
            """, ["sigmoïde", "32 exemples", "batch_size=taille_lot"]),
        ("Keras returns the History object", """
            import keras
            def construire_regresseur(n_entrees):
                return keras.Sequential([keras.Input(shape=(n_entrees,)), keras.layers.Dense(1)])
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                modele.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mean_squared_error")
                return modele.fit(x, y, epochs=epoques, batch_size=taille_lot, shuffle=False, verbose=0)
            """, ["objet History", "history"]),
        ("per-batch losses, hidden ReLU layer", """
            import torch
            from torch import nn
            def construire_regresseur(n_entrees):
                return nn.Sequential(nn.Linear(n_entrees, 8), nn.ReLU(), nn.Linear(8, 1))
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                x, y = torch.as_tensor(x), torch.as_tensor(y)
                opt = torch.optim.SGD(modele.parameters(), lr=lr)
                pertes = []
                for _ in range(epoques):
                    for d in range(0, len(x), taille_lot):
                        opt.zero_grad()
                        perte = nn.MSELoss()(modele(x[d:d + taille_lot]), y[d:d + taille_lot])
                        perte.backward()
                        opt.step()
                        pertes.append(perte.item())
                return pertes
            """, ["n'est pas linéaire", "perte(s) pour"]),
        ("losses pasted, nothing trained", """
            def construire_regresseur(n_entrees):
                raise NotImplementedError
            def entrainer(modele, x, y, epoques, lr, taille_lot):
                return [4.1, 2.2, 1.3, 0.9, 0.7][:epoques]
            """, ["n'est pas encore écrite", "n'ont pas bougé"]),
    ],
}
