"""``dlcourse lessons list|open|build``, ``dlcourse check`` and ``dlcourse quiz``.

Only the standard library is imported here; each handler imports what it needs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("lessons", help="the course's executable lessons (list, open, build)",
                              description="The course's lessons, one per chapter, as Jupyter notebooks.")
    sub = p.add_subparsers(dest="lessons_command", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    q = sub.add_parser("list", help="list the lessons and their exercises")
    q.set_defaults(func=_cmd_list)

    q = sub.add_parser("open", help="open chapter N's notebook in Jupyter, or say where it is",
                       description="Open chapter N's built notebook in Jupyter (building an unexecuted copy if "
                                   "none is built yet); without Jupyter, print its path and how to open it.")
    q.add_argument("chapter", metavar="N", help="chapter number, e.g. 3")
    q.add_argument("--out", type=Path, default=None, help="build folder (default: build/lessons)")
    q.add_argument("--student", action="store_true", help="open the student version")
    q.add_argument("--print-path", action="store_true", help="only print the notebook's path")
    q.set_defaults(func=_cmd_open)

    q = sub.add_parser("build", help="execute lessons into .ipynb files with outputs and static HTML pages",
                       description="Execute each lesson top to bottom and write NN_name.ipynb (with outputs and "
                                   "figures) and NN_name.html (to project without Jupyter), plus the exercises' "
                                   "files. --student writes the learner version, without reference solutions.")
    q.add_argument("chapters", nargs="*", metavar="N", help="chapters to build (default: all)")
    q.add_argument("--student", action="store_true", help="learner version: solutions removed, TODOs left")
    q.add_argument("--out", type=Path, default=None,
                   help="output folder (default: build/lessons, or build/lessons-student with --student)")
    q.add_argument("--fast", action="store_true", help="run each lesson in fast mode (FAST = True)")
    q.add_argument("--no-execute", action="store_true", help="write the notebooks without running them")
    q.add_argument("--no-html", action="store_true", help="do not write the HTML pages")
    q.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell (default 600)")
    q.set_defaults(func=_cmd_build)

    c = subparsers.add_parser("check", help="check your solution to an exercise (answers in French)",
                              description="Run FILE (default ./EXERCISE.py) in a separate process with a time "
                                          "limit and check it against EXERCISE. Exit code 0 when every check "
                                          "passes, 1 otherwise.")
    c.add_argument("exercise", nargs="?", help="exercise identifier, e.g. tf_tenseurs")
    c.add_argument("file", nargs="?", type=Path, help="your Python file (default: ./EXERCISE.py)")
    c.add_argument("--list", action="store_true", help="list the exercises")
    c.add_argument("--start", action="store_true", help="copy the starting file to ./EXERCISE.py (or FILE)")
    c.add_argument("--timeout", type=float, default=None, help="time limit in seconds (default: the exercise's)")
    c.set_defaults(func=_cmd_check)

    z = subparsers.add_parser("quiz", help="chapter N's multiple-choice quiz, in the terminal",
                              description="Answer chapter N's quiz (French) question by question; each answer "
                                          "is explained.")
    z.add_argument("chapter", metavar="N", help="chapter number, e.g. 1")
    z.add_argument("--answers", help="answers given at once, e.g. B,A,C,D,A (non-interactive)")
    z.add_argument("--show", action="store_true", help="print the questions without asking")
    z.set_defaults(func=_cmd_quiz)


def _cmd_list(args) -> int:
    from dlcourse.lessons.catalogue import list_lessons
    from dlcourse.lessons.exercises import list_exercises

    lessons = list_lessons()
    exercises = list_exercises()
    for lesson in lessons:
        print(f"{lesson.number:>2}  {lesson.title}  ({lesson.path.name})")
        for ex in exercises:
            if ex.chapter == lesson.number:
                print(f"      exercise {ex.id}: {ex.title}")
    print(f"{len(lessons)} lesson(s), {len(exercises)} exercise(s). "
          "'dlcourse lessons open N' opens one; 'dlcourse check EXERCISE' checks an exercise.")
    return 0


def _default_out(student: bool) -> Path:
    from dlcourse.lessons.build import DEFAULT_OUT, DEFAULT_STUDENT_OUT

    return DEFAULT_STUDENT_OUT if student else DEFAULT_OUT


def _cmd_open(args) -> int:
    from dlcourse.lessons.build import build_lesson
    from dlcourse.lessons.catalogue import get_lesson

    lesson = get_lesson(args.chapter)
    out = args.out or _default_out(args.student)
    path = out / f"{lesson.stem}.ipynb"
    if not path.is_file():
        print(f"{path} is not built yet; writing it without outputs "
              f"(run 'dlcourse lessons build {lesson.number}' for the executed version).", file=sys.stderr)
        build_lesson(lesson, out, student=args.student, run=False, html=False)
    if args.print_path:
        print(path.resolve())
        return 0
    bindir = Path(sys.executable).parent
    for name in ("jupyter-lab", "jupyter-notebook"):
        exe = shutil.which(name, path=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
        if exe:
            print(f"opening {path} with {name}...", flush=True)
            os.execv(exe, [exe, str(path)])
    html = path.with_suffix(".html")
    print(f"notebook: {path.resolve()}")
    print("Jupyter is not installed here: 'pip install jupyterlab' then 'jupyter lab "
          f"{path}', or open it in VS Code." + (f" Static version to project: {html.resolve()}" if html.is_file() else ""))
    return 0


def _cmd_build(args) -> int:
    from dlcourse.lessons.build import build_lesson, clean_out_dir, copy_exercises
    from dlcourse.lessons.catalogue import get_lesson, list_lessons

    lessons = [get_lesson(n) for n in args.chapters] if args.chapters else list_lessons()
    out = args.out or _default_out(args.student)
    if not args.chapters:
        clean_out_dir(out)
    version = "student" if args.student else "trainer"
    for lesson in lessons:
        print(f"building chapter {lesson.number} ({lesson.path.name}, {version} version"
              f"{', fast mode' if args.fast else ''})...", flush=True)
        built = build_lesson(lesson, out, student=args.student, fast=True if args.fast else None,
                             run=not args.no_execute, html=not args.no_html, timeout=args.timeout)
        shown = built.notebook if built.html is None else f"{built.notebook} and {built.html.name}"
        print(f"  wrote {shown} in {built.seconds:.1f} s", flush=True)
    written = copy_exercises(out, student=args.student, chapters={lesson.number for lesson in lessons})
    print(f"{len(lessons)} lesson(s) and {len(written)} exercise file(s) in {out}/")
    return 0


def _cmd_check(args) -> int:
    from dlcourse.errors import UserError
    from dlcourse.lessons.exercises import check_exercise, format_result, list_exercises, load_exercise

    if args.list or not args.exercise:
        for ex in list_exercises():
            print(f"{ex.id:<20} chapter {ex.chapter}  {ex.title}")
        if not args.list:
            print("Give an exercise: 'dlcourse check EXERCISE [FILE]' ('--start' copies the starting file).")
        return 0
    exercise = load_exercise(args.exercise)
    target = args.file or Path(f"{exercise.id}.py")
    if args.start:
        if target.exists():
            raise UserError(f"'{target}' already exists; dlcourse check --start does not overwrite a file.",
                            "Give another FILE name, or check it with 'dlcourse check "
                            f"{exercise.id} {target}'.")
        target.write_text(exercise.starter.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"Fichier de départ copié dans {target}.")
        if exercise.instructions:
            print(exercise.instructions)
        print(f"Complète les TODO puis lance : dlcourse check {exercise.id} {target}")
        return 0
    result = check_exercise(exercise.id, target, timeout=args.timeout)
    print(format_result(result))
    return 0 if result.passed else 1


def _cmd_quiz(args) -> int:
    from dlcourse.lessons.quiz import load_quiz, run_terminal

    quiz = load_quiz(args.chapter)
    if args.show:
        print(quiz)
        return 0
    answers = [a for a in args.answers.split(",")] if args.answers is not None else None
    run_terminal(quiz, answers=answers)
    return 0
