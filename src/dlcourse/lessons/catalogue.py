"""Where the lessons, exercises and quizzes are, and what they are called.

The course folder is ``$DLCOURSE_LESSONS_DIR`` when set, otherwise a built course folder (one
holding ``dlcourse-course.json``, written by ``dlcourse lessons build``) that contains the current
directory, otherwise the copy shipped inside the
package (``dlcourse/course/``, written there when the wheel is built), otherwise the ``lessons/``
folder of the source checkout this package is installed from (an editable install).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.errors import UserError, did_you_mean

COURSE_MARKER = "dlcourse-course.json"
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
    if env:
        path = Path(env)
        if not path.is_dir():
            raise LessonError(f"DLCOURSE_LESSONS_DIR is '{env}', which is not a folder.",
                              "Unset DLCOURSE_LESSONS_DIR to use the lessons shipped with dlcourse, or set it to "
                              "the folder that holds 01_introduction.py and the other lessons.")
        return path
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_MARKER).is_file():
            return folder
    for path in (Path(__file__).resolve().parents[1] / "course", Path(__file__).resolve().parents[3] / "lessons"):
        if path.is_dir():
            return path
    raise LessonError("this installation of dlcourse has no lessons (neither dlcourse/course/ nor a source "
                      "checkout's lessons/ folder).",
                      "Reinstall with 'pip install \"dlcourse[lessons]\"', or set DLCOURSE_LESSONS_DIR to the folder "
                      "that holds 01_introduction.py and the other lessons.")


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
