"""Child process of an exercise check: ``python -m dlcourse.lessons.sandbox CHECK LEARNER RESULT_JSON``.

Runs the learner's file (as a module named ``__exercice__``, so its ``if __name__ == "__main__"``
block does not run), then the check's ``verifier(ns, rapport)``, and writes
``{"items": [[passed, message, hint], ...], "problem": str | null, "hint": str | null}`` to
RESULT_JSON. It then leaves with ``os._exit`` so that a framework's shutdown cannot change the outcome.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def run(check_path: str, learner_path: str, out_path: str) -> dict:
    from dlcourse.lessons.rapport import Rapport, hint_for, learner_line, short

    rapport = Rapport(learner_path)
    data: dict = {"items": rapport.items, "problem": None, "hint": None}
    sys.path.insert(0, str(Path(learner_path).parent))
    sys.argv = [learner_path]
    try:
        ns = runpy.run_path(learner_path, run_name="__exercice__")
    except SystemExit:
        data["problem"] = "ton fichier appelle sys.exit() ou exit() : il s'arrête avant que l'on puisse le vérifier."
        data["hint"] = "retire cet appel, ou mets-le sous « if __name__ == '__main__': »."
        return data
    except SyntaxError as exc:
        data["problem"] = f"ton fichier contient une erreur de syntaxe ligne {exc.lineno} : {exc.msg}."
        data["hint"] = "regarde cette ligne et la précédente : parenthèse ou deux-points oubliés, indentation ?"
        return data
    except BaseException as exc:  # noqa: BLE001 - the learner's file may raise anything
        line = learner_line(exc, learner_path)
        where = f" à la ligne {line}" if line else ""
        data["problem"] = f"ton fichier s'est arrêté sur une erreur{where} en s'exécutant : {short(exc)}"
        data["hint"] = hint_for(exc)
        return data
    try:
        verifier = runpy.run_path(check_path, run_name="__check__")["verifier"]
        verifier(ns, rapport)
    except Exception as exc:  # noqa: BLE001 - a value of an unexpected type can break a check
        line = learner_line(exc, learner_path)
        where = f" (ligne {line} de ton fichier)" if line else ""
        data["problem"] = f"la vérification n'a pas pu aller au bout{where} : {short(exc)}"
        data["hint"] = ("vérifie que tes fonctions renvoient ce que demande la consigne "
                        "(un tenseur, un modèle, une liste…) et non None.")
    return data


def main(argv: list[str]) -> None:
    check_path, learner_path, out_path = argv
    data = run(check_path, learner_path, out_path)
    _write(Path(out_path), data)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
