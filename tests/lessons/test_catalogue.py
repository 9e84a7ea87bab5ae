"""The lesson catalogue, quizzes and the commands that need no framework."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dlcourse.lessons.catalogue import LessonError, exercise_folder, get_lesson, list_lessons
from dlcourse.lessons.exercises import list_exercises, load_exercise
from dlcourse.lessons.quiz import available_chapters, load_quiz, parse_answer, run_terminal


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


def test_at_least_three_exercises_for_chapters_3_and_4_with_all_files():
    exercises = list_exercises()
    for chapter in (3, 4):
        assert len([e for e in exercises if e.chapter == chapter]) >= 3
    for ex in exercises:
        for path in (ex.starter, ex.solution, ex.check):
            assert path.is_file(), path
        assert "TODO" in ex.starter.read_text(encoding="utf-8")
        assert "TODO" not in ex.solution.read_text(encoding="utf-8")
        assert ex.timeout > 0 and ex.instructions


def test_unknown_exercise_suggests_the_closest_name():
    with pytest.raises(LessonError, match="Did you mean 'tf_gradient'"):
        exercise_folder("tf_gradiant")
    with pytest.raises(LessonError):
        load_exercise("nothing_like_it")


@pytest.mark.parametrize("chapter", [1, 2, 3, 4])
def test_each_quiz_has_five_questions_with_valid_answers_and_explanations(chapter):
    quiz = load_quiz(chapter)
    assert quiz.chapitre == chapter and len(quiz.questions) == 5
    for q in quiz.questions:
        assert 1 <= q.reponse <= len(q.choix) and len(q.explication) > 20
    html = quiz._repr_html_()
    assert html.count("<details>") == 5


def test_quiz_chapters_listed_and_missing_quiz_is_a_clear_error():
    assert {1, 2, 3, 4} <= set(available_chapters())
    with pytest.raises(LessonError, match="no quiz for chapter 9"):
        load_quiz(9)


def test_parse_answer_letters_and_numbers():
    assert parse_answer("b", 4) == 2 and parse_answer(" C ", 4) == 3 and parse_answer("4", 4) == 4
    assert parse_answer("E", 4) is None and parse_answer("0", 4) is None and parse_answer("oui", 4) is None


def test_terminal_quiz_scores_and_explains_every_answer():
    quiz = load_quiz(1)
    right = ["ABCD"[q.reponse - 1] for q in quiz.questions]
    wrong = ["ABCD"[q.reponse % len(q.choix)] for q in quiz.questions]
    said: list[str] = []
    assert run_terminal(quiz, answers=right, say=said.append) == 5
    assert sum("Bonne réponse" in s for s in said) == 5
    said.clear()
    assert run_terminal(quiz, answers=wrong, say=said.append) == 0
    assert all(q.explication in "\n".join(said) for q in quiz.questions)


def test_interactive_quiz_reasks_on_invalid_input_and_stops_on_eof():
    quiz = load_quiz(2)
    inputs = iter(["zzz", "1"])

    def ask(prompt):
        try:
            return next(inputs)
        except StopIteration:
            raise EOFError from None

    said: list[str] = []
    score = run_terminal(quiz, ask=ask, say=said.append)
    assert score == int(quiz.questions[0].reponse == 1)
    assert any("Réponds par une lettre" in s for s in said)
    assert any("Quiz interrompu" in s for s in said)


def test_wrong_number_of_given_answers_is_a_user_error():
    with pytest.raises(LessonError, match="5 questions"):
        run_terminal(load_quiz(3), answers=["A"], say=lambda s: None)


def test_cli_quiz_list_and_errors(cli):
    quiz = load_quiz(4)
    answers = ",".join("ABCD"[q.reponse - 1] for q in quiz.questions)
    done = cli("quiz", "4", "--answers", answers)
    assert done.returncode == 0, done.stderr
    assert "Score : 5/5." in done.stdout
    listed = cli("lessons", "list")
    assert listed.returncode == 0 and "torch_boucle" in listed.stdout and "Chapitre 4" in listed.stdout
    bad = cli("quiz", "12")
    assert bad.returncode == 2 and bad.stderr.startswith("error: there is no quiz for chapter 12")
    assert "Traceback" not in bad.stderr
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
    assert copied.read_text(encoding="utf-8") == load_exercise("torch_boucle").starter.read_text(encoding="utf-8")
    again = cli("check", "torch_boucle", "--start", cwd=tmp_path)
    assert again.returncode == 2 and "does not overwrite" in again.stderr


def test_lesson_commands_import_no_framework():
    code = ("import sys, dlcourse.cli as c; c.build_parser(); import dlcourse.commands.lessons, "
            "dlcourse.lessons.catalogue, dlcourse.lessons.quiz, dlcourse.lessons.exercises, dlcourse.lessons.build; "
            "print(sorted(m for m in ('torch', 'tensorflow', 'keras', 'nbclient', 'jupytext') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
