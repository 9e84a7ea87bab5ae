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
``exercise=<id>``
    an exercise's code, its answers between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
    (:mod:`dlcourse.lessons.sources`): executed as written in the trainer build; in the student
    build, the starter (each answer replaced by ``raise NotImplementedError``), without outputs.

The student version is derived from the executed trainer notebook, so its figures and outputs
are there, but not a single solution. A built folder also holds each exercise's files
(``exercise.yaml``, ``check.py``, ``starter.py``, and ``solution.py`` in the trainer build; one
``starter-<framework>.py`` per framework for an exercise solvable in either), the
quizzes and a ``dlcourse-course.json`` marker, so that ``dlcourse check`` and ``dlcourse quiz``
work from it (:func:`dlcourse.lessons.catalogue.lessons_dir`). Every file is written under a temporary name and
renamed when complete.
"""

from __future__ import annotations

import base64
import copy
import functools
import os
import re
import shutil
import sys
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

    # the kernel process's own stderr (TensorFlow's C++ start-up logs, the kernel's transport
    # warning) goes to a log, shown only when the kernel itself fails
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        try:
            client.execute(stderr=log)
        except CellTimeoutError as exc:
            raise LessonExecutionError(f"{lesson_name}: a cell ran longer than {timeout:g} s "
                                       f"({_first_line(exc)}).") from None
        except CellExecutionError as exc:
            index = next((i for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
                          if o.get("output_type") == "error"), None)
            where = f"cell {index + 1}" if index is not None else "a cell"
            raise LessonExecutionError(f"{lesson_name}: {where} failed: {exc.ename}: {exc.evalue}") from None
        except Exception:
            log.seek(0)
            kept = [line for line in log.read().splitlines() if line.strip() and not line.startswith(NOISE_PREFIXES)]
            if kept:
                print("\n".join(kept[-20:]), file=sys.stderr)
            raise
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
    """``nb`` without its ``solution`` cells; ``starter`` cells kept as code and ``exercise=<id>`` cells
    turned into their starter, both without outputs."""
    from dlcourse.lessons.sources import exercise_tag, starter_code

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if SOLUTION in tags:
            continue
        exercise = exercise_tag(tags)
        if exercise is not None and cell.cell_type == "code":
            cell.source = starter_code(cell.source, f"the cell tagged exercise={exercise}").rstrip("\n")
        if (STARTER in tags or exercise is not None) and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


KATEX_DIR = Path(__file__).with_name("katex")

# nbconvert's "lab" page, less what it would fetch from the network: require.js, MathJax, Mermaid and the
# widget manager come from CDNs. The formulas are typeset by the KaTeX inlined in the page instead.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
{{ resources.offline_math }}
{%- endblock html_head_js_mathjax -%}
"""

# The delimiters MathJax is given by nbconvert's template ($$ before $, so that $$ is display math).
_KATEX_RENDER = r"""document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [
      {left: "$$", right: "$$", display: true},
      {left: "\\[", right: "\\]", display: true},
      {left: "$", right: "$", display: false},
      {left: "\\(", right: "\\)", display: false},
      {left: "\\begin{equation}", right: "\\end{equation}", display: true},
      {left: "\\begin{align}", right: "\\end{align}", display: true},
      {left: "\\begin{gather}", right: "\\end{gather}", display: true}
    ],
    throwOnError: false
  });
});"""


@functools.lru_cache(maxsize=1)
def offline_math_head() -> str:
    """``<style>`` and ``<script>`` elements that typeset ``$...$`` and ``$$...$$`` with the KaTeX shipped
    in the package (fonts inlined as ``data:`` URLs): a page with them needs no network for its formulas."""
    def font(match: re.Match) -> str:
        data = base64.b64encode((KATEX_DIR / "fonts" / match.group(1)).read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    css = (KATEX_DIR / "katex.min.css").read_text(encoding="utf-8")
    # Only the WOFF2 files are shipped; every browser that runs KaTeX reads them.
    css = re.sub(r'src:url\(fonts/([\w-]+\.woff2)\) format\("woff2"\)[^;}]*', font, css)
    scripts = [(KATEX_DIR / name).read_text(encoding="utf-8") for name in ("katex.min.js", "auto-render.min.js")]
    scripts.append(_KATEX_RENDER)
    parts = [f"<style type=\"text/css\">\n{css}\n</style>"]
    parts += ["<script>\n" + js.replace("</script", "<\\/script") + "\n</script>" for js in scripts]
    return "\n".join(parts)


def to_html(nb) -> str:
    """A standalone HTML page of ``nb`` (figures embedded), for projecting without Jupyter.

    The page loads nothing from the network: its formulas are typeset by an inlined KaTeX
    (about 0.7 MB per page) and the scripts nbconvert would take from CDNs are left out.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.raw_template = _OFFLINE_TEMPLATE
    body, _ = exporter.from_notebook_node(nb, resources={"offline_math": offline_math_head()})
    return body


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, renamed when complete (folders created).

    The file gets the permissions any new file gets here (``0o666`` less the umask), not the
    temporary file's private ``0o600``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """:func:`write_bytes` of ``text`` in UTF-8."""
    write_bytes(path, text.encode("utf-8"))


def _copy(src: Path, dst: Path) -> None:
    write_text(dst, src.read_text(encoding="utf-8"))


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

    from dlcourse.lessons.glossaire import link_terms

    start = time.perf_counter()
    nb = inject_parameters(link_terms(read_notebook(lesson), lesson), fast)  # first appearances → glossary
    if run:
        with tempfile.TemporaryDirectory(prefix=f"dlcourse-{lesson.stem}-") as cwd:
            nb = execute(nb, Path(cwd), timeout=timeout, lesson_name=lesson.path.name)
    nb = student_version(nb) if student else trainer_version(nb)
    out_dir = Path(out_dir)
    nb_path = out_dir / f"{lesson.stem}.ipynb"
    write_text(nb_path, nbformat.writes(nb))
    html_path = None
    if html:
        html_path = out_dir / f"{lesson.stem}.html"
        write_text(html_path, to_html(nb))
    return Built(lesson, nb_path, html_path, time.perf_counter() - start)


def copy_exercises(out_dir: Path, student: bool, chapters: set[int] | None = None, root: Path | None = None) -> list[Path]:
    """Write each exercise's ``exercise.yaml``, ``check.py`` and generated ``starter.py`` (and ``solution.py``
    unless ``student``), the quizzes, and the ``dlcourse-course.json`` marker; return the files written."""
    import json

    from dlcourse.lessons.catalogue import COURSE_MARKER, quizzes_dir
    from dlcourse.lessons.exercises import list_exercises

    out_dir = Path(out_dir)
    written = []
    for ex in list_exercises(root):
        if chapters is not None and ex.chapter not in chapters:
            continue
        folder = out_dir / "exercises" / ex.id
        for name in ("exercise.yaml", "check.py"):
            _copy(ex.folder / name, folder / name)
            written.append(folder / name)
        texts = {}
        for framework in ex.frameworks if ex.framework == "any" else [None]:
            texts[ex.built_name("starter", framework)] = ex.starter_text(framework)
            if not student:
                texts[ex.built_name("solution", framework)] = ex.solution_text(framework)
        for name, text in texts.items():
            write_text(folder / name, text)
            written.append(folder / name)
    quizzes = quizzes_dir(root)
    for quiz in sorted(quizzes.glob("ch[0-9][0-9].yaml")) if quizzes.is_dir() else []:
        if chapters is None or int(quiz.stem[2:]) in chapters:
            _copy(quiz, out_dir / "quizzes" / quiz.name)
            written.append(out_dir / "quizzes" / quiz.name)
    marker = out_dir / COURSE_MARKER
    write_text(marker, json.dumps({"version": "student" if student else "trainer"}) + "\n")
    return written + [marker]


def write_course_pages(out_dir: Path) -> list[Path]:
    """The course's timed plan (``plan.md``, ``plan.html``) and, when the course has one, its glossary
    (``glossaire.md``, ``glossaire.html``) in a build folder; returns the files written."""
    from dlcourse.lessons.glossaire import glossary_path, write_glossary
    from dlcourse.lessons.plan import write_plan

    return write_plan(out_dir) + (write_glossary(out_dir) if glossary_path().is_file() else [])


def clean_out_dir(out_dir: Path) -> None:
    """Remove a previous build's notebooks, pages, exercises, quizzes and slides from ``out_dir`` (nothing else)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    for p in list(out_dir.glob("[0-9][0-9]_*.ipynb")) + list(out_dir.glob("[0-9][0-9]_*.html")):
        p.unlink()
    shutil.rmtree(out_dir / "exercises", ignore_errors=True)
    shutil.rmtree(out_dir / "quizzes", ignore_errors=True)
    shutil.rmtree(out_dir / "slides", ignore_errors=True)


__all__ = ["build_lesson", "copy_exercises", "clean_out_dir", "write_course_pages", "student_version",
           "trainer_version", "inject_parameters", "execute", "read_notebook", "to_html", "DEFAULT_OUT", "DEFAULT_STUDENT_OUT",
           "LessonExecutionError", "lessons_dir", "exercises_dir"]
