"""Multiple-choice quizzes, one per chapter, read from ``lessons/quizzes/chNN.yaml``.

File format (French content)::

    chapitre: 1
    titre: Introduction au Deep Learning
    questions:
      - question: Qu'est-ce qui distingue ...
        choix: [réponse A, réponse B, réponse C, réponse D]
        reponse: 2            # numéro de la bonne réponse, à partir de 1
        explication: Parce que ...

In a terminal, :func:`run_terminal` asks each question and explains each answer; in a
notebook, a :class:`Quiz` displays itself with each answer folded under a ``<details>`` tag.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from dlcourse.lessons.catalogue import LessonError, quizzes_dir


@dataclass(frozen=True)
class Question:
    question: str
    choix: tuple[str, ...]
    reponse: int  # 1-based
    explication: str


@dataclass(frozen=True)
class Quiz:
    chapitre: int
    titre: str
    questions: tuple[Question, ...]

    def _repr_html_(self) -> str:
        parts = [f"<h3>Quiz du chapitre {self.chapitre} : {html.escape(self.titre)}</h3><ol>"]
        for q in self.questions:
            items = "".join(f"<li>{html.escape(c)}</li>" for c in q.choix)
            parts.append(
                f"<li><p>{html.escape(q.question)}</p><ol type='A'>{items}</ol>"
                f"<details><summary>Voir la réponse</summary><p><b>Réponse {_letter(q.reponse)}</b> : "
                f"{html.escape(q.choix[q.reponse - 1])}. {html.escape(q.explication)}</p></details></li>")
        parts.append("</ol><p>Pour répondre dans un terminal : <code>dlcourse quiz "
                     f"{self.chapitre}</code></p>")
        return "".join(parts)

    def __str__(self) -> str:
        lines = [f"Quiz du chapitre {self.chapitre} : {self.titre}"]
        for i, q in enumerate(self.questions, 1):
            lines.append(f"{i}. {q.question}")
            lines.extend(f"   {_letter(j)}. {c}" for j, c in enumerate(q.choix, 1))
        return "\n".join(lines)


def _letter(index: int) -> str:
    return "ABCDEFGH"[index - 1]


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
    """The quiz of ``chapter``; raises :class:`LessonError` when it is missing or malformed."""
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
            choix = tuple(str(c) for c in q["choix"])
            reponse = int(q["reponse"])
            item = Question(str(q["question"]), choix, reponse, str(q["explication"]))
        except (KeyError, TypeError, ValueError):
            raise LessonError(f"question {i} of '{path}' needs 'question', 'choix' (a list), "
                              "'reponse' (a number) and 'explication'.") from None
        if not 1 <= reponse <= len(choix) or len(choix) < 2:
            raise LessonError(f"question {i} of '{path}': 'reponse' is {reponse} but must be between 1 and "
                              f"{len(choix)} (the number of choices, at least 2).")
        questions.append(item)
    if not questions:
        raise LessonError(f"the quiz file '{path}' has no questions.")
    return Quiz(int(data.get("chapitre", number)), str(data.get("titre", "")), tuple(questions))


def parse_answer(text: str, n_choices: int) -> int | None:
    """``"b"``, ``"B"`` or ``"2"`` → 2; ``None`` when not a valid choice."""
    text = text.strip().upper()
    if len(text) == 1 and "A" <= text <= "H":
        value = ord(text) - ord("A") + 1
    elif text.isdigit():
        value = int(text)
    else:
        return None
    return value if 1 <= value <= n_choices else None


def run_terminal(quiz: Quiz, answers: list[str] | None = None,
                 ask: Callable[[str], str] = input, say: Callable[[str], None] = print) -> int:
    """Ask every question, explain each answer, return the number of right answers.

    ``answers`` (e.g. ``["B", "1", ...]``) replaces the interactive prompts; a wrong or
    missing given answer raises :class:`LessonError`.
    """
    say(f"Quiz du chapitre {quiz.chapitre} : {quiz.titre} ({len(quiz.questions)} questions)")
    if answers is not None and len(answers) != len(quiz.questions):
        raise LessonError(f"--answers gives {len(answers)} answer(s) but the quiz has {len(quiz.questions)} "
                          "questions; give one letter or number per question, separated by commas.")
    score = 0
    for i, q in enumerate(quiz.questions, 1):
        say("")
        say(f"{i}. {q.question}")
        for j, c in enumerate(q.choix, 1):
            say(f"   {_letter(j)}. {c}")
        if answers is not None:
            choice = parse_answer(answers[i - 1], len(q.choix))
            if choice is None:
                raise LessonError(f"answer {i} '{answers[i - 1]}' is not one of A-{_letter(len(q.choix))} "
                                  f"or 1-{len(q.choix)}.")
        else:
            choice = None
            while choice is None:
                try:
                    raw = ask(f"Ta réponse (A-{_letter(len(q.choix))}) : ")
                except EOFError:
                    say("")
                    say(f"Quiz interrompu : {score} bonne(s) réponse(s) sur {i - 1}.")
                    return score
                choice = parse_answer(raw, len(q.choix))
                if choice is None:
                    say(f"   Réponds par une lettre de A à {_letter(len(q.choix))}.")
        right = choice == q.reponse
        score += right
        verdict = "Bonne réponse !" if right else f"Non : la bonne réponse est {_letter(q.reponse)}."
        say(f"   {verdict} {q.explication}")
    say("")
    say(f"Score : {score}/{len(quiz.questions)}.")
    return score
