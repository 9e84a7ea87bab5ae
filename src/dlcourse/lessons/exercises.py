"""Exercise checks: the learner's code runs in its own process; the verdict is decided here.

An exercise is a folder ``lessons/exercises/<id>/`` holding:

- ``exercise.yaml``: ``title``, ``chapter``, ``numero`` (``"6.2"``: chapter and rank, a second name
  for the exercise), ``framework`` (``torch``, ``tensorflow``, ``none``, or ``any`` when it can be
  solved in either framework: its lesson then has one tagged cell per framework), ``timeout``
  (seconds, default 120) and ``instructions`` (French);
- ``check.py``, three functions:

  - ``entrees(rng) -> dict``: the inputs, NumPy arrays and numbers, fixed cases and ones drawn from
    ``rng`` (a ``numpy.random.Generator`` seeded with the printed seed);
  - ``sonder(sonde, entrees)``: runs in the learner's process; calls the learner's functions
    through a :class:`dlcourse.lessons.sandbox.Sonde`, which records what they return
    (``sonde.cadre`` is the framework the learner's file imports; :mod:`dlcourse.lessons.neutre`
    runs a model or reads its weights whichever framework built it);
  - ``juger(obs, entrees, r)``: runs here; compares the observations with what it computes from
    the inputs and writes French verdicts on a :class:`dlcourse.lessons.rapport.Rapport`. Its
    messages say what differs, never the hidden expected values.

The starter and the reference solution come from the lesson's cells tagged ``exercise=<id>``
(:mod:`dlcourse.lessons.sources`). :func:`check_exercise` starts ``python -m
dlcourse.lessons.sandbox``, kills it (and its children) at the time limit, and turns every outcome
(pass, fail, crash, infinite loop, segmentation fault) into French sentences. Nothing the
learner's file does can reach this process: it only receives JSON observations.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dlcourse.lessons.catalogue import LessonError, exercise_folder, exercise_ids
from dlcourse.lessons.sources import FRAMEWORKS

DEFAULT_TIMEOUT = 120.0
_NAMES = {"torch": "PyTorch", "tensorflow": "TensorFlow/Keras"}


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
    numero: str | None = None

    @property
    def check(self) -> Path:
        return self.folder / "check.py"

    @property
    def frameworks(self) -> list[str]:
        """The frameworks a learner may solve it in (``["torch", "tensorflow"]`` for ``any``)."""
        return list(FRAMEWORKS) if self.framework == "any" else [self.framework]

    def _variant(self, framework: str | None) -> str | None:
        """The variant to use: ``None`` for a single-framework exercise, else ``framework`` (default torch)."""
        if self.framework != "any":
            if framework is not None and framework != self.framework:
                raise LessonError(f"exercise '{self.id}' is written for {_NAMES.get(self.framework, self.framework)} "
                                  f"only, not for {_NAMES.get(framework, framework)}.",
                                  f"Run 'dlcourse check {self.id} --start' without --framework.")
            return None
        chosen = framework or FRAMEWORKS[0]
        if chosen not in FRAMEWORKS:
            raise LessonError(f"framework must be one of {', '.join(FRAMEWORKS)}, got '{chosen}'.",
                              f"Use --framework {' or --framework '.join(FRAMEWORKS)}.")
        return chosen

    def _code(self, framework: str | None) -> str | None:
        from dlcourse.lessons.sources import exercise_code

        found = exercise_code(self.id, self.folder.parent.parent, self._variant(framework))
        return found[1] if found else None

    def built_name(self, kind: str, framework: str | None = None) -> str:
        """The file name of a generated ``starter`` or ``solution`` in a built course folder."""
        variant = self._variant(framework)
        return f"{kind}.py" if variant is None else f"{kind}-{variant}.py"

    def starter_text(self, framework: str | None = None) -> str:
        """The learner's starting file: the lesson's cells with each answer replaced by a TODO.

        ``framework`` chooses the variant of an exercise solvable in either framework (default torch).
        """
        from dlcourse.lessons.sources import starter_code

        code = self._code(framework)
        if code is None:
            built = self.folder / self.built_name("starter", framework)
            if built.is_file():
                return built.read_text(encoding="utf-8")
            raise LessonError(f"no lesson has a cell tagged 'exercise={self.id}', and '{built}' does not exist.",
                              f"Tag the exercise's code cell with exercise={self.id} in its lesson.")
        return self._header(framework) + "\n\n" + starter_code(code, f"the cell tagged exercise={self.id}")

    def solution_text(self, framework: str | None = None) -> str:
        """The reference solution (``framework``'s, for an exercise solvable in either): the cells without markers."""
        from dlcourse.lessons.sources import solution_code

        code = self._code(framework)
        if code is None:
            raise LessonError(f"no lesson has a cell tagged 'exercise={self.id}': its solution is not in this "
                              "course folder (a student build has none).")
        return (f'"""Exercice {self.id} : solution de référence (chapitre {self.chapter})."""\n\n'
                + solution_code(code, f"the cell tagged exercise={self.id}"))

    def _header(self, framework: str | None = None) -> str:
        instructions = "\n".join(f"{line}" for line in self.instructions.splitlines())
        variant = self._variant(framework)
        other = [f for f in self.frameworks if f != variant]
        choice = (f"Version {_NAMES[variant]} ; l'exercice se résout aussi avec {_NAMES[other[0]]} :\n"
                  f"    dlcourse check {self.id} --start --framework {other[0]}\n\n") if variant else ""
        return (f'"""Exercice {self.id} : {self.title} (chapitre {self.chapter}).\n\n{instructions}\n\n{choice}'
                "Complétez chaque partie marquée « À compléter », puis vérifiez votre fichier :\n"
                f'    dlcourse check {self.id} {self.id}.py\n"""')


@dataclass
class Result:
    """The outcome of one check.

    Attributes
    ----------
    items: ``(passed, message, hint)`` triples, in French, in the order they were checked.
    problem: a French sentence when the learner's file could not be run to the end
        (crash at import, time limit, segmentation fault); ``None`` otherwise.
    output: the last lines the learner's file printed (for context), possibly empty.
    seed: the seed of the random inputs (``dlcourse check ... --seed SEED`` draws them again).
    framework: the framework the learner's file imports (``torch``, ``tensorflow``, ``aucun``), or
        ``None`` when the file did not run.
    """

    exercise: Exercise
    items: list[tuple[bool, str, str | None]] = field(default_factory=list)
    problem: str | None = None
    problem_hint: str | None = None
    output: str = ""
    seconds: float = 0.0
    seed: int = 0
    framework: str | None = None

    @property
    def passed(self) -> bool:
        return self.problem is None and bool(self.items) and all(ok for ok, _, _ in self.items)

    def to_dict(self) -> dict:
        """The result for tools (``dlcourse check --json``)."""
        return {"exercise": self.exercise.id, "title": self.exercise.title, "chapter": self.exercise.chapter,
                "numero": self.exercise.numero,
                "framework": self.framework or self.exercise.framework, "passed": self.passed, "seed": self.seed,
                "seconds": round(self.seconds, 3),
                "checks": [{"passed": ok, "message": msg, "hint": None if ok else hint}
                           for ok, msg, hint in self.items],
                "problem": self.problem, "problem_hint": self.problem_hint}


def load_exercise(exercise_id: str, root: Path | None = None) -> Exercise:
    """Read ``exercise.yaml`` of ``exercise_id`` (its identifier or its number, ``"6.2"``).

    Raises :class:`LessonError` when unknown or malformed.
    """
    if re.fullmatch(r"\d+\.\d+", exercise_id):
        by_number = {ex.numero: ex for ex in list_exercises(root) if ex.numero}
        if exercise_id not in by_number:
            raise LessonError(f"no exercise has the number '{exercise_id}' (numbers: "
                              f"{', '.join(sorted(by_number, key=_number_key)) or 'none'}).",
                              "Run 'dlcourse check --list' to see the exercises and their numbers.")
        return by_number[exercise_id]
    folder = exercise_folder(exercise_id, root)
    try:
        meta = yaml.safe_load((folder / "exercise.yaml").read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LessonError(f"'{folder / 'exercise.yaml'}' is not valid YAML ({exc}).") from None
    missing = [k for k in ("title", "chapter") if k not in meta]
    if missing:
        raise LessonError(f"'{folder / 'exercise.yaml'}' lacks the key(s) {', '.join(missing)}.")
    framework = str(meta.get("framework", "none"))
    if framework not in (*FRAMEWORKS, "none", "any"):
        raise LessonError(f"'{folder / 'exercise.yaml'}': framework must be torch, tensorflow, none or any, "
                          f"got '{framework}'.")
    return Exercise(id=exercise_id, folder=folder, title=str(meta["title"]), chapter=int(meta["chapter"]),
                    framework=framework, timeout=float(meta.get("timeout", DEFAULT_TIMEOUT)),
                    instructions=str(meta.get("instructions", "")).strip(),
                    numero=str(meta["numero"]) if meta.get("numero") is not None else None)


def _number_key(numero: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in numero.split(".")) if numero else (99, 99)


def list_exercises(root: Path | None = None) -> list[Exercise]:
    """Every exercise, sorted by chapter, number, then identifier."""
    return sorted((load_exercise(i, root) for i in exercise_ids(root)),
                  key=lambda e: (e.chapter, _number_key(e.numero), e.id))


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
        return ("votre programme s'est arrêté brutalement (erreur de segmentation, SIGSEGV), "
                "sans message Python.")
    if name == "SIGKILL":
        return "votre programme a été tué par le système (SIGKILL), souvent faute de mémoire."
    return f"votre programme a été arrêté par le signal {name}."


def load_check(exercise: Exercise) -> dict:
    """The functions ``entrees``, ``sonder`` and ``juger`` of the exercise's ``check.py``."""
    namespace = runpy.run_path(str(exercise.check), run_name="__check__")
    missing = [name for name in ("entrees", "sonder", "juger") if not callable(namespace.get(name))]
    if missing:
        raise LessonError(f"'{exercise.check}' does not define {', '.join(missing)}.",
                          "A check defines entrees(rng), sonder(sonde, entrees) and juger(obs, entrees, r).")
    return namespace


def check_exercise(exercise_id: str, learner_file: str | Path, timeout: float | None = None,
                   root: Path | None = None, seed: int | None = None) -> Result:
    """Run ``learner_file`` against exercise ``exercise_id``'s check; the learner's code runs in a child process.

    Parameters
    ----------
    exercise_id: the exercise's folder name under ``lessons/exercises/``.
    learner_file: the learner's Python file.
    timeout: seconds before the process is killed (default: the exercise's ``timeout``).
    seed: the seed of the random inputs (default: a fresh one, reported in :attr:`Result.seed`).

    Returns
    -------
    Result: the French verdicts; never raises because of the learner's code.
    """
    import numpy as np

    from dlcourse.lessons.rapport import Rapport
    from dlcourse.lessons.wire import decode, encode_inputs

    exercise = load_exercise(exercise_id, root)
    learner = Path(learner_file)
    if not learner.is_file():
        raise LessonError(f"the file to check '{learner}' does not exist.",
                          f"Give the path of your Python file, or run 'dlcourse check {exercise_id} --start' "
                          f"to write the starting file ./{exercise_id}.py.")
    check = load_check(exercise)
    seed = int(seed) if seed is not None else secrets.randbelow(1_000_000)
    inputs = check["entrees"](np.random.default_rng(seed))
    limit = float(timeout if timeout is not None else exercise.timeout)
    result = Result(exercise, seed=seed)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow")}
    with tempfile.TemporaryDirectory(prefix="dlcourse-check-") as tmp:
        in_json, out_json = Path(tmp) / "entrees.json", Path(tmp) / "observations.json"
        in_json.write_text(json.dumps(encode_inputs(inputs)), encoding="utf-8")
        cmd = [sys.executable, "-m", "dlcourse.lessons.sandbox", str(exercise.check), str(learner.resolve()),
               str(in_json), str(out_json)]
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
            result.problem = f"votre programme n'a pas terminé en {limit:g} secondes : il a été arrêté."
            result.problem_hint = ("cherchez une boucle infinie (un « while » dont la condition ne devient jamais "
                                   "fausse) ou un calcul beaucoup trop long (trop d'époques, un tenseur énorme).")
            return result
        result.seconds = time.perf_counter() - start
        result.output = _tail(raw)
        data = None
        if out_json.is_file():
            try:
                data = json.loads(out_json.read_text(encoding="utf-8"))
                observations = {str(k): v for k, v in data["observations"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                data = None
        if data is not None:
            result.problem, result.problem_hint = data.get("problem"), data.get("hint")
            result.framework = data.get("cadre") if isinstance(data.get("cadre"), str) else None
            if result.problem is None:
                rapport = Rapport({k: _decode_observation(v, decode) for k, v in observations.items()},
                                  learner.read_text(encoding="utf-8", errors="replace"))
                try:
                    check["juger"](rapport.observations, inputs, rapport)
                except Exception as exc:  # noqa: BLE001 - an observation of an unexpected type
                    rapport.echec("la vérification n'a pas pu aller au bout : une valeur renvoyée n'a pas le type "
                                  f"attendu ({type(exc).__name__}).",
                                  "vérifiez que vos fonctions renvoient ce que demande la consigne "
                                  "(un tenseur, un modèle, une liste de nombres…).")
                result.items = rapport.items
        elif out_json.is_file():
            result.problem = "votre programme a remplacé ou abîmé le fichier des observations de la vérification."
            result.problem_hint = "votre fichier ne doit écrire que ses propres fichiers ; retirez ce qui y touche."
        elif proc.returncode < 0:
            result.problem = _signal_sentence(proc.returncode)
            result.problem_hint = "lancez votre fichier directement (python votre_fichier.py) pour voir où il s'arrête."
        else:
            result.problem = (f"votre programme s'est arrêté (code de sortie {proc.returncode}) avant la fin "
                              "des vérifications.")
            result.problem_hint = ("évitez « sys.exit() », « exit() » ou « os._exit() » dans votre fichier et "
                                   "lancez-le directement pour voir ce qu'il affiche.")
    return result


def _decode_observation(obs, decode):
    if isinstance(obs, dict) and "value" in obs:
        return {**obs, "value": decode(obs["value"])}
    return obs if isinstance(obs, dict) else {"error": {"message": "observation illisible", "hint": None}}


def _tail(raw: bytes | None, lines: int = 8) -> str:
    text = (raw or b"").decode("utf-8", errors="replace")
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def format_result(result: Result, file: str | Path | None = None) -> str:
    """The French report printed by ``dlcourse check``: one line per verification, hints indented.

    ``file`` is the learner's file as they named it, quoted in the command that replays the check
    (left out when it is the default ``EXERCISE.py``).
    """
    import shlex

    ex = result.exercise
    named = "" if file is None or Path(file) == Path(f"{ex.id}.py") else f" {shlex.quote(str(file))}"
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
            lines.append("  Dernières lignes affichées par votre programme :")
            lines.extend(f"      | {line}" for line in result.output.splitlines())
    lines.append(f"  (entrées aléatoires tirées avec la graine {result.seed} ; pour rejouer les mêmes : "
                 f"dlcourse check {ex.id}{named} --seed {result.seed})")
    n_ok = sum(1 for ok, _, _ in result.items if ok)
    if result.passed:
        lines.append(f"Bravo : les {n_ok} vérifications sont réussies ({result.seconds:.1f} s).")
    else:
        total = len(result.items)
        lines.append(f"Pas encore : {n_ok} vérification(s) réussie(s) sur {total}"
                     + (" avant l'arrêt." if result.problem else ".")
                     + " Corrigez ce qui est marqué ✘ puis relancez la vérification.")
    return "\n".join(lines)
