"""Exercise checks: run a learner's file in a separate process, with a time limit, and answer in French.

An exercise is a folder ``lessons/exercises/<id>/`` holding:

- ``exercise.yaml``: ``title``, ``chapter``, ``framework`` (``torch``, ``tensorflow`` or ``none``),
  ``timeout`` (seconds, default 120) and ``instructions`` (French);
- ``starter.py``: the learner's starting file, with ``TODO`` markers;
- ``solution.py``: the reference solution (left out of the student build);
- ``check.py``: a function ``verifier(ns, rapport)`` that inspects ``ns`` (the globals of the
  learner's file) and records results on a :class:`dlcourse.lessons.rapport.Rapport`.

The learner's file never runs in the calling process: :func:`check_exercise` starts
``python -m dlcourse.lessons.sandbox``, kills it (and its children) at the time limit and
turns every outcome (pass, fail, crash, infinite loop, segmentation fault) into French sentences.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dlcourse.lessons.catalogue import LessonError, exercise_folder, exercise_ids

DEFAULT_TIMEOUT = 120.0


@dataclass
class Exercise:
    """An exercise's metadata and files (see the module docstring)."""

    id: str
    folder: Path
    title: str
    chapter: int
    framework: str
    timeout: float
    instructions: str

    @property
    def starter(self) -> Path:
        return self.folder / "starter.py"

    @property
    def solution(self) -> Path:
        return self.folder / "solution.py"

    @property
    def check(self) -> Path:
        return self.folder / "check.py"


@dataclass
class Result:
    """The outcome of one check.

    Attributes
    ----------
    items: ``(passed, message, hint)`` triples, in French, in the order they were checked.
    problem: a French sentence when the learner's file could not be run to the end
        (crash at import, time limit, segmentation fault); ``None`` otherwise.
    output: the last lines the learner's file printed (for context), possibly empty.
    """

    exercise: Exercise
    items: list[tuple[bool, str, str | None]] = field(default_factory=list)
    problem: str | None = None
    problem_hint: str | None = None
    output: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.problem is None and bool(self.items) and all(ok for ok, _, _ in self.items)


def load_exercise(exercise_id: str, root: Path | None = None) -> Exercise:
    """Read ``exercise.yaml`` of ``exercise_id``; raises :class:`LessonError` when unknown or malformed."""
    folder = exercise_folder(exercise_id, root)
    try:
        meta = yaml.safe_load((folder / "exercise.yaml").read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LessonError(f"'{folder / 'exercise.yaml'}' is not valid YAML ({exc}).") from None
    missing = [k for k in ("title", "chapter") if k not in meta]
    if missing:
        raise LessonError(f"'{folder / 'exercise.yaml'}' lacks the key(s) {', '.join(missing)}.")
    return Exercise(id=exercise_id, folder=folder, title=str(meta["title"]), chapter=int(meta["chapter"]),
                    framework=str(meta.get("framework", "none")), timeout=float(meta.get("timeout", DEFAULT_TIMEOUT)),
                    instructions=str(meta.get("instructions", "")).strip())


def list_exercises(root: Path | None = None) -> list[Exercise]:
    """Every exercise, sorted by chapter then identifier."""
    return sorted((load_exercise(i, root) for i in exercise_ids(root)), key=lambda e: (e.chapter, e.id))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _signal_sentence(code: int) -> str:
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    if name == "SIGSEGV":
        return ("ton programme s'est arrêté brutalement (erreur de segmentation, SIGSEGV), "
                "sans message Python.")
    if name == "SIGKILL":
        return "ton programme a été tué par le système (SIGKILL), souvent faute de mémoire."
    return f"ton programme a été arrêté par le signal {name}."


def check_exercise(exercise_id: str, learner_file: str | Path, timeout: float | None = None,
                   root: Path | None = None) -> Result:
    """Run ``learner_file`` against exercise ``exercise_id``'s check in a separate process.

    Parameters
    ----------
    exercise_id: the exercise's folder name under ``lessons/exercises/``.
    learner_file: the learner's Python file.
    timeout: seconds before the process is killed (default: the exercise's ``timeout``).

    Returns
    -------
    Result: the French verdicts; never raises because of the learner's code.
    """
    exercise = load_exercise(exercise_id, root)
    learner = Path(learner_file)
    if not learner.is_file():
        raise LessonError(f"the file to check '{learner}' does not exist.",
                          f"Give the path of your Python file, or run 'dlcourse check {exercise_id} --start' "
                          f"to copy the starting file to ./{exercise_id}.py.")
    limit = float(timeout if timeout is not None else exercise.timeout)
    result = Result(exercise)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow")}
    with tempfile.TemporaryDirectory(prefix="dlcourse-check-") as tmp:
        out_json = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "dlcourse.lessons.sandbox", str(exercise.check), str(learner.resolve()), str(out_json)]
        import time
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=str(learner.resolve().parent), env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            raw, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raw, _ = proc.communicate()
            result.seconds = time.perf_counter() - start
            result.output = _tail(raw)
            result.problem = (f"ton programme n'a pas terminé en {limit:g} secondes : il a été arrêté.")
            result.problem_hint = ("cherche une boucle infinie (un « while » dont la condition ne devient jamais "
                                   "fausse) ou un calcul beaucoup trop long (trop d'époques, un tenseur énorme).")
            return result
        result.seconds = time.perf_counter() - start
        result.output = _tail(raw)
        if out_json.is_file():
            data = json.loads(out_json.read_text(encoding="utf-8"))
            result.items = [(bool(ok), msg, hint) for ok, msg, hint in data.get("items", [])]
            result.problem = data.get("problem")
            result.problem_hint = data.get("hint")
        elif proc.returncode < 0:
            result.problem = _signal_sentence(proc.returncode)
            result.problem_hint = ("lance ton fichier directement (python ton_fichier.py) pour voir où il s'arrête ; "
                                   "si tu utilises PyTorch et TensorFlow ensemble, importe torch avant tensorflow.")
        else:
            result.problem = (f"ton programme s'est arrêté (code de sortie {proc.returncode}) avant la fin "
                              "des vérifications.")
            result.problem_hint = ("évite « sys.exit() » ou « exit() » dans ton fichier et lance-le directement "
                                   "pour voir ce qu'il affiche.")
    return result


def _tail(raw: bytes | None, lines: int = 8) -> str:
    text = (raw or b"").decode("utf-8", errors="replace")
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def format_result(result: Result) -> str:
    """The French report printed by ``dlcourse check``: one line per verification, hints indented."""
    ex = result.exercise
    lines = [f"Exercice « {ex.id} » : {ex.title} (chapitre {ex.chapter})"]
    for ok, message, hint in result.items:
        lines.append(f"  {'✔' if ok else '✘'} {message}")
        if hint and not ok:
            lines.append(f"      Indice : {hint}")
    if result.problem:
        lines.append(f"  ✘ {result.problem[0].upper()}{result.problem[1:]}")
        if result.problem_hint:
            lines.append(f"      Indice : {result.problem_hint}")
        if result.output:
            lines.append("  Dernières lignes affichées par ton programme :")
            lines.extend(f"      | {line}" for line in result.output.splitlines())
    n_ok = sum(1 for ok, _, _ in result.items if ok)
    if result.passed:
        lines.append(f"Bravo : les {n_ok} vérifications sont réussies ({result.seconds:.1f} s).")
    else:
        total = len(result.items)
        lines.append(f"Pas encore : {n_ok} vérification(s) réussie(s) sur {total}"
                     + (" avant l'arrêt." if result.problem else ".")
                     + " Corrige ce qui est marqué ✘ puis relance la vérification.")
    return "\n".join(lines)
