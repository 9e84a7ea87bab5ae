"""The lesson catalogue and the commands that need no framework."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dlcourse.lessons.catalogue import LessonError, exercise_folder, get_lesson, list_lessons
from dlcourse.lessons.exercises import list_exercises, load_exercise


def test_one_lesson_per_chapter_1_to_4_with_a_french_title():
    lessons = list_lessons()
    numbers = [lesson.number for lesson in lessons]
    assert numbers[:4] == [1, 2, 3, 4]
    for lesson in lessons:
        assert lesson.title.startswith(f"Chapitre {lesson.number}"), lesson.title
        assert "tags=[\"parameters\"]" in lesson.path.read_text(encoding="utf-8")


def test_get_lesson_accepts_strings_and_rejects_unknown_chapters():
    assert get_lesson("3").slug == "tensorflow"
    with pytest.raises(LessonError, match="no lesson for chapter 42"):
        get_lesson(42)
    with pytest.raises(LessonError, match="must be a number"):
        get_lesson("trois")


def test_at_least_three_exercises_for_chapters_3_and_4_each_generated_from_its_lesson():
    exercises = list_exercises()
    for chapter in (3, 4):
        assert len([e for e in exercises if e.chapter == chapter]) >= 3
    for ex in exercises:
        assert ex.check.is_file(), ex.check
        starter, solution = ex.starter_text(), ex.solution_text()
        assert "raise NotImplementedError" in starter and "À compléter" in starter
        assert "### BEGIN SOLUTION" not in starter + solution and "NotImplementedError" not in solution
        assert ex.timeout > 0 and ex.instructions


def test_unknown_exercise_suggests_the_closest_name():
    with pytest.raises(LessonError, match="Did you mean 'tf_gradient'"):
        exercise_folder("tf_gradiant")
    with pytest.raises(LessonError):
        load_exercise("nothing_like_it")


def test_cli_lists_lessons_and_exercises(cli):
    listed = cli("lessons", "list")
    assert listed.returncode == 0 and "torch_boucle" in listed.stdout and "Chapitre 4" in listed.stdout
    exercises = cli("check", "--list")
    assert exercises.returncode == 0 and "keras_parametres" in exercises.stdout


def test_cli_open_prints_the_path_of_a_notebook_it_writes_when_missing(cli, tmp_path):
    done = cli("lessons", "open", "1", "--print-path", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    path = tmp_path / "01_introduction.ipynb"
    assert done.stdout.strip() == str(path.resolve()) and path.is_file()
    import nbformat

    nb = nbformat.read(path, as_version=4)
    assert any("make_moons" in c.source for c in nb.cells)


def test_check_start_copies_the_starter_and_refuses_to_overwrite(cli, tmp_path):
    done = cli("check", "torch_boucle", "--start", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    copied = tmp_path / "torch_boucle.py"
    assert copied.read_text(encoding="utf-8") == load_exercise("torch_boucle").starter_text()
    again = cli("check", "torch_boucle", "--start", cwd=tmp_path)
    assert again.returncode == 2 and "does not overwrite" in again.stderr


def test_lesson_commands_import_no_framework():
    code = ("import sys, dlcourse.cli as c; c.build_parser(); import dlcourse.commands.lessons, "
            "dlcourse.lessons.catalogue, dlcourse.lessons.quiz, dlcourse.lessons.exercises, dlcourse.lessons.build; "
            "print(sorted(m for m in ('torch', 'tensorflow', 'keras', 'nbclient', 'jupytext') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
