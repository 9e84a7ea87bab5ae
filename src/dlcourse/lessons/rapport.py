"""The helper an exercise's ``check.py`` writes its verdicts on, in French.

A check file defines ``verifier(ns, r)``: ``ns`` is the dict of the learner's globals and
``r`` a :class:`Rapport`. Calls into the learner's code go through :meth:`Rapport.appeler`,
which turns any exception into a French sentence with the line of the learner's file and a hint.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, Callable

# Substrings of common framework errors, and the hint a learner needs (French).
HINTS: list[tuple[str, str]] = [
    ("does not require grad", "le tenseur dont tu veux le gradient doit être créé avec requires_grad=True "
                              "(ou appelle x.requires_grad_())."),
    ("grad can be implicitly created only for scalar outputs", "backward() part d'un scalaire : appelle "
                                                               "y.sum().backward() ou la perte moyenne."),
    ("backward through the graph a second time", "recalcule la perte à chaque itération : un graphe ne sert "
                                                 "qu'à un seul backward()."),
    ("Can't call numpy() on Tensor that requires grad", "appelle .detach() avant .numpy() (ou utilise .item() "
                                                        "pour un scalaire)."),
    ("mat1 and mat2 shapes cannot be multiplied", "les formes ne s'enchaînent pas : aplatis l'entrée et vérifie "
                                                  "in_features de chaque nn.Linear."),
    ("Incompatible shapes", "les formes ne sont pas compatibles pour le broadcasting : compare-les dimension par "
                            "dimension en partant de la droite."),
    ("must match the size of tensor", "les formes ne sont pas compatibles pour le broadcasting : compare-les "
                                      "dimension par dimension en partant de la droite."),
    ("cannot reshape", "le nombre total d'éléments doit rester le même : (n, 28, 28) contient n × 784 valeurs."),
    ("shape '[", "le nombre total d'éléments doit rester le même après un reshape/view."),
    ("same dtype", "les deux tenseurs doivent avoir le même dtype : convertis avec .float() (PyTorch) ou "
                   "tf.cast(x, tf.float32) (TensorFlow)."),
    ("expected scalar type", "les deux tenseurs doivent avoir le même dtype : convertis avec .float()."),
    ("was expected to be a", "les deux tenseurs doivent avoir le même dtype : convertis avec tf.cast(x, tf.float32)."),
    ("Could not find a default gradient", "tape.gradient ne sait dériver que par rapport à des flottants."),
    ("view size is not compatible", "le tenseur n'est pas contigu en mémoire : utilise .reshape() plutôt que .view()."),
]


def hint_for(exc: BaseException) -> str:
    """A French hint for a common exception, or a generic one."""
    text = f"{type(exc).__name__}: {exc}"
    for needle, hint in HINTS:
        if needle in text:
            return hint
    if isinstance(exc, NotImplementedError):
        return "remplace le « raise NotImplementedError » du TODO par ton code."
    if isinstance(exc, NameError):
        return "un nom n'est pas défini : as-tu oublié un import, ou une faute de frappe ?"
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "ce module n'est pas installé dans cet environnement : lance « dlcourse doctor »."
    if isinstance(exc, AttributeError):
        return "cet objet n'a pas cet attribut : vérifie son type (print(type(x))) et le nom de la méthode."
    if isinstance(exc, TypeError):
        return "vérifie le nombre et le type des arguments passés à la fonction."
    return "lance ton fichier directement (python ton_fichier.py) pour voir l'erreur complète."


def learner_line(exc: BaseException, learner_path: str | Path | None) -> int | None:
    """The last line of the learner's file in ``exc``'s traceback, or ``None``."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return exc.lineno
    if learner_path is None:
        return None
    target = str(Path(learner_path).resolve())
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            if str(Path(frame.filename).resolve()) == target:
                line = frame.lineno
        except OSError:
            continue
    return line


def short(exc: BaseException, limit: int = 220) -> str:
    """``Type: message`` on one line, cut at ``limit`` characters."""
    msg = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_numpy(value: Any):
    """``value`` as a NumPy array (TensorFlow/PyTorch tensors, lists, scalars), or ``None`` if impossible."""
    import numpy as np

    if value is None:
        return None
    try:
        if hasattr(value, "detach"):
            return value.detach().cpu().numpy()
        if hasattr(value, "numpy"):
            return np.asarray(value.numpy())
        return np.asarray(value)
    except Exception:  # noqa: BLE001 - any failure means "not an array"
        return None


class Rapport:
    """Verdicts of one check: a list of ``(passed, message, hint)`` in French."""

    def __init__(self, learner_path: str | Path | None = None):
        self.items: list[tuple[bool, str, str | None]] = []
        self.learner_path = learner_path

    def ok(self, message: str) -> None:
        self.items.append((True, message, None))

    def echec(self, message: str, indice: str | None = None) -> None:
        self.items.append((False, message, indice))

    def verifier(self, condition: bool, message_ok: str, message_echec: str, indice: str | None = None) -> bool:
        """Record ``message_ok`` when ``condition`` holds, else ``message_echec`` with ``indice``; return it."""
        if condition:
            self.ok(message_ok)
        else:
            self.echec(message_echec, indice)
        return bool(condition)

    def fonction(self, ns: dict, nom: str) -> Callable | None:
        """The learner's function ``nom``, or ``None`` after recording a failure."""
        fn = ns.get(nom)
        if callable(fn):
            return fn
        if fn is None:
            self.echec(f"la fonction « {nom} » est introuvable dans ton fichier.",
                       f"garde exactement le nom « {nom} » donné dans le fichier de départ.")
        else:
            self.echec(f"« {nom} » devrait être une fonction, c'est un objet de type {type(fn).__name__}.",
                       f"définis-la avec « def {nom}(...): ».")
        return None

    def appeler(self, fn: Callable, *args, **kwargs) -> tuple[bool, Any]:
        """Call the learner's ``fn``; on an exception record a French failure and return ``(False, None)``."""
        name = getattr(fn, "__name__", "ta fonction")
        try:
            return True, fn(*args, **kwargs)
        except NotImplementedError:
            self.echec(f"la fonction « {name} » n'est pas encore écrite (elle lève NotImplementedError).",
                       "remplace le « raise NotImplementedError » du TODO par ton code.")
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            line = learner_line(exc, self.learner_path)
            where = f" (ligne {line} de ton fichier)" if line else ""
            self.echec(f"l'appel de « {name} » a levé une erreur{where} : {short(exc)}", hint_for(exc))
        return False, None
