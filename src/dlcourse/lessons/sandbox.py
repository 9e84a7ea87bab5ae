"""The learner's process: ``python -m dlcourse.lessons.sandbox CHECK LEARNER INPUTS_JSON OBSERVATIONS_JSON``.

It runs the learner's file (as a module named ``__exercice__``, so its ``if __name__ ==
"__main__"`` block does not run), then the check's ``sonder(sonde, entrees)``, which calls the
learner's functions on the inputs the checking process drew and records what they return. It
writes the observations (plain JSON, see :mod:`dlcourse.lessons.wire`) and leaves with
``os._exit`` so that a framework's shutdown cannot change them. Nothing here decides a verdict:
the checking process compares the observations with what it computed itself.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any, Callable

from dlcourse.lessons.rapport import hint_for, learner_line, short
from dlcourse.lessons.wire import decode_inputs, encode


class Sonde:
    """Records what the learner's code does, for the checking process.

    ``observations[key]`` is one of ``{"value": ...}``, ``{"missing": name}``,
    ``{"not_callable": type}`` or ``{"error": {"message", "hint", "line", "not_implemented"}}``.
    """

    def __init__(self, namespace: dict, learner_path: str, cadre: str = "aucun"):
        self.ns = namespace
        self.learner_path = learner_path
        self.cadre = cadre
        self.observations: dict[str, Any] = {}

    def fonction(self, nom: str, cle: str | None = None) -> Callable | None:
        """The learner's function ``nom``, or ``None`` after recording why under ``cle`` (default ``nom``)."""
        fn = self.ns.get(nom)
        if callable(fn):
            return fn
        key = cle or nom
        self.observations[key] = ({"missing": nom} if fn is None else {"not_callable": type(fn).__name__})
        return None

    def appeler(self, cle: str, nom: str, *args, **kwargs) -> tuple[bool, Any]:
        """Call the learner's ``nom(*args, **kwargs)`` and record its (copied) result under ``cle``.

        Returns ``(True, result)``, or ``(False, None)`` when the function is missing or raised.
        """
        fn = self.fonction(nom, cle)
        if fn is None:
            return False, None
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            self.observations[cle] = {"error": {
                "message": short(exc), "hint": hint_for(exc), "line": learner_line(exc, self.learner_path),
                "not_implemented": isinstance(exc, NotImplementedError)}}
            return False, None
        self.noter(cle, result)
        return True, result

    def noter(self, cle: str, valeur: Any) -> None:
        """Record ``valeur`` (copied now) under ``cle``."""
        self.observations[cle] = {"value": encode(valeur)}

    def essayer(self, cle: str, action: Callable[[], Any]) -> tuple[bool, Any]:
        """Run ``action()`` (code of the check that touches the learner's objects) and record its result."""
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 - a learner's object may break anything
            self.observations[cle] = {"error": {
                "message": short(exc), "hint": hint_for(exc), "line": learner_line(exc, self.learner_path),
                "not_implemented": isinstance(exc, NotImplementedError)}}
            return False, None
        self.noter(cle, result)
        return True, result


def framework_of(learner_path: str) -> str:
    """The framework the learner's file imports: ``torch``, ``tensorflow`` (or ``keras``), ``les deux`` or ``aucun``.

    Read on the syntax tree (imports anywhere in the file), not on comments or strings.
    """
    import ast

    try:
        tree = ast.parse(Path(learner_path).read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError):
        return "aucun"
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    found = ["torch"] * ("torch" in roots) + ["tensorflow"] * bool(roots & {"tensorflow", "keras"})
    return found[0] if len(found) == 1 else ("les deux" if found else "aucun")


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def run(check_path: str, learner_path: str, inputs_path: str) -> dict:
    """Run the learner's file, then the check's probes; return ``{"observations", "problem", "hint", "cadre"}``."""
    data: dict = {"observations": {}, "problem": None, "hint": None, "cadre": framework_of(learner_path)}
    inputs = decode_inputs(json.loads(Path(inputs_path).read_text(encoding="utf-8")))
    probe = runpy.run_path(check_path, run_name="__check__")["sonder"]
    sys.path.insert(0, str(Path(learner_path).parent))
    sys.argv = [learner_path]
    try:
        ns = runpy.run_path(learner_path, run_name="__exercice__")
    except SystemExit:
        data["problem"] = ("votre fichier appelle sys.exit() ou exit() : il s'arrête avant que l'on puisse "
                           "le vérifier.")
        data["hint"] = "retirez cet appel, ou mettez-le sous « if __name__ == '__main__': »."
        return data
    except SyntaxError as exc:
        data["problem"] = f"votre fichier contient une erreur de syntaxe ligne {exc.lineno} : {exc.msg}."
        data["hint"] = "regardez cette ligne et la précédente : parenthèse ou deux-points oubliés, indentation ?"
        return data
    except BaseException as exc:  # noqa: BLE001 - the learner's file may raise anything
        line = learner_line(exc, learner_path)
        where = f" à la ligne {line}" if line else ""
        data["problem"] = f"votre fichier s'est arrêté sur une erreur{where} en s'exécutant : {short(exc)}"
        data["hint"] = hint_for(exc)
        return data
    sonde = Sonde(ns, learner_path, data["cadre"])
    data["observations"] = sonde.observations
    try:
        probe(sonde, inputs)
    except Exception as exc:  # noqa: BLE001 - a value of an unexpected type can break a probe
        line = learner_line(exc, learner_path)
        where = f" (ligne {line} de votre fichier)" if line else ""
        data["problem"] = f"la vérification n'a pas pu aller au bout{where} : {short(exc)}"
        data["hint"] = ("vérifiez que vos fonctions renvoient ce que demande la consigne "
                        "(un tenseur, un modèle, une liste…) et non None.")
    return data


def main(argv: list[str]) -> None:
    check_path, learner_path, inputs_path, out_path = argv
    data = run(check_path, learner_path, inputs_path)
    _write(Path(out_path), data)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
