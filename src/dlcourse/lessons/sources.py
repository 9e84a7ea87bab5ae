"""An exercise's starter and reference solution, generated from its lesson's tagged cells.

The lesson is the one source of an exercise's code: a code cell tagged ``exercise=<id>`` (several
are joined in order) holds the imports and the functions, each body's answer between two marker
lines, nbgrader-style::

    # %% tags=["exercise=torch_autograd"]
    import torch

    def derivee(x):
        \"\"\"... shapes, dtypes, and an "Indication : ..." paragraph ...\"\"\"
        ### BEGIN SOLUTION
        x = x.detach().clone().requires_grad_(True)
        ...
        ### END SOLUTION

An exercise that can be solved in either framework has one cell per framework, tagged
``exercise=<id>@torch`` and ``exercise=<id>@tensorflow``: each is a complete solution (same
function names and signatures), and each gives its own starter.

The **solution** is the cells without the marker lines; the **starter** replaces each marked block
(markers included) by a French "à compléter" comment and ``raise NotImplementedError`` at the
same indentation. Both get a header naming the exercise. A built course folder (the student
build) has no lessons' sources: there, ``exercises/<id>/starter.py`` written by the build is read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.lessons.catalogue import LessonError, list_lessons

TAG_PREFIX = "exercise="
FRAMEWORKS = ("torch", "tensorflow")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_CELL = re.compile(r"^# %%(.*)$")
_TAGS = re.compile(r"tags=(\[[^\]]*\])")


@dataclass(frozen=True)
class Cell:
    """One cell of a Jupytext percent script: its kind (``code``/``markdown``), tags and source."""

    kind: str
    tags: tuple[str, ...]
    source: str


def read_cells(path: Path) -> list[Cell]:
    """The cells of the percent-format script ``path`` (the header comment block excluded)."""
    cells: list[Cell] = []
    kind, tags, lines = None, (), []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _CELL.match(line)
        if match:
            if kind is not None:
                cells.append(Cell(kind, tags, "\n".join(lines).strip("\n")))
            header = match.group(1)
            kind = "markdown" if "[markdown]" in header else "code"
            found = _TAGS.search(header)
            try:
                tags = tuple(json.loads(found.group(1))) if found else ()
            except ValueError:
                raise LessonError(f"'{path}': the cell header '{line}' has malformed tags.",
                                  'Write tags as a JSON list, e.g. # %% tags=["exercise=tf_gradient"].') from None
            lines = []
        elif kind is not None:
            lines.append(line)
    if kind is not None:
        cells.append(Cell(kind, tags, "\n".join(lines).strip("\n")))
    return cells


def exercise_tag(cell_tags) -> str | None:
    """The exercise id of a cell's tags (``exercise=<id>`` or ``exercise=<id>@<framework>``), or ``None``."""
    found = exercise_variant(cell_tags)
    return found[0] if found else None


def exercise_variant(cell_tags) -> tuple[str, str | None] | None:
    """``(id, framework)`` of a cell's exercise tag (framework ``None`` without ``@``), or ``None``."""
    for tag in cell_tags:
        if tag.startswith(TAG_PREFIX):
            exercise, _, framework = tag[len(TAG_PREFIX):].partition("@")
            return exercise, framework or None
    return None


def exercise_cells(exercise_id: str, root: Path | None = None) -> tuple[int, dict[str | None, str]] | None:
    """``(chapter, {framework: code})`` of the cells tagged for ``exercise_id``, or ``None`` when no lesson has any.

    The key is ``None`` for a single-framework exercise (``exercise=<id>``), otherwise the framework
    of each variant (``exercise=<id>@torch``…); several cells of one variant are joined in order.
    """
    for lesson in list_lessons(root):
        if lesson.path.suffix != ".py":
            continue
        variants: dict[str | None, list[str]] = {}
        for cell in read_cells(lesson.path):
            found = exercise_variant(cell.tags) if cell.kind == "code" else None
            if found and found[0] == exercise_id:
                if found[1] is not None and found[1] not in FRAMEWORKS:
                    raise LessonError(f"'{lesson.path}': the tag 'exercise={exercise_id}@{found[1]}' names an "
                                      f"unknown framework.", f"Use @{' or @'.join(FRAMEWORKS)}.")
                variants.setdefault(found[1], []).append(cell.source)
        if variants:
            return lesson.number, {k: "\n\n\n".join(v) for k, v in variants.items()}
    return None


def exercise_code(exercise_id: str, root: Path | None = None, framework: str | None = None) -> tuple[int, str] | None:
    """``(chapter, code)`` of the cells tagged for ``exercise_id`` (``framework``'s variant when it has several).

    Returns ``None`` when no lesson has such cells; raises :class:`LessonError` when the exercise
    has variants and ``framework`` names none of them.
    """
    found = exercise_cells(exercise_id, root)
    if found is None:
        return None
    chapter, variants = found
    if None in variants and len(variants) == 1:
        return chapter, variants[None]
    if framework not in variants:
        raise LessonError(f"exercise '{exercise_id}' exists for {' and '.join(sorted(k for k in variants if k))}, "
                          f"not for framework '{framework}'.",
                          f"Choose one with --framework {'|'.join(sorted(k for k in variants if k))}.")
    return chapter, variants[framework]


def _blocks(code: str, where: str) -> list[tuple[int, int, str]]:
    """``(begin line, end line, indentation)`` of each marked block; malformed markers raise."""
    out, begin = [], None
    for i, line in enumerate(code.splitlines()):
        text = line.strip()
        if text == BEGIN:
            if begin is not None:
                raise LessonError(f"{where}: '{BEGIN}' at line {i + 1} before the previous block's '{END}'.")
            begin = (i, line[: len(line) - len(line.lstrip())])
        elif text == END:
            if begin is None:
                raise LessonError(f"{where}: '{END}' at line {i + 1} without a '{BEGIN}' before it.")
            out.append((begin[0], i, begin[1]))
            begin = None
    if begin is not None:
        raise LessonError(f"{where}: '{BEGIN}' at line {begin[0] + 1} is never closed by '{END}'.")
    return out


def solution_code(code: str, where: str = "exercise cell") -> str:
    """``code`` without its marker lines (the reference solution's body)."""
    _blocks(code, where)
    return "\n".join(line for line in code.splitlines() if line.strip() not in (BEGIN, END)) + "\n"


def starter_code(code: str, where: str = "exercise cell") -> str:
    """``code`` with each marked block replaced by an "à compléter" comment and ``raise NotImplementedError``."""
    blocks = _blocks(code, where)
    if not blocks:
        raise LessonError(f"{where} has no '{BEGIN}' … '{END}' block, so its starter would be the solution.",
                          "Put the answer of each function between those two marker lines.")
    lines = code.splitlines()
    out, last = [], 0
    for begin, end, indent in blocks:
        out += lines[last:begin]
        out += [f"{indent}# À compléter (voir la docstring).", f"{indent}raise NotImplementedError"]
        last = end + 1
    out += lines[last:]
    return "\n".join(out) + "\n"
