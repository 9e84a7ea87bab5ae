"""Check an exercise from a notebook: ``from dlcourse.exercises import check; check("6.2")``.

The functions the exercise asks for are taken from the notebook (their source, as the learner
typed it), together with the notebook's imports, the simple constants they use and the other
functions they call, and written to a temporary file. That file is checked by ``dlcourse check``
in a separate process, exactly as from a terminal: the learner's code runs in its own process and
the verdict is decided and worded by the command, so the notebook shows the same French report.
Nothing is sent anywhere, except to a training room the learner joined (``dlcourse classroom``).
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
import tempfile
import textwrap
import types
from pathlib import Path

__all__ = ["check", "notebook_source"]


def _parse(source: str) -> ast.Module | None:
    """``source`` as a syntax tree, IPython's ``%magic`` and ``!shell`` lines blanked; ``None`` if invalid."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _wanted_names(starter: str) -> list[str]:
    """The top-level functions and classes of the exercise's starting file, in order."""
    tree = ast.parse(starter)
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def _is_learners(obj, namespace_name: str) -> bool:
    return isinstance(obj, (types.FunctionType, type)) and getattr(obj, "__module__", None) == namespace_name


def _source_of(obj) -> str | None:
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return None


def notebook_source(namespace: dict, cells: list[str], names: list[str]) -> str:
    """The Python file checked for a notebook: its imports, simple constants and the functions ``names``.

    Parameters
    ----------
    namespace: the notebook's variables (IPython's ``user_ns``).
    cells: the source of the cells run so far, in order (IPython's ``In``).
    names: the functions and classes the exercise asks for; the functions and classes of the
        notebook that they use are added, and a missing one is simply left out (the check then
        says it is missing).

    Returns
    -------
    str: imports first (each once, in the order they were run), then constants given as a
    literal (``TAILLE = 32``) that the functions use, then the functions' source.
    """
    module_name = namespace.get("__name__", "__main__")
    imports: list[str] = []
    constants: dict[str, str] = {}
    for cell in cells:
        tree = _parse(cell or "")
        for node in tree.body if tree else []:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                text = ast.unparse(node)
                if text not in imports and not text.startswith(("from dlcourse.exercises", "import dlcourse.exercises")):
                    imports.append(text)
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                try:
                    ast.literal_eval(node.value)
                except ValueError:
                    continue
                constants[node.targets[0].id] = ast.unparse(node)
    chosen, queue, used = [], list(names), set()
    while queue:
        name = queue.pop(0)
        if name in chosen:
            continue
        obj = namespace.get(name)
        source = _source_of(obj) if _is_learners(obj, module_name) else None
        if source is None:
            continue
        chosen.append(name)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Name):
                used.add(node.id)
                if _is_learners(namespace.get(node.id), module_name) and node.id not in chosen:
                    queue.append(node.id)
    parts = ["\n".join(imports), "\n".join(text for name, text in constants.items() if name in used)]
    parts += [_source_of(namespace[name]).rstrip() for name in reversed(chosen)]
    return "\n\n\n".join(part for part in parts if part.strip()) + "\n"


def check(exercise: str, seed: int | None = None, timeout: float | None = None) -> None:
    """Check exercise ``exercise`` (its number, ``"6.2"``, or its identifier) on this notebook's functions.

    Prints the French report of ``dlcourse check``; nothing is returned. ``seed`` replays the
    random inputs of an earlier check (the report gives it), ``timeout`` is in seconds.
    Outside a notebook, run ``dlcourse check EXERCISE FILE`` instead.
    """
    from dlcourse.lessons.exercises import load_exercise

    ex = load_exercise(str(exercise))
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        print(f"check() vérifie les fonctions d'un notebook ; hors d'un notebook, lancez : "
              f"dlcourse check {ex.id} VOTRE_FICHIER.py")
        return None
    namespace = shell.user_ns
    source = notebook_source(namespace, list(namespace.get("In", [])), _wanted_names(ex.starter_text()))
    with tempfile.TemporaryDirectory(prefix="dlcourse-notebook-") as tmp:
        (Path(tmp) / f"{ex.id}.py").write_text(source, encoding="utf-8")
        cmd = [sys.executable, "-m", "dlcourse", "check", ex.id, f"{ex.id}.py"]
        cmd += ["--seed", str(int(seed))] if seed is not None else []
        cmd += ["--timeout", str(float(timeout))] if timeout is not None else []
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    report = done.stdout.rstrip("\n")
    found = re.search(rf"dlcourse check {re.escape(ex.id)} --seed (\d+)", report)
    if found:
        report = report.replace(found.group(0), f'check("{exercise}", seed={found.group(1)})')
    print(report if report else done.stderr.strip())
    return None
