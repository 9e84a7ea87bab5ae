"""Multiple-choice quizzes, one per chapter, read from ``lessons/quizzes/chNN.yaml``.

File format (French content)::

    chapitre: 1
    titre: Introduction au Deep Learning
    questions:
      - question: "Qu'est-ce qui distingue ... ?"
        choix: ["réponse A", "réponse B", "réponse C", "réponse D"]
        reponse: 2            # numéro de la bonne réponse dans la liste, à partir de 1
        explication: "Parce que ..."

The order of ``choix`` in the file is not the order the learner sees: every display shuffles
the choices of each question (:meth:`Quiz.shuffled`), with a generator seeded from the system
unless a seed is given, and the right answer follows its choice.

In a terminal, :func:`run_terminal` asks each question, explains each answer, then prints the
score and the missed questions, wrapped to the terminal's width; in a notebook, a :class:`Quiz`
displays itself (shuffled too) with each answer folded under a ``<details>`` tag.
"""

from __future__ import annotations

import html
import random
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import yaml

from dlcourse.lessons.catalogue import LessonError, quizzes_dir

LETTERS = "ABCDEFGH"
MAX_CHOICES = len(LETTERS)

# Exit codes of ``dlcourse quiz`` (see :func:`cli_quiz`).
EXIT_DONE = 0
EXIT_INPUT_ENDED = 1
EXIT_INTERRUPTED = 130

INTERRUPTED = "interrupt"  # QuizResult.stopped after Ctrl-C
INPUT_ENDED = "eof"        # QuizResult.stopped when standard input ends before the last question


@dataclass(frozen=True)
class Question:
    question: str
    choix: tuple[str, ...]
    reponse: int  # 1-based position of the right answer in ``choix``
    explication: str

    @property
    def bonne_reponse(self) -> str:
        """The text of the right answer."""
        return self.choix[self.reponse - 1]

    def shuffled(self, rng: random.Random) -> Question:
        """The same question with its choices in a random order; the right answer follows its choice."""
        order = list(range(len(self.choix)))
        rng.shuffle(order)
        return Question(self.question, tuple(self.choix[k] for k in order), order.index(self.reponse - 1) + 1,
                        self.explication)


@dataclass(frozen=True)
class Quiz:
    chapitre: int
    titre: str
    questions: tuple[Question, ...]

    def shuffled(self, seed: int | random.Random | None = None) -> Quiz:
        """The quiz with each question's choices shuffled (questions stay in order).

        ``seed``: an int gives the same order at every call; ``None`` draws a new order from a
        generator seeded by the system; a :class:`random.Random` is used as is.
        """
        rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        return Quiz(self.chapitre, self.titre, tuple(q.shuffled(rng) for q in self.questions))

    def _repr_html_(self) -> str:
        shown = self.shuffled()
        parts = [f"<h3>Quiz du chapitre {shown.chapitre} : {html.escape(shown.titre)}</h3><ol>"]
        for q in shown.questions:
            items = "".join(f"<li>{html.escape(c)}</li>" for c in q.choix)
            parts.append(
                f"<li><p>{html.escape(q.question)}</p><ol type='A'>{items}</ol>"
                f"<details><summary>Voir la réponse</summary><p><b>Réponse {_letter(q.reponse)}</b> : "
                f"{html.escape(q.bonne_reponse)}</p><p>{html.escape(q.explication)}</p></details></li>")
        parts.append("</ol><p>L'ordre des choix change à chaque affichage. Pour répondre dans un terminal : "
                     f"<code>dlcourse quiz {shown.chapitre}</code></p>")
        return "".join(parts)

    def __str__(self) -> str:
        return render_questions(self, width=80)


@dataclass(frozen=True)
class Missed:
    """A question answered wrongly: its number in the quiz, the question as displayed, the choice given."""

    number: int
    question: Question
    given: int  # 1-based, in the displayed order


@dataclass(frozen=True)
class QuizResult:
    score: int
    asked: int  # questions answered
    total: int
    missed: tuple[Missed, ...]
    stopped: str | None = None  # None: finished; INTERRUPTED (Ctrl-C) or INPUT_ENDED


def _letter(index: int) -> str:
    return LETTERS[index - 1]


# ----------------------------------------------------------------------------- wrapping
_NBSP = "\u00a0"
# Spaces a line must not break at: before « : ; ? ! » and », after «, inside numbers such as 100 480.
_GLUED_SPACE = re.compile(r" (?=[:;?!»])|(?<=«) |(?<=\d) (?=\d{3}\b)")


def terminal_width() -> int:
    """Width to wrap at: the terminal's (``$COLUMNS`` first), less one column, at least 30."""
    return max(30, shutil.get_terminal_size((80, 24)).columns - 1)


def wrap(text: str, width: int, indent: str = "", hang: str | None = None) -> str:
    """``text`` as lines of at most ``width`` characters (a single word longer than that stays whole).

    ``indent`` starts the first line, ``hang`` (default: ``indent``) the next ones. French
    punctuation is never separated from the word before it, nor a « » from its text.
    """
    glued = _GLUED_SPACE.sub(_NBSP, " ".join(text.split()))
    lines = textwrap.wrap(glued, width=width, initial_indent=indent,
                          subsequent_indent=indent if hang is None else hang,
                          break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines or [indent.rstrip()]).replace(_NBSP, " ")


def _numbered(prefix: str, text: str, width: int, margin: str = "") -> str:
    return wrap(text, width, margin + prefix, margin + " " * len(prefix))


def render_questions(quiz: Quiz, width: int | None = None) -> str:
    """The questions and their choices (in the quiz's order, without the answers), wrapped."""
    width = width or terminal_width()
    lines = [wrap(f"Quiz du chapitre {quiz.chapitre} : {quiz.titre} ({len(quiz.questions)} questions)", width)]
    for i, q in enumerate(quiz.questions, 1):
        lines.append("")
        lines.append(_numbered(f"{i}. ", q.question, width))
        lines.extend(_numbered(f"{_letter(j)}. ", c, width, margin="   ") for j, c in enumerate(q.choix, 1))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- loading
def quiz_path(chapter: int, root: Path | None = None) -> Path:
    return quizzes_dir(root) / f"ch{chapter:02d}.yaml"


def available_chapters(root: Path | None = None) -> list[int]:
    folder = quizzes_dir(root)
    if not folder.is_dir():
        return []
    out = []
    for p in folder.glob("ch*.yaml"):
        try:
            out.append(int(p.stem[2:]))
        except ValueError:
            continue
    return sorted(out)


def load_quiz(chapter: int | str, root: Path | None = None) -> Quiz:
    """The quiz of ``chapter``, in the file's order; raises :class:`LessonError` when it is missing or malformed."""
    try:
        number = int(str(chapter))
    except ValueError:
        raise LessonError(f"the chapter must be a number, got '{chapter}'.") from None
    path = quiz_path(number, root)
    if not path.is_file():
        have = ", ".join(map(str, available_chapters(root))) or "none"
        raise LessonError(f"there is no quiz for chapter {number}; quizzes exist for chapters: {have}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LessonError(f"the quiz file '{path}' is not valid YAML ({exc}).") from None
    questions = []
    for i, q in enumerate(data.get("questions") or [], 1):
        try:
            if isinstance(q["choix"], (str, bytes)):
                raise TypeError
            choix = tuple(str(c) for c in q["choix"])
            reponse = int(q["reponse"])
            item = Question(str(q["question"]), choix, reponse, str(q["explication"] or "").strip())
        except (KeyError, TypeError, ValueError):
            raise LessonError(f"question {i} of '{path}' needs 'question', 'choix' (a list), "
                              "'reponse' (a number) and 'explication'.") from None
        if not 2 <= len(choix) <= MAX_CHOICES:
            raise LessonError(f"question {i} of '{path}' has {len(choix)} choices; give between 2 and {MAX_CHOICES}.")
        if not 1 <= reponse <= len(choix):
            raise LessonError(f"question {i} of '{path}': 'reponse' is {reponse} but must be between 1 and "
                              f"{len(choix)} (the number of choices).")
        if not item.explication:
            raise LessonError(f"question {i} of '{path}' has an empty 'explication'.")
        questions.append(item)
    if not questions:
        raise LessonError(f"the quiz file '{path}' has no questions.")
    return Quiz(int(data.get("chapitre", number)), str(data.get("titre", "")), tuple(questions))


# ----------------------------------------------------------------------------- answering
def parse_answer(text: str, n_choices: int) -> int | None:
    """``"b"``, ``"B"`` or ``"2"`` → 2; ``None`` when not a valid choice."""
    text = text.strip().upper()
    if len(text) == 1 and "A" <= text <= "Z":
        value = ord(text) - ord("A") + 1
    elif text.isdigit():
        value = int(text)
    else:
        return None
    return value if 1 <= value <= n_choices else None


def parse_given_answers(answers: str | Sequence[str], quiz: Quiz) -> list[int]:
    """``"B,a,4"`` (or ``["B", "a", "4"]``) → ``[2, 1, 4]``, one per question of ``quiz``.

    Letters (any case) or numbers from 1; raises :class:`LessonError` (English, for the
    ``--answers`` option) when the count or an answer is wrong.
    """
    items = [a.strip() for a in (answers.split(",") if isinstance(answers, str) else answers)]
    n = len(quiz.questions)
    if len(items) != n:
        raise LessonError(f"--answers gives {len(items)} answer(s) but the quiz of chapter {quiz.chapitre} has {n} "
                          "questions; give one letter per question, separated by commas.")
    out = []
    for i, (raw, q) in enumerate(zip(items, quiz.questions), 1):
        choice = parse_answer(raw, len(q.choix))
        if choice is None:
            raise LessonError(f"--answers: answer {i} is '{raw}' but must be a letter from A to "
                              f"{_letter(len(q.choix))} (or a number from 1 to {len(q.choix)}).")
        out.append(choice)
    return out


def _bilan(score: int, asked: int) -> str:
    if asked == 0:
        return "aucune question répondue"
    s = "s" if score > 1 else ""
    return f"{score} bonne{s} réponse{s} sur {asked}"


def run_terminal(quiz: Quiz, answers: str | Sequence[str] | None = None, *, seed: int | random.Random | None = None,
                 shuffle: bool = True, ask: Callable[[str], str] | None = None,
                 say: Callable[[str], None] = print, width: int | None = None) -> QuizResult:
    """Ask every question, explain each answer, then print the score and the missed questions.

    The choices are shuffled with ``seed`` (see :meth:`Quiz.shuffled`) unless ``shuffle`` is
    false. ``answers`` (e.g. ``"B,A,D"``) replaces the prompts; its letters refer to the choices
    *as displayed*, so the same ``seed`` must be used to know them. A wrong count or letter
    raises :class:`LessonError` before any question is shown. ``ask`` defaults to :func:`input`;
    bad input is asked again, in French. Ctrl-C (``KeyboardInterrupt`` from ``ask``) or the end
    of the input stops the quiz with a French sentence; :attr:`QuizResult.stopped` says which.
    Lines are wrapped to ``width`` (default: the terminal's).
    """
    shown = quiz.shuffled(seed) if shuffle else quiz
    given = parse_given_answers(answers, shown) if answers is not None else None
    width = width or terminal_width()
    total = len(shown.questions)
    say(wrap(f"Quiz du chapitre {shown.chapitre} : {shown.titre} ({total} questions)", width))
    if given is None:
        say(wrap("Répondez par la lettre de votre choix, puis Entrée (Ctrl-C pour arrêter).", width))
    score, missed = 0, []
    for i, q in enumerate(shown.questions, 1):
        n = len(q.choix)
        say("")
        say(_numbered(f"{i}. ", q.question, width))
        for j, c in enumerate(q.choix, 1):
            say(_numbered(f"{_letter(j)}. ", c, width, margin="   "))
        prompt = f"Votre réponse ({', '.join(LETTERS[:n - 1])} ou {_letter(n)}) : "
        if given is not None:
            choice = given[i - 1]
            say(prompt + _letter(choice))
        else:
            choice = None
            while choice is None:
                try:
                    raw = (ask or input)(prompt)
                except KeyboardInterrupt:
                    say("")
                    say(wrap(f"Quiz interrompu (Ctrl-C) : {_bilan(score, i - 1)}.", width))
                    return QuizResult(score, i - 1, total, tuple(missed), INTERRUPTED)
                except EOFError:
                    say("")
                    say(wrap(f"Fin de l'entrée avant la fin du quiz : {_bilan(score, i - 1)}.", width))
                    return QuizResult(score, i - 1, total, tuple(missed), INPUT_ENDED)
                choice = parse_answer(raw, n)
                if choice is None:
                    typed = raw.strip()
                    why = f"« {typed} » n'est pas un choix possible : répondez" if typed else "Répondez"
                    say(wrap(f"{why} par une lettre de A à {_letter(n)}.", width, "   "))
        if choice == q.reponse:
            score += 1
            verdict = "Bonne réponse !"
        else:
            missed.append(Missed(i, q, choice))
            verdict = f"Mauvaise réponse : la bonne réponse était {_letter(q.reponse)}."
        say(wrap(f"{verdict} {q.explication}", width, "   "))
    say("")
    for line in summary_lines(QuizResult(score, total, total, tuple(missed)), width):
        say(line)
    return QuizResult(score, total, total, tuple(missed))


def summary_lines(result: QuizResult, width: int | None = None) -> list[str]:
    """The end of a quiz: the score, then each missed question with the right answer and its explanation."""
    width = width or terminal_width()
    lines = [f"Score : {result.score}/{result.total}."]
    if not result.missed:
        lines.append("Aucune question manquée : bravo !")
        return lines
    lines.append("")
    lines.append("Question manquée :" if len(result.missed) == 1 else
                 f"Questions manquées ({len(result.missed)}) :")
    for m in result.missed:
        q = m.question
        lines.append("")
        lines.append(_numbered(f"{m.number}. ", q.question, width))
        margin = " " * (len(str(m.number)) + 2)
        lines.append(wrap(f"Votre réponse : {_letter(m.given)}. {q.choix[m.given - 1]}", width, margin))
        lines.append(wrap(f"Bonne réponse : {_letter(q.reponse)}. {q.bonne_reponse}", width, margin))
        lines.append(wrap(q.explication, width, margin))
    return lines


def cli_quiz(chapter: str, answers: str | None = None, seed: int | None = None, show: bool = False,
             ask: Callable[[str], str] | None = None, say: Callable[[str], None] = print,
             width: int | None = None) -> int:
    """``dlcourse quiz``: returns the exit code (0 finished, 130 Ctrl-C, 1 input ended first).

    ``answers`` needs ``seed``: its letters are those displayed with that seed.
    """
    quiz = load_quiz(chapter)
    if show:
        say(render_questions(quiz.shuffled(seed), width))
        return EXIT_DONE
    if answers is not None and seed is None:
        raise LessonError("--answers needs --seed, because the choices are shuffled at each run and the letters "
                          f"refer to the order shown with that seed ('dlcourse quiz {quiz.chapitre} --show --seed S' "
                          "prints it).")
    try:
        result = run_terminal(quiz, answers=answers, seed=seed, ask=ask, say=say, width=width)
    except KeyboardInterrupt:  # outside the prompt, e.g. while printing
        say("")
        say("Quiz interrompu (Ctrl-C).")
        return EXIT_INTERRUPTED
    if result.stopped == INTERRUPTED:
        return EXIT_INTERRUPTED
    return EXIT_INPUT_ENDED if result.stopped == INPUT_ENDED else EXIT_DONE
