"""The timed three-day plan of the course, computed from the durations written in the lessons.

Where the durations are:

- **sections**: each ``## `` heading of a lesson starts a Markdown cell whose header gives its
  length in minutes, as Jupytext cell metadata::

      # %% [markdown] minutes=20
      # ## 3.2 Tenseurs et opérations de base

  (in a MyST ``.md`` lesson, the cell's metadata ``minutes: 20``). The ``## Quiz`` heading is the
  exception: the quiz's time comes from its file.
- **demonstrations** (optional): a code cell tagged ``demo``, with ``minutes=N`` and its title in
  ``demo="..."``, e.g. ``# %% tags=["demo"] minutes=10 demo="dlcourse experiment transfer"``.
- **exercises**: ``minutes: N`` in each ``exercises/<id>/exercise.yaml``. An exercise comes right
  after the section holding its first tagged cell (at the end of its chapter when no lesson has one).
- **quizzes**: ``minutes: N`` in ``quizzes/chNN.yaml``, otherwise one minute per question; a quiz
  closes its chapter.

:func:`build_plan` packs these items, in course order and never split, into three days of two
half-days (:data:`HALF_DAYS`): an item that does not fit in what remains of a half-day starts
the next one, and each half-day has one pause of :data:`PAUSE` minutes at the item boundary
closest to its middle. A day lasts :data:`DAY_TARGET` minutes, pauses included, within
± :data:`DAY_TOLERANCE` (:meth:`Plan.problems` lists the days outside). :func:`write_plan` writes
``plan.md`` and ``plan.html`` (French, self-contained, printable); :func:`render_text` is the
terminal version (80 columns).
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dlcourse.lessons.catalogue import Lesson, LessonError, lessons_dir, list_lessons

# (name, start, end) of each half-day, in minutes after midnight: 9h00–12h00 and 13h30–16h30.
HALF_DAYS = (("Matin", 9 * 60, 12 * 60), ("Après-midi", 13 * 60 + 30, 16 * 60 + 30))
DAYS = 3
PAUSE = 15
DAY_TARGET = 6 * 60
DAY_TOLERANCE = 30
WIDTH = 79

SECTION, DEMO, EXERCISE, QUIZ, BREAK = "section", "demo", "exercice", "quiz", "pause"
REGENERATE = "dlcourse lessons plan --markdown > docs/plan-trois-jours.md"

_CELL = re.compile(r"^# %%(.*)$")
_META = re.compile(r"""(\w[\w-]*)=(\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+)""")
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


@dataclass
class Item:
    """One line of the plan: a section, a demonstration, an exercise, a quiz or a pause.

    Attributes
    ----------
    kind: :data:`SECTION`, :data:`DEMO`, :data:`EXERCISE`, :data:`QUIZ` or :data:`BREAK`.
    title: the French title (a section's heading, with its number such as ``3.2``).
    minutes: its length.
    chapter: its chapter (``None`` for a pause).
    numero: an exercise's number (``"5.1"``).
    command: what the learners type (``dlcourse check tf_tenseurs``, ``dlcourse quiz 3``).
    start: its start time, in minutes after midnight (set by :func:`build_plan`).
    """

    kind: str
    title: str
    minutes: int
    chapter: int | None = None
    numero: str | None = None
    command: str | None = None
    start: int = 0

    @property
    def end(self) -> int:
        return self.start + self.minutes

    @property
    def label(self) -> str:
        """The French text of the line (without its command)."""
        if self.kind == EXERCISE:
            return f"Exercice {self.numero} : {self.title}" if self.numero else f"Exercice : {self.title}"
        if self.kind == DEMO:
            return f"Démonstration : {self.title}"
        if self.kind == QUIZ:
            return f"Quiz du chapitre {self.chapter}"
        return self.title


@dataclass
class HalfDay:
    name: str
    start: int
    limit: int
    items: list[Item] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.items[-1].end if self.items else self.start

    @property
    def minutes(self) -> int:
        """From its start to the end of its last item, pause included."""
        return self.end - self.start


@dataclass
class Day:
    number: int
    half_days: list[HalfDay]

    @property
    def minutes(self) -> int:
        """Teaching time of the day, pauses included (lunch excluded)."""
        return sum(h.minutes for h in self.half_days)


@dataclass
class Plan:
    days: list[Day]
    chapters: dict[int, str]

    def items(self, kind: str | None = None) -> list[Item]:
        """Every item in order (only those of ``kind`` when given)."""
        return [i for d in self.days for h in d.half_days for i in h.items if kind is None or i.kind == kind]

    @property
    def minutes(self) -> int:
        return sum(d.minutes for d in self.days)

    def problems(self) -> list[str]:
        """A French sentence for each day whose length is outside :data:`DAY_TARGET` ± :data:`DAY_TOLERANCE`."""
        low, high = DAY_TARGET - DAY_TOLERANCE, DAY_TARGET + DAY_TOLERANCE
        return [f"le jour {d.number} dure {duration(d.minutes)}, hors de l'intervalle {duration(low)} – "
                f"{duration(high)} ; ajustez les durées (minutes=…) des leçons." for d in self.days
                if not low <= d.minutes <= high]


# ----------------------------------------------------------------------------- reading the course
@dataclass
class _Cell:
    kind: str
    meta: dict
    lines: list[str]


def _header_meta(header: str, where: str) -> dict:
    meta = {}
    for key, value in _META.findall(header.replace("[markdown]", " ")):
        try:
            meta[key] = json.loads(value)
        except ValueError:
            meta[key] = value
    if "minutes" in meta and (isinstance(meta["minutes"], bool) or not isinstance(meta["minutes"], int)
                              or meta["minutes"] <= 0):
        raise LessonError(f"{where}: the cell header '# %%{header}' has minutes={meta['minutes']!r}, not a "
                          "positive whole number of minutes.", "Write e.g. minutes=20.")
    return meta


def _read_cells(path: Path) -> list[_Cell]:
    """The cells of a lesson: kind, metadata of the header, source lines (Markdown without its ``# ``)."""
    if path.suffix != ".py":
        import jupytext

        nb = jupytext.read(path)
        return [_Cell(c.cell_type, dict(c.metadata), c.source.splitlines()) for c in nb.cells]
    cells: list[_Cell] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _CELL.match(line)
        if match:
            header = match.group(1)
            kind = "markdown" if "[markdown]" in header else "code"
            cells.append(_Cell(kind, _header_meta(header, f"'{path.name}', line {number}"), []))
        elif cells:
            cells[-1].lines.append(line)
    for cell in cells:
        if cell.kind == "markdown":
            cell.lines = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in cell.lines]
    return cells


def _headings(lines: list[str]) -> list[tuple[int, str]]:
    """``(line index, title)`` of each ``## `` heading of a Markdown cell, outside fenced code."""
    found, fence = [], None
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if match:
            fence = None if fence and match.group(1).startswith(fence) else (fence or match.group(1)[:3])
            continue
        if fence is None:
            heading = _HEADING.match(line)
            if heading:
                found.append((i, heading.group(1).strip()))
    return found


def _is_quiz(title: str) -> bool:
    return title.lower().startswith("quiz")


def _no_minutes(title: str, lesson: Lesson) -> LessonError:
    return LessonError(f"the section '{title}' of {lesson.path.name} has no duration: its heading does not start "
                       "a cell whose header gives minutes=N.",
                       f"Put the line '# %% [markdown] minutes=N' (N: its length in minutes) just above "
                       f"'# ## {title}' in {lesson.path}.")


def _lesson_items(lesson: Lesson) -> tuple[list[Item], dict[str, int]]:
    """The sections and demonstrations of ``lesson`` in order, and the index of the section (in the
    returned list) after which each exercise's first tagged cell comes."""
    from dlcourse.lessons.sources import exercise_tag

    items: list[Item] = []
    exercises: dict[str, int] = {}
    for cell in _read_cells(lesson.path):
        if cell.kind == "markdown":
            for i, title in _headings(cell.lines):
                if _is_quiz(title):
                    continue
                first = not any(line.strip() for line in cell.lines[:i])
                if not first or "minutes" not in cell.meta:
                    raise _no_minutes(title, lesson)
                items.append(Item(SECTION, title, int(cell.meta["minutes"]), lesson.number))
            continue
        tags = cell.meta.get("tags") or []
        if "demo" in tags:
            title = cell.meta.get("demo")
            if "minutes" not in cell.meta or not isinstance(title, str) or not title.strip():
                raise LessonError(f"a cell of {lesson.path.name} tagged 'demo' lacks minutes=N or demo=\"title\" "
                                  "on its header.",
                                  'Write its header as # %% tags=["demo"] minutes=10 demo="what it shows".')
            items.append(Item(DEMO, title.strip(), int(cell.meta["minutes"]), lesson.number))
        exercise = exercise_tag(tags)
        if exercise is not None and exercise not in exercises:
            exercises[exercise] = len(items)
    return items, exercises


def _exercise_minutes(exercise) -> int:
    path = exercise.folder / "exercise.yaml"
    value = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("minutes")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LessonError(f"exercise {exercise.numero or exercise.id} ({exercise.id}) has no duration: "
                          f"'{path}' lacks a positive 'minutes' key.", f"Add a line such as 'minutes: 20' to {path}.")
    return value


def _quiz_item(chapter: int, root: Path) -> Item | None:
    from dlcourse.lessons.quiz import load_quiz, quiz_path

    path = quiz_path(chapter, root)
    if not path.is_file():
        return None
    quiz = load_quiz(chapter, root)
    value = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("minutes", len(quiz.questions))
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LessonError(f"'{path}': 'minutes' must be a positive whole number, got {value!r}.",
                          "Write e.g. 'minutes: 10', or remove it to count one minute per question.")
    return Item(QUIZ, quiz.titre or f"chapitre {chapter}", value, chapter, command=f"dlcourse quiz {chapter}")


def course_items(root: Path | None = None) -> tuple[list[Item], dict[int, str]]:
    """Every item of the course in order, and the title of each chapter."""
    from dlcourse.lessons.exercises import list_exercises

    root = Path(root or lessons_dir())
    lessons = list_lessons(root)
    if not lessons:
        raise LessonError(f"'{root}' holds no lesson source (01_introduction.py ...), so there is no plan to make.",
                          "Set DLCOURSE_LESSONS_DIR to the course's lessons/ folder, or run the command outside "
                          "a built course folder.")
    exercises = list_exercises(root)
    read = [(lesson, *_lesson_items(lesson)) for lesson in lessons]
    located = {ex for _, _, positions in read for ex in positions}
    out: list[Item] = []
    for lesson, items, positions in read:
        after: dict[int, list[Item]] = {}
        for ex in exercises:
            if ex.id in positions:
                after.setdefault(positions[ex.id], []).append(_exercise_item(ex, lesson.number))
        # a section's demonstrations and exercises come after it, in the order of their cells
        merged: list[Item] = []
        for index in range(len(items) + 1):
            merged += after.get(index, [])
            if index < len(items):
                merged.append(items[index])
        ordered = _after_sections(merged)
        ordered += [_exercise_item(ex, lesson.number) for ex in exercises
                    if ex.chapter == lesson.number and ex.id not in located]
        quiz = _quiz_item(lesson.number, root)
        out += ordered + ([quiz] if quiz else [])
    return out, {lesson.number: lesson.title for lesson in lessons}


def _exercise_item(exercise, chapter: int) -> Item:
    return Item(EXERCISE, exercise.title, _exercise_minutes(exercise), chapter, exercise.numero,
                f"dlcourse check {exercise.id}")


def _after_sections(items: list[Item]) -> list[Item]:
    """``items`` with each run of demonstrations and exercises kept after the section it follows
    (those before any section of the chapter go after the first one)."""
    leading = []
    while items and items[0].kind != SECTION:
        leading.append(items.pop(0))
    return items[:1] + leading + items[1:] if items else leading


# ----------------------------------------------------------------------------- packing
def _pause_index(items: list[Item]) -> int:
    """Where the pause goes: the item boundary closest to the middle of the half-day's teaching."""
    if len(items) < 2:
        return len(items)
    total = sum(i.minutes for i in items)
    best, best_gap, elapsed = 1, None, 0
    for k in range(1, len(items)):
        elapsed += items[k - 1].minutes
        gap = abs(2 * elapsed - total)
        if best_gap is None or gap < best_gap:
            best, best_gap = k, gap
    return best


def build_plan(root: Path | None = None) -> Plan:
    """The plan of the course in ``root`` (default: :func:`dlcourse.lessons.catalogue.lessons_dir`).

    Raises :class:`LessonError` when a section, demonstration or exercise has no duration, when
    one item is longer than a half-day, or when the course does not fit in :data:`DAYS` days.
    """
    items, chapters = course_items(root)
    slots = [(d, name, start, end) for d in range(1, DAYS + 1) for name, start, end in HALF_DAYS]
    capacity = min(end - start for _, _, start, end in slots) - PAUSE
    groups: list[list[Item]] = [[]]
    for item in items:
        if item.minutes > capacity:
            raise LessonError(f"'{item.label}' lasts {item.minutes} min, more than the {capacity} min of teaching "
                              "in a half-day.", "Split it into shorter sections, each with its own minutes=N.")
        if sum(i.minutes for i in groups[-1]) + item.minutes > capacity:
            groups.append([])
        groups[-1].append(item)
    if len(groups) > len(slots):
        total = sum(i.minutes for i in items)
        raise LessonError(f"the course takes {len(groups)} half-days ({total} min of teaching), more than the "
                          f"{len(slots)} half-days of {DAYS} days.",
                          "Lower the minutes=N of some sections in the lessons, or of some exercises.")
    days = [Day(d, []) for d in range(1, DAYS + 1)]
    for (d, name, start, end), group in zip(slots, groups + [[]] * (len(slots) - len(groups))):
        half = HalfDay(name, start, end)
        at = _pause_index(group)
        clock = start
        for k, item in enumerate(group):
            if k == at:
                half.items.append(Item(BREAK, "Pause", PAUSE, start=clock))
                clock += PAUSE
            item.start = clock
            clock += item.minutes
            half.items.append(item)
        if group and at == len(group):
            half.items.append(Item(BREAK, "Pause", PAUSE, start=clock))
        days[d - 1].half_days.append(half)
    return Plan(days, chapters)


# ----------------------------------------------------------------------------- rendering
def clock(minutes: int) -> str:
    """``545`` → ``9h05``."""
    return f"{minutes // 60}h{minutes % 60:02d}"


def duration(minutes: int) -> str:
    """``45`` → ``45 min``; ``125`` → ``2 h 05``."""
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d}"


def _intro(plan: Plan) -> list[str]:
    (m, ms, me), (a, as_, ae) = HALF_DAYS
    counts = {kind: len(plan.items(kind)) for kind in (SECTION, DEMO, EXERCISE, QUIZ)}
    return [f"{len(plan.chapters)} chapitres en {len(plan.days)} jours : {m.lower()} {clock(ms)} – {clock(me)}, "
            f"{a.lower()} {clock(as_)} – {clock(ae)}, une pause de {PAUSE} min par demi-journée. Chaque jour dure "
            f"{duration(DAY_TARGET)} à {DAY_TOLERANCE} min près, pauses comprises (total : "
            f"{duration(plan.minutes)}).",
            f"Le plan compte {counts[SECTION]} sections, {counts[DEMO]} démonstrations, {counts[EXERCISE]} "
            f"exercices et {counts[QUIZ]} quiz. Les durées viennent des leçons elles-mêmes (minutes=… sur "
            "l'en-tête de chaque section, « minutes » des exercices et des quiz) : le plan suit toute "
            "modification d'une leçon."]


def _walk(plan: Plan):
    """``(day, half-day, chapter line or None, item)`` in order, with a chapter line where a chapter
    starts, and at the top of a half-day where one resumes (« (suite) »)."""
    seen: set[int] = set()
    for day in plan.days:
        for half in day.half_days:
            current = None
            for item in half.items:
                heading = None
                if item.chapter is not None and item.chapter != current:
                    heading = plan.chapters[item.chapter] + (" (suite)" if item.chapter in seen else "")
                    current = item.chapter
                    seen.add(item.chapter)
                yield day, half, heading, item


def render_markdown(plan: Plan) -> str:
    """The plan as Markdown: one table per half-day (heure, durée, contenu)."""
    lines = ["# Plan de la formation en trois jours", "",
             f"<!-- Généré à partir des leçons ({REGENERATE}) ; ne pas modifier à la main. -->", ""]
    lines += [p + "\n" for p in _intro(plan)]
    last_half = None
    for day, half, heading, item in _walk(plan):
        if half is not last_half:
            if half is day.half_days[0]:
                lines += [f"## Jour {day.number} ({duration(day.minutes)})", ""]
            lines += [f"### {half.name}, {clock(half.start)} – {clock(half.end)}", "",
                      "| heure | durée | contenu |", "|---|---|---|"]
            last_half = half
        if heading:
            lines.append("| | | **" + heading.replace("|", "\\|") + "** |")
        text = item.label.replace("|", "\\|")
        if item.kind == BREAK:
            text = f"*{text}*"
        if item.command:
            text += f" — `{item.command}`"
        lines.append(f"| {clock(item.start)} | {item.minutes} min | {text} |")
        if item is half.items[-1]:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_text(plan: Plan, width: int = WIDTH) -> str:
    """The plan for a terminal, in French, no line longer than ``width`` (79: fits 80 columns)."""
    out = []
    for paragraph in ["Plan de la formation en trois jours", *_intro(plan)]:
        out += textwrap.wrap(paragraph, width) + [""]
    last_half = None
    for day, half, heading, item in _walk(plan):
        if half is not last_half:
            if half is day.half_days[0]:
                out += [f"JOUR {day.number} ({duration(day.minutes)})"]
            out.append(f"  {half.name}, {clock(half.start)} – {clock(half.end)}")
            last_half = half
        if heading:
            out += textwrap.wrap(heading.replace("`", ""), width, initial_indent="   ", subsequent_indent="     ")
        text = item.label.replace("`", "") + (f" : {item.command}" if item.command else "")
        prefix = f"   {clock(item.start):>5}  {item.minutes:>3} min  "
        out += textwrap.wrap(text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix),
                             break_on_hyphens=False)
        if item is half.items[-1]:
            out.append("")
    problems = plan.problems()
    if problems:
        out += ["Attention :"] + [line for p in problems for line in textwrap.wrap(p, width, initial_indent="- ",
                                                                                    subsequent_indent="  ")]
    return "\n".join(out).rstrip("\n") + "\n"


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:2px solid #2f5d8a;color:#2f5d8a}h3{margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}
td{border-bottom:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
td.h{white-space:nowrap;width:3.5rem;font-variant-numeric:tabular-nums}td.d{white-space:nowrap;width:4.5rem;color:#555}
tr.chapitre td{font-weight:600;background:#eef1f5;border-bottom:none}
tr.pause td{color:#555;font-style:italic;background:#fafafa}
tr.exercice td:last-child::before{content:"✎ "}tr.demo td:last-child::before{content:"▶ "}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f2f2f2;padding:0 .2rem;
white-space:nowrap}
@media print{body{margin:0;max-width:none;font-size:10.5pt}section.jour{break-after:page}
section.jour:last-of-type{break-after:auto}tr{break-inside:avoid}}"""


def _html_text(text: str) -> str:
    """Escaped text with Markdown code spans as ``<code>``."""
    parts = re.split(r"`([^`]+)`", text)
    return "".join(f"<code>{html.escape(p)}</code>" if k % 2 else html.escape(p) for k, p in enumerate(parts))


def render_html(plan: Plan) -> str:
    """The plan as one self-contained HTML page (no script, nothing loaded), one printed page per day."""
    body = ["<h1>Plan de la formation en trois jours</h1>"] + [f"<p>{html.escape(p)}</p>" for p in _intro(plan)]
    last_half, last_day = None, None
    for day, half, heading, item in _walk(plan):
        if half is not last_half:
            if last_half is not None:
                body.append("</tbody></table>")
            if day is not last_day:
                if last_day is not None:
                    body.append("</section>")
                body.append(f'<section class="jour"><h2>Jour {day.number} ({html.escape(duration(day.minutes))})</h2>')
                last_day = day
            body.append(f"<h3>{html.escape(half.name)}, {clock(half.start)} – {clock(half.end)}</h3>")
            body.append("<table><tbody>")
            last_half = half
        if heading:
            body.append(f'<tr class="chapitre"><td colspan="3">{_html_text(heading)}</td></tr>')
        text = _html_text(item.label) + (f" — <code>{html.escape(item.command)}</code>" if item.command else "")
        body.append(f'<tr class="{item.kind}"><td class="h">{clock(item.start)}</td>'
                    f'<td class="d">{item.minutes} min</td><td>{text}</td></tr>')
    body += ["</tbody></table>", "</section>"]
    return ("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>Plan de la formation en trois jours</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write_plan(out_dir: Path, root: Path | None = None) -> list[Path]:
    """Write ``out_dir/plan.md`` and ``out_dir/plan.html``; returns their paths.

    Each file is written under a temporary name and renamed when complete; nothing is written
    when the plan cannot be made.
    """
    from dlcourse.lessons.build import write_text

    plan = build_plan(root)
    texts = (render_markdown(plan), render_html(plan))
    out_dir = Path(out_dir)
    paths = [out_dir / "plan.md", out_dir / "plan.html"]
    for path, text in zip(paths, texts):
        write_text(path, text)
    return paths


__all__ = ["Plan", "Day", "HalfDay", "Item", "build_plan", "course_items", "render_markdown", "render_html",
           "render_text", "write_plan", "HALF_DAYS", "PAUSE", "DAY_TARGET", "DAY_TOLERANCE"]
