"""Verdicts of an exercise check, in French, decided in the checking process.

A check file (``check.py``) defines three functions (see :mod:`dlcourse.lessons.exercises`);
``juger(obs, entrees, r)`` writes on ``r``, a :class:`Rapport`, by comparing the observations
made in the learner's process with what it computes itself. :class:`Rapport` reads the
observations (a missing function, an exception with its line and a hint) and the learner's
code as a syntax tree (:class:`Structure`), never as text: comments and docstrings do not count.
The hints of :data:`HINTS` are shared with the learner's process, which turns exceptions into them.
"""

from __future__ import annotations

import ast
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Substrings of common framework errors, and the hint a learner needs (French).
HINTS: list[tuple[str, str]] = [
    ("does not require grad", "le tenseur dont vous voulez le gradient doit être créé avec requires_grad=True "
                              "(ou appelez x.requires_grad_())."),
    ("grad can be implicitly created only for scalar outputs", "backward() part d'un scalaire : appelez "
                                                               "y.sum().backward() ou la perte moyenne."),
    ("backward through the graph a second time", "recalculez la perte à chaque itération : un graphe ne sert "
                                                 "qu'à un seul backward()."),
    ("Can't call numpy() on Tensor that requires grad", "appelez .detach() avant .numpy() (ou utilisez .item() "
                                                        "pour un scalaire)."),
    ("mat1 and mat2 shapes cannot be multiplied", "les formes ne s'enchaînent pas : aplatissez l'entrée et vérifiez "
                                                  "in_features de chaque nn.Linear."),
    ("Incompatible shapes", "les formes ne sont pas compatibles pour le broadcasting : comparez-les dimension par "
                            "dimension en partant de la droite."),
    ("must match the size of tensor", "les formes ne sont pas compatibles pour le broadcasting : comparez-les "
                                      "dimension par dimension en partant de la droite."),
    ("cannot reshape", "le nombre total d'éléments doit rester le même : (n, 28, 28) contient n × 784 valeurs."),
    ("shape '[", "le nombre total d'éléments doit rester le même après un reshape/view."),
    ("same dtype", "les deux tenseurs doivent avoir le même dtype : convertissez avec .float() (PyTorch) ou "
                   "tf.cast(x, tf.float32) (TensorFlow)."),
    ("expected scalar type", "les deux tenseurs doivent avoir le même dtype : convertissez avec .float()."),
    ("was expected to be a", "les deux tenseurs doivent avoir le même dtype : convertissez avec tf.cast(x, tf.float32)."),
    ("Could not find a default gradient", "tape.gradient ne sait dériver que par rapport à des flottants."),
    ("view size is not compatible", "le tenseur n'est pas contigu en mémoire : utilisez .reshape() plutôt que .view()."),
]


def hint_for(exc: BaseException) -> str:
    """A French hint for a common exception, or a generic one."""
    text = f"{type(exc).__name__}: {exc}"
    for needle, hint in HINTS:
        if needle in text:
            return hint
    if isinstance(exc, NotImplementedError):
        return "remplacez le « raise NotImplementedError » par votre code."
    if isinstance(exc, NameError):
        return "un nom n'est pas défini : avez-vous oublié un import, ou une faute de frappe ?"
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "ce module n'est pas installé dans cet environnement : lancez « dlcourse doctor »."
    if isinstance(exc, AttributeError):
        return "cet objet n'a pas cet attribut : vérifiez son type (print(type(x))) et le nom de la méthode."
    if isinstance(exc, TypeError):
        return "vérifiez le nombre et le type des arguments passés à la fonction."
    return "lancez votre fichier directement (python votre_fichier.py) pour voir l'erreur complète."


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
    """``value`` as a NumPy array (:class:`~dlcourse.lessons.wire.Array`, lists, numbers), or ``None``."""
    import numpy as np

    from dlcourse.lessons.wire import Array

    if value is None:
        return None
    if isinstance(value, Array):
        return value.values
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


@dataclass
class Structure:
    """What a learner's function does, read from its syntax tree (comments and docstrings excluded).

    Attributes
    ----------
    calls: the names called, by their last part (``tape.gradient(...)`` gives ``gradient``,
        ``tf.GradientTape()`` gives ``GradientTape``), in the function and in the module's own
        functions it calls.
    numpy: ``True`` when it uses a name bound to NumPy (``np.mean``) or calls ``.numpy()``.
    """

    name: str
    calls: set[str] = field(default_factory=set)
    numpy: bool = False

    def appelle(self, *names: str) -> bool:
        """``True`` when the function calls at least one of ``names``."""
        return any(n in self.calls for n in names)


def _numpy_aliases(tree: ast.Module) -> set[str]:
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy" or alias.name.startswith("numpy."):
                    aliases.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
            aliases.update(alias.asname or alias.name for alias in node.names)
    return aliases


def structure(source: str, name: str) -> Structure | None:
    """The :class:`Structure` of the module-level function ``name`` in ``source``; ``None`` if absent."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if name not in functions:
        return None
    aliases = _numpy_aliases(tree)
    out = Structure(name)
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for node in ast.walk(functions[current]):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if called:
                    out.calls.add(called)
                    if called in functions:
                        todo.append(called)
                if isinstance(func, ast.Attribute) and func.attr == "numpy":
                    out.numpy = True
            elif isinstance(node, ast.Name) and node.id in aliases:
                out.numpy = True
    return out


class Rapport:
    """Verdicts of one check: ``(passed, message, hint)`` triples in French.

    Parameters
    ----------
    observations: what the learner's process recorded (``Sonde.observations``, decoded).
    source: the learner's file, for :meth:`structure`.
    """

    def __init__(self, observations: dict | None = None, source: str = ""):
        self.items: list[tuple[bool, str, str | None]] = []
        self.observations = observations or {}
        self.source = source

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

    def valeur(self, cle: str, nom: str) -> tuple[bool, Any]:
        """The value observed under ``cle`` (a call of the learner's ``nom``), or ``(False, None)`` after
        recording why (function missing, not written yet, exception with its line and a hint)."""
        obs = self.observations.get(cle)
        if obs is None:
            self.echec(f"« {nom} » n'a pas pu être appelée (la vérification s'est arrêtée avant).")
            return False, None
        if "missing" in obs:
            self.echec(f"la fonction « {nom} » est introuvable dans votre fichier.",
                       f"gardez exactement le nom « {nom} » donné dans le fichier de départ.")
        elif "not_callable" in obs:
            self.echec(f"« {nom} » devrait être une fonction, c'est un objet de type {obs['not_callable']}.",
                       f"définissez-la avec « def {nom}(...): ».")
        elif "error" in obs:
            err = obs["error"]
            if err.get("not_implemented"):
                self.echec(f"la fonction « {nom} » n'est pas encore écrite (elle lève NotImplementedError).",
                           "remplacez le « raise NotImplementedError » par votre code.")
            else:
                where = f" (ligne {err['line']} de votre fichier)" if err.get("line") else ""
                self.echec(f"l'appel de « {nom} » a levé une erreur{where} : {err['message']}", err.get("hint"))
        else:
            return True, obs.get("value")
        return False, None

    def structure(self, nom: str) -> Structure | None:
        """The syntax-tree facts of the learner's function ``nom`` (see :func:`structure`)."""
        return structure(self.source, nom)

    def tableau(self, valeur: Any, nom: str, cadre: str, forme: tuple[int, ...] | None = None,
                dtype: str | None = None):
        """Check that the learner's ``nom`` returned a ``cadre`` tensor (``torch`` or ``tensorflow``) of
        ``forme`` and ``dtype``; return its values as a NumPy array, or ``None`` after one French failure."""
        from dlcourse.lessons.wire import Array

        attendu = "un torch.Tensor" if cadre == "torch" else "un tf.Tensor"
        conseil = ("restez en PyTorch (torch.from_numpy, .float(), .permute…), sans repasser par NumPy."
                   if cadre == "torch" else "restez en TensorFlow (tf.cast, tf.reshape, tf.reduce_mean…), "
                                            "sans repasser par NumPy.")
        if valeur is None:
            self.echec(f"« {nom} » renvoie None, {attendu} est attendu.", "avez-vous oublié le « return » ?")
            return None
        types = ("torch.Tensor",) if cadre == "torch" else ("tf.Tensor", "tf.Variable")
        if not isinstance(valeur, Array) or valeur.type not in types:
            recu = valeur.type if isinstance(valeur, Array) else type(valeur).__name__
            if hasattr(valeur, "type") and not isinstance(valeur, Array):
                recu = valeur.type
            self.echec(f"« {nom} » renvoie un objet de type {recu}, {attendu} est attendu.", conseil)
            return None
        if forme is not None and valeur.shape != tuple(forme):
            self.echec(f"« {nom} » renvoie la forme {valeur.shape} ; pour cette entrée, la forme attendue est "
                       f"{tuple(forme)}.", "affichez la forme (.shape) après chaque étape de votre calcul.")
            return None
        if dtype is not None and valeur.dtype != dtype:
            conversion = ".float()" if cadre == "torch" else "tf.cast(..., tf.float32)"
            self.echec(f"« {nom} » renvoie des {valeur.dtype}, des {dtype} sont attendus.",
                       f"convertissez avec {conversion}.")
            return None
        return valeur.values

    def sans_numpy(self, nom: str, cadre: str) -> bool:
        """Fail when the learner's function ``nom`` computes with NumPy instead of the framework."""
        facts = self.structure(nom)
        if facts is None or not facts.numpy:
            return True
        outil = "PyTorch" if cadre == "torch" else "TensorFlow"
        self.echec(f"« {nom} » calcule avec NumPy (np.… ou .numpy()) : l'exercice demande des opérations {outil}.",
                   f"remplacez chaque appel NumPy par son équivalent {outil} ; le résultat reste alors "
                   "un tenseur, utilisable sur GPU et dérivable.")
        return False

    def exiger(self, condition: bool, message_echec: str, indice: str | None = None) -> bool:
        """Record ``message_echec`` with ``indice`` only when ``condition`` fails; return ``condition``."""
        if not condition:
            self.echec(message_echec, indice)
        return bool(condition)
