"""Quizzes: content rules across chapters, shuffling, the terminal session and the ``dlcourse quiz`` command."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from dlcourse.lessons.catalogue import LessonError
from dlcourse.lessons.quiz import (EXIT_DONE, EXIT_INPUT_ENDED, EXIT_INTERRUPTED, available_chapters, cli_quiz,
                                   load_quiz, parse_answer, run_terminal, wrap)

CHAPTERS = available_chapters()


def _letters(quiz, right: bool) -> list[str]:
    return ["ABCDEFGH"[(q.reponse - 1 if right else q.reponse % len(q.choix))] for q in quiz.questions]


def test_every_chapter_with_a_lesson_has_a_quiz_of_8_to_10_explained_questions():
    assert {1, 2, 3, 4} <= set(CHAPTERS)
    for chapter in CHAPTERS:
        quiz = load_quiz(chapter)
        assert quiz.chapitre == chapter and 8 <= len(quiz.questions) <= 10, (chapter, len(quiz.questions))
        for q in quiz.questions:
            assert 1 <= q.reponse <= len(q.choix) and len(q.explication) > 20
            assert " - " not in q.question, q.question
        assert quiz._repr_html_().count("<details>") == len(quiz.questions)


def test_right_answers_are_neither_guessable_by_position_nor_by_length():
    questions = [q for c in CHAPTERS for q in load_quiz(c).questions]
    positions = Counter(q.reponse for q in questions)
    longest = sum(len(q.bonne_reponse) == max(map(len, q.choix)) for q in questions)
    assert max(positions.values()) <= 0.35 * len(questions), positions
    assert longest <= 0.40 * len(questions), f"{longest}/{len(questions)} right answers are the longest choice"


def test_shuffling_keeps_the_right_answer_and_changes_with_the_seed():
    quiz = load_quiz(1)
    a, b = quiz.shuffled(1), quiz.shuffled(1)
    assert a == b
    for original, shown in zip(quiz.questions, a.questions):
        assert sorted(original.choix) == sorted(shown.choix)
        assert shown.bonne_reponse == original.bonne_reponse
    orders = {tuple(q.choix for q in quiz.shuffled(seed).questions) for seed in range(6)}
    assert len(orders) > 1
    # over many shuffles the right answer lands in every position
    spots = Counter(q.reponse for seed in range(50) for q in quiz.shuffled(random.Random(seed)).questions)
    assert set(spots) == {1, 2, 3, 4}


def test_terminal_quiz_scores_explains_and_lists_missed_questions_at_the_end():
    quiz = load_quiz(1).shuffled(7)
    said: list[str] = []
    result = run_terminal(quiz, answers=_letters(quiz, True), shuffle=False, say=said.append, width=70)
    assert result.score == result.total == len(quiz.questions) and not result.missed
    assert "Aucune question manquée" in "\n".join(said)
    said.clear()
    wrong = _letters(quiz, True)
    wrong[2] = _letters(quiz, False)[2]
    result = run_terminal(quiz, answers=wrong, shuffle=False, say=said.append, width=70)
    text = "\n".join(said)
    assert result.score == len(quiz.questions) - 1 and [m.number for m in result.missed] == [3]
    summary = text[text.index("Question manquée"):]
    assert quiz.questions[2].bonne_reponse.split()[0] in summary and "Bonne réponse : " in summary
    assert all(len(line) <= 70 for line in text.splitlines() if " " in line.strip()), text


def test_wrapping_keeps_french_punctuation_with_its_word():
    text = wrap("Quelle est la forme du tenseur renvoyé par cette opération ? Réponse : (100 480, 10) !", 20)
    assert all(len(line) <= 20 for line in text.splitlines())
    assert not any(line.lstrip().startswith(("?", ":", "!", "480")) for line in text.splitlines())


def test_interactive_quiz_reasks_in_french_and_stops_cleanly_on_end_of_input_and_ctrl_c():
    quiz = load_quiz(2)
    inputs = iter(["zzz", "1"])

    def ask(prompt):
        try:
            return next(inputs)
        except StopIteration:
            raise EOFError from None

    said: list[str] = []
    result = run_terminal(quiz, ask=ask, say=said.append, seed=3)
    assert result.asked == 1 and result.stopped == "eof"
    assert any("« zzz » n'est pas un choix possible" in s for s in said)
    assert any("Fin de l'entrée" in s for s in said)

    def interrupt(prompt):
        raise KeyboardInterrupt

    said.clear()
    code = cli_quiz("2", ask=interrupt, say=said.append)
    assert code == EXIT_INTERRUPTED and any("Quiz interrompu (Ctrl-C)" in s for s in said)
    assert cli_quiz("2", ask=lambda p: (_ for _ in ()).throw(EOFError), say=said.append) == EXIT_INPUT_ENDED


def test_given_answers_need_the_seed_and_the_right_count():
    with pytest.raises(LessonError, match="--answers needs --seed"):
        cli_quiz("3", answers="A,B", say=lambda s: None)
    n = len(load_quiz(3).questions)
    with pytest.raises(LessonError, match=f"{n} questions"):
        cli_quiz("3", answers="A", seed=1, say=lambda s: None)
    assert parse_answer("b", 4) == 2 and parse_answer(" C ", 4) == 3 and parse_answer("4", 4) == 4
    assert parse_answer("E", 4) is None and parse_answer("0", 4) is None and parse_answer("oui", 4) is None


def test_missing_quiz_is_a_clear_error():
    with pytest.raises(LessonError, match="no quiz for chapter 42"):
        load_quiz(42)


def test_cli_quiz_with_seed_and_answers(cli):
    shown = load_quiz(4).shuffled(11)
    done = cli("quiz", "4", "--seed", "11", "--answers", ",".join(_letters(shown, True)))
    assert done.returncode == EXIT_DONE, done.stderr
    assert f"Score : {len(shown.questions)}/{len(shown.questions)}." in done.stdout
    listing = cli("quiz", "4", "--show", "--seed", "11")
    assert listing.returncode == 0 and shown.questions[0].choix[0] in listing.stdout
    bad = cli("quiz", "12")
    assert bad.returncode == 2 and bad.stderr.startswith("error: there is no quiz for chapter 12")
    assert "Traceback" not in bad.stderr
