"""Build lessons: Jupytext source → executed ``.ipynb`` + static HTML, trainer or student version.

Cell tags understood in a lesson source:

``parameters``
    the cell holding ``FAST = False``; a build with ``fast=True`` inserts ``FAST = True`` after it
    (tagged ``injected-parameters``, as papermill does).
``solution``
    a reference solution: executed and kept in the trainer build, removed from the student build.
``starter``
    the learner's starting code (with ``TODO``): not executed, left out of the trainer build,
    kept (without outputs) in the student build.

The student version is derived from the executed trainer notebook, so its figures and outputs
are there, but not a single solution cell. Every file is written under a temporary name and
renamed when complete.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dlcourse.errors import DlcourseError
from dlcourse.lessons.catalogue import Lesson, LessonError, exercises_dir, lessons_dir

SOLUTION, STARTER, PARAMETERS = "solution", "starter", "parameters"
DEFAULT_OUT = Path("build") / "lessons"
DEFAULT_STUDENT_OUT = Path("build") / "lessons-student"


class LessonExecutionError(DlcourseError):
    """A lesson cell raised an error while the lesson was executed."""


@dataclass
class Built:
    lesson: Lesson
    notebook: Path
    html: Path | None
    seconds: float


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def read_notebook(lesson: Lesson):
    """The lesson source as an ``nbformat`` notebook (nbformat 4), with a Python 3 kernelspec."""
    import jupytext

    nb = jupytext.read(lesson.path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def inject_parameters(nb, fast: bool | None):
    """A copy of ``nb`` with ``FAST = fast`` inserted after the ``parameters`` cell (unchanged if ``None``)."""
    import nbformat

    nb = copy.deepcopy(nb)
    if fast is None:
        return nb
    for i, cell in enumerate(nb.cells):
        if PARAMETERS in _tags(cell):
            injected = nbformat.v4.new_code_cell(f"FAST = {bool(fast)}  # injecté par 'dlcourse lessons build'")
            injected.metadata["tags"] = ["injected-parameters"]
            nb.cells.insert(i + 1, injected)
            return nb
    raise LessonError("the lesson has no cell tagged 'parameters' holding FAST = ...; add one so that it can "
                      "run in fast mode.")


def execute(nb, cwd: Path, timeout: float = 600, lesson_name: str = "lesson"):
    """Run every code cell of ``nb`` (starter cells excepted) in a fresh kernel; returns the executed copy.

    Raises :class:`LessonExecutionError` naming the cell that failed.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = copy.deepcopy(nb)
    hidden = []
    for cell in nb.cells:
        if STARTER in _tags(cell) and cell.cell_type == "code":
            cell.cell_type = "raw"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            hidden.append(cell)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except CellTimeoutError as exc:
        raise LessonExecutionError(f"{lesson_name}: a cell ran longer than {timeout:g} s ({_first_line(exc)}).") from None
    except CellExecutionError as exc:
        index = next((i for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
                      if o.get("output_type") == "error"), None)
        where = f"cell {index + 1}" if index is not None else "a cell"
        raise LessonExecutionError(f"{lesson_name}: {where} failed: {exc.ename}: {exc.evalue}") from None
    strip_noise(nb)
    for cell in hidden:
        cell.cell_type = "code"
        cell.outputs, cell.execution_count = [], None
    return nb


NOISE_PREFIXES = ("WARNING: All log messages before absl::InitializeLog()", "I0000 ", "W0000 ", "E0000 ",
                  "[IPKernelApp] WARNING | Kernel is running over TCP")


def strip_noise(nb):
    """Remove the frameworks' start-up log lines (absl, CUDA probing) from the cells' stderr outputs."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                lines = [line for line in out.get("text", "").splitlines(keepends=True)
                         if not line.startswith(NOISE_PREFIXES)]
                if not "".join(lines).strip():
                    continue
                out["text"] = "".join(lines)
            kept.append(out)
        cell.outputs = kept
    return nb


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def trainer_version(nb):
    """``nb`` without its ``starter`` cells."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if STARTER not in _tags(c)]
    return nb


def student_version(nb):
    """``nb`` without its ``solution`` cells; ``starter`` cells kept as code, without outputs."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if SOLUTION in tags:
            continue
        if STARTER in tags and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


def to_html(nb) -> str:
    """A standalone HTML page of ``nb`` (figures embedded), for projecting without Jupyter."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    return body


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy(src: Path, dst: Path) -> None:
    _write_text(dst, src.read_text(encoding="utf-8"))


def build_lesson(lesson: Lesson, out_dir: Path, student: bool = False, fast: bool | None = None,
                 run: bool = True, html: bool = True, timeout: float = 600) -> Built:
    """Build one lesson into ``out_dir`` as ``NN_slug.ipynb`` (and ``NN_slug.html``).

    Parameters
    ----------
    student: write the learner version (no solution cells) instead of the trainer version.
    fast: inject ``FAST = fast`` after the parameters cell (``None``: keep the lesson's value).
    run: execute the notebook (otherwise it is written without outputs).
    """
    import nbformat

    start = time.perf_counter()
    nb = inject_parameters(read_notebook(lesson), fast)
    if run:
        with tempfile.TemporaryDirectory(prefix=f"dlcourse-{lesson.stem}-") as cwd:
            nb = execute(nb, Path(cwd), timeout=timeout, lesson_name=lesson.path.name)
    nb = student_version(nb) if student else trainer_version(nb)
    out_dir = Path(out_dir)
    nb_path = out_dir / f"{lesson.stem}.ipynb"
    _write_text(nb_path, nbformat.writes(nb))
    html_path = None
    if html:
        html_path = out_dir / f"{lesson.stem}.html"
        _write_text(html_path, to_html(nb))
    return Built(lesson, nb_path, html_path, time.perf_counter() - start)


def copy_exercises(out_dir: Path, student: bool, chapters: set[int] | None = None, root: Path | None = None) -> list[Path]:
    """Copy each exercise's ``exercise.yaml`` and ``starter.py`` (and ``solution.py`` unless ``student``)."""
    from dlcourse.lessons.exercises import list_exercises

    written = []
    for ex in list_exercises(root):
        if chapters is not None and ex.chapter not in chapters:
            continue
        names = ["exercise.yaml", "starter.py"] + ([] if student else ["solution.py"])
        for name in names:
            dst = Path(out_dir) / "exercises" / ex.id / name
            _copy(ex.folder / name, dst)
            written.append(dst)
    return written


def clean_out_dir(out_dir: Path) -> None:
    """Remove a previous build's notebooks, pages and exercises from ``out_dir`` (nothing else)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    for p in list(out_dir.glob("[0-9][0-9]_*.ipynb")) + list(out_dir.glob("[0-9][0-9]_*.html")):
        p.unlink()
    shutil.rmtree(out_dir / "exercises", ignore_errors=True)


__all__ = ["build_lesson", "copy_exercises", "clean_out_dir", "student_version", "trainer_version",
           "inject_parameters", "execute", "read_notebook", "to_html", "DEFAULT_OUT", "DEFAULT_STUDENT_OUT",
           "LessonExecutionError", "lessons_dir", "exercises_dir"]
