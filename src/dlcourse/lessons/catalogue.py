"""Where the lessons, exercises and quizzes are, and what they are called.

The course folder is ``$DLCOURSE_LESSONS_DIR`` when set, otherwise the ``lessons/``
folder of the source checkout this package is installed from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.errors import UserError, did_you_mean

LESSON_PATTERN = re.compile(r"^(\d{2})_([a-z0-9_]+)\.(py|md)$")


class LessonError(UserError):
    """A lesson, exercise or quiz that is unknown, missing or malformed."""


@dataclass(frozen=True)
class Lesson:
    """One chapter's lesson file.

    Attributes
    ----------
    number: the chapter number (1 to 8).
    slug: the file name without number and suffix (``introduction``).
    path: the Jupytext source (``.py`` percent format or ``.md`` MyST).
    title: the first Markdown heading of the lesson.
    """

    number: int
    slug: str
    path: Path
    title: str

    @property
    def stem(self) -> str:
        """``NN_slug``, the name of the built ``.ipynb`` and ``.html`` files."""
        return f"{self.number:02d}_{self.slug}"


def lessons_dir() -> Path:
    """The course folder (``lessons/``); raises :class:`LessonError` when it cannot be found."""
    env = os.environ.get("DLCOURSE_LESSONS_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[3] / "lessons"
    if not path.is_dir():
        raise LessonError(
            f"the lessons folder '{path}' does not exist; dlcourse looks for the 'lessons/' folder of its source checkout.",
            "Set DLCOURSE_LESSONS_DIR to the folder that holds 01_introduction.py and the other lessons.")
    return path


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.lstrip("# ").strip() if path.suffix == ".py" else line.lstrip("#").strip()
        if (path.suffix == ".py" and line.startswith("# # ")) or (path.suffix == ".md" and line.startswith("# ")):
            return stripped
    return path.stem


def list_lessons(root: Path | None = None) -> list[Lesson]:
    """Every lesson of the course folder, sorted by chapter number."""
    root = root or lessons_dir()
    out = []
    for path in sorted(root.iterdir()):
        match = LESSON_PATTERN.match(path.name)
        if match and path.is_file():
            out.append(Lesson(int(match.group(1)), match.group(2), path, _title(path)))
    return out


def get_lesson(number: int | str, root: Path | None = None) -> Lesson:
    """The lesson of chapter ``number`` (an int or a string such as ``"3"``)."""
    lessons = list_lessons(root)
    available = ", ".join(str(lesson.number) for lesson in lessons) or "none"
    try:
        wanted = int(str(number))
    except ValueError:
        raise LessonError(f"the chapter must be a number, got '{number}'.",
                          f"Available chapters: {available}.") from None
    for lesson in lessons:
        if lesson.number == wanted:
            return lesson
    raise LessonError(f"there is no lesson for chapter {wanted}; available chapters: {available}.",
                      "Run 'dlcourse lessons list' to see them.")


def exercises_dir(root: Path | None = None) -> Path:
    return (root or lessons_dir()) / "exercises"


def quizzes_dir(root: Path | None = None) -> Path:
    return (root or lessons_dir()) / "quizzes"


def exercise_ids(root: Path | None = None) -> list[str]:
    """Identifiers of the exercises (folder names under ``lessons/exercises/``), sorted."""
    folder = exercises_dir(root)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "exercise.yaml").is_file())


def exercise_folder(exercise_id: str, root: Path | None = None) -> Path:
    """The folder of exercise ``exercise_id``; raises :class:`LessonError` with the closest names when unknown."""
    ids = exercise_ids(root)
    if exercise_id not in ids:
        raise LessonError(
            f"unknown exercise '{exercise_id}'.{did_you_mean(exercise_id, ids)}",
            "Run 'dlcourse check --list' to see the exercises.")
    return exercises_dir(root) / exercise_id
