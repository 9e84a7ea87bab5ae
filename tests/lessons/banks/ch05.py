"""Wrong answers of chapter 5 (data preparation): each must fail with these pieces of the French report."""

BANK = {
    "donnees_standardiser": [
        ("test scaled with its own statistics (torch)", """
            import torch
            def standardiser(x_train, x_test):
                a, b = torch.from_numpy(x_train), torch.from_numpy(x_test)
                sa = a.std(dim=0, correction=0)
                sb = b.std(dim=0, correction=0)
                sa = torch.where(sa > 0, sa, torch.ones_like(sa))
                sb = torch.where(sb > 0, sb, torch.ones_like(sb))
                return (a - a.mean(dim=0)) / sa, (b - b.mean(dim=0)) / sb
            """, ["ses propres statistiques", "une seule fois, sur x_train"]),
        ("statistics of the whole data (tensorflow)", """
            import tensorflow as tf
            def standardiser(x_train, x_test):
                tout = tf.concat([x_train, x_test], axis=0)
                m, s = tf.reduce_mean(tout, axis=0), tf.math.reduce_std(tout, axis=0)
                s = tf.where(s > 0, s, tf.ones_like(s))
                return (tf.constant(x_train) - m) / s, (tf.constant(x_test) - m) / s
            """, ["toutes les données", "c'est une fuite"]),
        ("per-row statistics (tensorflow)", """
            import tensorflow as tf
            def standardiser(x_train, x_test):
                def f(x):
                    x = tf.constant(x)
                    m = tf.reduce_mean(x, axis=1, keepdims=True)
                    s = tf.math.reduce_std(x, axis=1, keepdims=True)
                    return (x - m) / s
                return f(x_train), f(x_test)
            """, ["chaque ligne", "par colonne"]),
        ("torch.std's default correction, no guard for constant columns", """
            import torch
            def standardiser(x_train, x_test):
                a, b = torch.from_numpy(x_train), torch.from_numpy(x_test)
                m, s = a.mean(dim=0), a.std(dim=0)
                return (a - m) / s, (b - m) / s
            """, ["NaN ou des infinis", "écart-type nul", "n − 1"]),
        ("the fixed case's result pasted as constants (torch)", """
            import torch
            def standardiser(x_train, x_test):
                m = torch.tensor([3.0, 30.0, 0.0])
                s = torch.tensor([1.8708287, 18.708287, 1.0])
                return (torch.from_numpy(x_train)[:, :3] - m) / s, (torch.from_numpy(x_test)[:, :3] - m) / s
            """, ["la forme attendue est", "Indice"]),
        ("a hand-written result that ignores the inputs (tensorflow)", """
            import tensorflow as tf
            def standardiser(x_train, x_test):
                return tf.zeros(x_train.shape), tf.zeros(x_test.shape)
            """, ["ne sont pas (x − moyenne) / écart-type", "dépendre des données reçues"]),
        ("NumPy arrays returned, in place", """
            import numpy as np
            def standardiser(x_train, x_test):
                m, s = x_train.mean(axis=0), x_train.std(axis=0)
                s[s == 0] = 1
                x_test -= m
                x_test /= s
                return (x_train - m) / s, x_test
            """, ["un tenseur PyTorch ou TensorFlow est attendu"]),
    ],
    "donnees_lots": [
        ("last partial batch dropped (torch)", """
            import torch
            from torch.utils.data import DataLoader, TensorDataset
            def creer_lots(x, y, taille_lot, graine):
                jeu = TensorDataset(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64))
                return DataLoader(jeu, batch_size=taille_lot, shuffle=True, drop_last=True,
                                  generator=torch.Generator().manual_seed(graine))
            """, ["dernier lot incomplet est jeté", "drop_last=False"]),
        ("x and y shuffled separately (tensorflow)", """
            import tensorflow as tf
            def creer_lots(x, y, taille_lot, graine):
                xs = tf.data.Dataset.from_tensor_slices(tf.cast(x, tf.float32)).shuffle(len(x), seed=graine)
                ys = tf.data.Dataset.from_tensor_slices(tf.cast(y, tf.int64)).shuffle(len(x), seed=graine + 1)
                return tf.data.Dataset.zip((xs, ys)).batch(taille_lot)
            """, ["mélangés séparément", "un seul shuffle"]),
        ("shuffle after batch (tensorflow)", """
            import tensorflow as tf
            def creer_lots(x, y, taille_lot, graine):
                jeu = tf.data.Dataset.from_tensor_slices((tf.cast(x, tf.float32), tf.cast(y, tf.int64)))
                return jeu.batch(taille_lot).shuffle(100, seed=graine)
            """, ["exemples consécutifs", "avant .batch"]),
        ("shuffle buffer too small (tensorflow)", """
            import tensorflow as tf
            def creer_lots(x, y, taille_lot, graine):
                jeu = tf.data.Dataset.from_tensor_slices((tf.cast(x, tf.float32), tf.cast(y, tf.int64)))
                return jeu.shuffle(taille_lot, seed=graine).batch(taille_lot)
            """, ["seulement local", "tampon de la taille du jeu"]),
        ("no conversion: float64 inputs (torch)", """
            import torch
            from torch.utils.data import DataLoader, TensorDataset
            def creer_lots(x, y, taille_lot, graine):
                jeu = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
                return DataLoader(jeu, batch_size=taille_lot, shuffle=True,
                                  generator=torch.Generator().manual_seed(graine))
            """, ["float64, des float32 sont attendus"]),
        ("shuffled once with NumPy, batches pasted in a list (torch)", """
            import numpy as np
            import torch
            def creer_lots(x, y, taille_lot, graine):
                ordre = np.random.default_rng(graine).permutation(len(x))
                xt = torch.as_tensor(x[ordre], dtype=torch.float32)
                yt = torch.as_tensor(y[ordre], dtype=torch.int64)
                return [(xt[k:k + taille_lot], yt[k:k + taille_lot]) for k in range(0, len(x), taille_lot)]
            """, ["un torch.utils.data.DataLoader ou un tf.data.Dataset est attendu"]),
        ("seed ignored (torch)", """
            import torch
            from torch.utils.data import DataLoader, TensorDataset
            def creer_lots(x, y, taille_lot, graine):
                jeu = TensorDataset(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64))
                return DataLoader(jeu, batch_size=taille_lot, shuffle=True)
            """, ["la graine n'est pas utilisée", "manual_seed(graine)"]),
        ("a hand-written dataset that ignores the inputs (torch)", """
            import torch
            from torch.utils.data import DataLoader, TensorDataset
            def creer_lots(x, y, taille_lot, graine):
                jeu = TensorDataset(torch.randn(len(x), x.shape[1]), torch.zeros(len(x), dtype=torch.int64))
                return DataLoader(jeu, batch_size=taille_lot, shuffle=True,
                                  generator=torch.Generator().manual_seed(graine))
            """, ["ne sont pas des lignes de x"]),
    ],
    "donnees_augmenter": [
        ("Keras RandomFlip with its default mode (tensorflow)", """
            import keras
            import tensorflow as tf
            retourner = keras.layers.RandomFlip()
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = tf.constant(images)[..., None]
                return retourner(x, training=entrainement)[..., 0], tf.constant(etiquettes)
            """, ["haut-bas", "RandomFlip() sans argument"]),
        ("one draw for the whole batch (torch)", """
            import torch
            from torchvision.transforms import v2
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = torch.tensor(images)
                if entrainement:
                    x = v2.RandomHorizontalFlip(p)(x)
                return x, torch.tensor(etiquettes)
            """, ["un seul tirage sert tout le lot", "image par image"]),
        ("augmentation left on in evaluation (tensorflow)", """
            import tensorflow as tf
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = tf.constant(images)
                tirage = tf.random.uniform((tf.shape(x)[0], 1, 1)) < p
                return tf.where(tirage, tf.reverse(x, axis=[2]), x), tf.constant(etiquettes)
            """, ["en évaluation (entrainement=False), des images sont retournées", "rester éteinte"]),
        ("seed fixed inside the function (torch)", """
            import torch
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = torch.tensor(images)
                if not entrainement:
                    return x, torch.tensor(etiquettes)
                torch.manual_seed(0)
                tirage = torch.rand(len(x), 1, 1) < p
                return torch.where(tirage, x.flip(-1), x), torch.tensor(etiquettes)
            """, ["exactement les mêmes images", "ne fixez pas de graine"]),
        ("flipped in place through torch.from_numpy (torch)", """
            import torch
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = torch.from_numpy(images)
                if entrainement:
                    tirage = torch.rand(len(x)) < p
                    x[tirage] = x[tirage].flip(-1)
                return x, torch.from_numpy(etiquettes)
            """, ["modifié sur place", "partage la mémoire"]),
        ("vertical flip: wrong axis (tensorflow)", """
            import tensorflow as tf
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = tf.constant(images)
                if not entrainement:
                    return x, tf.constant(etiquettes)
                tirage = tf.random.uniform((tf.shape(x)[0], 1, 1)) < p
                return tf.where(tirage, tf.reverse(x, axis=[1]), x), tf.constant(etiquettes)
            """, ["verticalement", "tf.reverse(x, axis=[2])"]),
        ("probability ignored: one image in two (tensorflow)", """
            import tensorflow as tf
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x = tf.constant(images)
                if not entrainement:
                    return x, tf.constant(etiquettes)
                tirage = tf.random.uniform((tf.shape(x)[0], 1, 1)) < 0.5
                return tf.where(tirage, tf.reverse(x, axis=[2]), x), tf.constant(etiquettes)
            """, ["la probabilité p n'est pas respectée"]),
        ("a hand-written result that ignores the inputs (torch)", """
            import torch
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                return torch.rand(*images.shape), torch.tensor(etiquettes)
            """, ["ni l'image reçue ni son miroir"]),
        ("labels shuffled with the images (torch)", """
            import torch
            def augmenter(images, etiquettes, p=0.5, entrainement=True):
                x, y = torch.tensor(images), torch.tensor(etiquettes)
                if entrainement:
                    ordre = torch.randperm(len(x))
                    x, y = x[ordre], y[ordre]
                return x, y
            """, ["étiquettes renvoyées ne sont pas celles reçues"]),
    ],
}
