"""The timed three-day plan: computed from the lessons' own durations, complete, balanced, in course order."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from dlcourse.lessons.catalogue import LessonError, list_lessons
from dlcourse.lessons.exercises import list_exercises
from dlcourse.lessons.plan import (BREAK, DAY_TARGET, DAY_TOLERANCE, DEMO, EXERCISE, HALF_DAYS, PAUSE, QUIZ,
                                   REGENERATE, SECTION, build_plan, render_markdown, render_text, write_plan)
from dlcourse.lessons.quiz import available_chapters

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"


@pytest.fixture(scope="module")
def plan():
    return build_plan(LESSONS)


def _source_sections(path: Path) -> list[tuple[int, str]]:
    """``(line, title)`` of each ``## `` heading of a lesson source, read from the raw text (quiz headings aside)."""
    return [(n, line[5:].strip()) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.startswith("# ## ") and not line[5:].startswith("Quiz")]


def _copy_course(tmp_path: Path) -> Path:
    root = tmp_path / "lessons"
    shutil.copytree(LESSONS, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_chapter_section_exercise_and_quiz_appears_exactly_once(plan):
    items = plan.items()
    assert {i.chapter for i in items if i.chapter is not None} == {lesson.number for lesson in list_lessons(LESSONS)}
    sections = [(i.chapter, i.title) for i in plan.items(SECTION)]
    expected = [(lesson.number, title) for lesson in list_lessons(LESSONS)
                for _, title in _source_sections(lesson.path)]
    assert sections == expected and len(expected) >= 30
    exercises = Counter(i.command for i in plan.items(EXERCISE))
    course = list_exercises(LESSONS)
    assert exercises == Counter(f"dlcourse check {ex.id}" for ex in course) and len(course) == 15
    numbers = {i.command.split()[-1]: i.numero for i in plan.items(EXERCISE)}
    assert numbers == {ex.id: ex.numero for ex in course}
    assert Counter(i.command for i in plan.items(QUIZ)) == Counter(f"dlcourse quiz {n}"
                                                                    for n in available_chapters(LESSONS))
    assert len(plan.items(DEMO)) >= 3


def test_each_day_lasts_six_hours_within_the_stated_tolerance(plan):
    assert len(plan.days) == 3
    for day in plan.days:
        assert DAY_TARGET - DAY_TOLERANCE <= day.minutes <= DAY_TARGET + DAY_TOLERANCE, (day.number, day.minutes)
    assert plan.problems() == []
    assert (DAY_TARGET, DAY_TOLERANCE) == (360, 30)
    assert "6 h 00 à 30 min près" in render_markdown(plan)                    # the tolerance is stated


def test_half_days_are_contiguous_within_their_hours_with_one_pause_each(plan):
    for day in plan.days:
        assert [(h.name, h.start, h.limit) for h in day.half_days] == list(HALF_DAYS)
        morning, afternoon = day.half_days
        assert morning.end <= morning.limit < afternoon.start                     # no overlap, lunch between
        for half in day.half_days:
            assert half.items, f"day {day.number}, {half.name} is empty"
            assert half.items[0].start == half.start and half.end <= half.limit
            for before, after in zip(half.items, half.items[1:]):
                assert after.start == before.end                                   # back to back, no overlap
            pauses = [k for k, i in enumerate(half.items) if i.kind == BREAK]
            assert len(pauses) == 1 and half.items[pauses[0]].minutes == PAUSE
            assert 0 < pauses[0] < len(half.items) - 1                             # between two items
            teaching = sum(i.minutes for i in half.items if i.kind != BREAK)
            before_pause = sum(i.minutes for i in half.items[:pauses[0]])
            assert abs(2 * before_pause - teaching) <= 2 * max(i.minutes for i in half.items)   # near the middle


def test_the_plan_follows_the_course_order(plan):
    items = [i for i in plan.items() if i.kind != BREAK]
    assert [i.chapter for i in items] == sorted(i.chapter for i in items)
    for chapter in {i.chapter for i in items}:
        assert [i for i in items if i.chapter == chapter][-1].kind == QUIZ     # a quiz closes its chapter
    # each exercise comes after the section that holds its first tagged cell (read from the raw source)
    home = {}
    for lesson in list_lessons(LESSONS):
        sections = _source_sections(lesson.path)
        for n, line in enumerate(lesson.path.read_text(encoding="utf-8").splitlines(), 1):
            found = re.match(r'# %%.*"exercise=([a-z_]+)', line)
            if found and found.group(1) not in home:
                home[found.group(1)] = [title for start, title in sections if start < n][-1]
    last_section = None
    for item in items:
        if item.kind == SECTION:
            last_section = item.title
        elif item.kind == EXERCISE:
            assert home[item.command.split()[-1]] == last_section, item.label
    # start times only grow, day after day
    starts = [(d.number, i.start) for d in plan.days for h in d.half_days for i in h.items]
    assert starts == sorted(starts)


def test_docs_plan_is_the_plan_of_the_lessons_as_they_are(plan):
    docs = (ROOT / "docs" / "plan-trois-jours.md").read_text(encoding="utf-8")
    assert docs == render_markdown(plan), (f"docs/plan-trois-jours.md is out of date with the lessons; "
                                           f"regenerate it with: {REGENERATE}")
    assert "docs/plan-trois-jours.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_changing_a_lessons_minutes_changes_the_plan(plan, tmp_path, monkeypatch):
    root = _copy_course(tmp_path)
    _edit(root / "01_introduction.py", "# %% [markdown] minutes=15\n# ## 1.1", "# %% [markdown] minutes=25\n# ## 1.1")
    _edit(root / "quizzes" / "ch01.yaml", "chapitre: 1\n", "chapitre: 1\nminutes: 12\n")
    monkeypatch.setenv("DLCOURSE_LESSONS_DIR", str(root))
    changed = build_plan()                                         # the course folder of DLCOURSE_LESSONS_DIR
    first = changed.items(SECTION)[0]
    assert first.title.startswith("1.1") and first.minutes == 25 and plan.items(SECTION)[0].minutes == 15
    assert changed.items(SECTION)[1].start == plan.items(SECTION)[1].start + 10
    assert changed.items(QUIZ)[0].minutes == 12 and plan.items(QUIZ)[0].minutes == 10   # 10 questions: 10 min
    assert render_markdown(changed) != render_markdown(plan)


def test_a_section_without_minutes_is_named_in_one_sentence(tmp_path):
    root = _copy_course(tmp_path)
    lesson = root / "03_tensorflow.py"
    text = lesson.read_text(encoding="utf-8")
    header = re.search(r"# %% \[markdown\] minutes=\d+\n(?=# ## 3\.3 )", text).group(0)
    lesson.write_text(text.replace(header, "# %% [markdown]\n"), encoding="utf-8")
    with pytest.raises(LessonError) as caught:
        build_plan(root)
    message = caught.value.message
    assert "'3.3 Création de modèles avec l'API Keras'" in message and "03_tensorflow.py" in message
    assert message.count(". ") == 0 and message.endswith(".")                    # one sentence
    assert "# %% [markdown] minutes=N" in caught.value.hint
    # a heading inside a Markdown cell, not at its top, has no header of its own: named the same way
    header = re.search(r"\n\n# %% \[markdown\] minutes=\d+\n(?=# ## 3\.2 )", text).group(0)
    lesson.write_text(text.replace(header, "\n#\n"), encoding="utf-8")
    with pytest.raises(LessonError, match=r"the section '3\.2 Tenseurs et opérations de base' of 03_tensorflow"):
        build_plan(root)


def test_an_exercise_without_minutes_is_named(tmp_path):
    root = _copy_course(tmp_path)
    path = root / "exercises" / "tf_gradient" / "exercise.yaml"
    path.write_text(re.sub(r"(?m)^minutes: \d+\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(LessonError, match=r"exercise 3\.2 \(tf_gradient\) has no duration"):
        build_plan(root)


def test_terminal_view_fits_80_columns_and_files_are_self_contained(plan, tmp_path, cli):
    text = render_text(plan)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "JOUR 3" in text and "Pause" in text and "dlcourse check evaluation_geler" in text
    done = cli("lessons", "plan", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == text
    md, page = (tmp_path / "out" / "plan.md"), (tmp_path / "out" / "plan.html")
    assert md.read_text(encoding="utf-8") == render_markdown(plan)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'lang="fr"' in html and "@media print" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", html)    # nothing from the network
    assert html.count('class="pause"') == 6 and "dlcourse quiz 8" in html
    assert write_plan(tmp_path / "again", LESSONS) == [tmp_path / "again" / "plan.md", tmp_path / "again" / "plan.html"]


def test_lessons_build_writes_the_plan_and_the_glossary(cli, tmp_path):
    out = tmp_path / "build"
    done = cli("lessons", "build", "1", "--no-execute", "--no-html", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.*")) == ["01_introduction.ipynb", "dlcourse-course.json",
                                                       "glossaire.html", "glossaire.md", "plan.html", "plan.md"]
    assert (out / "plan.md").read_text(encoding="utf-8") == (ROOT / "docs" / "plan-trois-jours.md").read_text(
        encoding="utf-8")
