"""``dlcourse lessons list|open|build|plan``, ``dlcourse check`` and ``dlcourse quiz``.

Only the standard library is imported here; each handler imports what it needs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("lessons", help="the course's executable lessons (list, open, build, plan)",
                              description="The course's lessons, one per chapter, as Jupyter notebooks.")
    sub = p.add_subparsers(dest="lessons_command", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    q = sub.add_parser("list", help="list the lessons and their exercises")
    q.set_defaults(func=_cmd_list)

    q = sub.add_parser("open", help="open chapter N's notebook in JupyterLab, or say where it is",
                       description="Open chapter N's built notebook in JupyterLab, rooted at the build folder "
                                   "(an unexecuted copy is written first if none is built yet); without "
                                   "JupyterLab, print its path and the command that installs JupyterLab.")
    q.add_argument("chapter", metavar="N", help="chapter number, e.g. 3")
    q.add_argument("--out", type=Path, default=None,
                   help="build folder (default: build/lessons, or build/lessons-student with --student)")
    q.add_argument("--student", action="store_true", help="open the student version")
    q.add_argument("--print-path", action="store_true", help="only print the notebook's path")
    q.add_argument("--no-browser", action="store_true",
                   help="start JupyterLab without opening a browser (it prints the address to open)")
    q.add_argument("--port", type=int, default=None, help="JupyterLab's port (default: 8888, or the next free one)")
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
    q.add_argument("--slides", action="store_true",
                   help="also write each lesson's slide deck (reveal.js, opens offline) into the output "
                        "folder's slides/")
    q.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell (default 600)")
    q.set_defaults(func=_cmd_build)

    q = sub.add_parser("plan", help="the course's timed three-day plan, in French",
                       description="Print the timed plan of the three-day course (sections, demonstrations, "
                                   "exercises and quizzes, with start times and pauses), computed from the "
                                   "durations written in the lessons; --out also writes plan.md and plan.html.")
    q.add_argument("--out", type=Path, default=None, help="folder to write plan.md and plan.html into")
    q.add_argument("--markdown", action="store_true",
                   help="print the plan as Markdown (the text of plan.md) instead of the terminal view")
    q.set_defaults(func=_cmd_plan)

    c = subparsers.add_parser("check", help="check your solution to an exercise (answers in French)",
                              description="Run FILE (default ./EXERCISE.py) in a separate process with a time "
                                          "limit, on fixed inputs and on inputs drawn at random (the seed is "
                                          "printed), and check what it computes. Exit code 0 when every check "
                                          "passes, 1 otherwise.")
    c.add_argument("exercise", nargs="?", help="exercise identifier or number, e.g. tf_tenseurs or 3.1")
    c.add_argument("file", nargs="?", type=Path, help="your Python file (default: ./EXERCISE.py)")
    c.add_argument("--list", action="store_true", help="list the exercises")
    c.add_argument("--start", action="store_true", help="write the starting file to ./EXERCISE.py (or FILE)")
    c.add_argument("--framework", choices=["torch", "tensorflow"], default=None,
                   help="with --start, for an exercise solvable in either framework: the framework of the "
                        "starting file (default torch); the check itself accepts either")
    c.add_argument("--timeout", type=float, default=None, help="time limit in seconds (default: the exercise's)")
    c.add_argument("--seed", type=int, default=None,
                   help="seed of the random inputs, to replay a check exactly (default: a new one each time)")
    c.add_argument("--json", action="store_true",
                   help="print the result as JSON (exercise, each check, pass/fail, hints, seconds, framework)")
    c.set_defaults(func=_cmd_check)

    z = subparsers.add_parser("quiz", help="chapter N's multiple-choice quiz, in the terminal",
                              description="Answer chapter N's quiz (in French) question by question; each answer "
                                          "is explained, and the end shows the score and the missed questions. The "
                                          "choices are shuffled at each run; --seed gives a fixed order. Exit code 0 "
                                          "when the quiz is finished, 130 on Ctrl-C, 1 when the input ends first.")
    z.add_argument("chapter", metavar="N", help="chapter number, e.g. 1")
    z.add_argument("--seed", type=int, default=None,
                   help="seed of the shuffle of the choices: the same seed gives the same order "
                        "(default: a new order at each run)")
    mode = z.add_mutually_exclusive_group()
    mode.add_argument("--answers", metavar="LETTERS",
                      help="answer without prompts, one letter (or number from 1) per question, separated by "
                           "commas, e.g. B,A,D,C,...; the letters are those of the choices as displayed with --seed, "
                           "which is then required ('--show --seed S' prints that order)")
    mode.add_argument("--show", action="store_true",
                      help="print the questions and their choices (in the order given by --seed) without asking")
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
    from dlcourse.lessons.jupyter import install_command, lab_command

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
    options = (["--no-browser"] if args.no_browser else []) + \
        ([f"--ServerApp.port={args.port}"] if args.port is not None else [])
    command = lab_command(path, *options)
    if command is None:
        html = path.with_suffix(".html")
        print(f"notebook: {path.resolve()}")
        print(f"JupyterLab is not installed for {sys.executable}: install it with {install_command()} "
              "then run this command again"
              + (f" (static version to project: {html.resolve()})." if html.is_file() else "."), file=sys.stderr)
        return 1
    print(f"opening {path} in JupyterLab (Ctrl-C in this terminal stops it)...", flush=True)
    os.execv(command[0], command)
    return 0  # not reached: JupyterLab replaces this process


def _cmd_build(args) -> int:
    from dlcourse.lessons.build import build_lesson, clean_out_dir, copy_exercises, write_course_pages
    from dlcourse.lessons.catalogue import get_lesson, list_lessons

    lessons = [get_lesson(n) for n in args.chapters] if args.chapters else list_lessons()
    out = args.out or _default_out(args.student)
    if not args.chapters:
        clean_out_dir(out)
    version = "student" if args.student else "trainer"
    pages = write_course_pages(out)                          # first: a lesson without durations fails at once
    print(f"wrote {', '.join(p.name for p in pages)} in {out}/", flush=True)
    for lesson in lessons:
        print(f"building chapter {lesson.number} ({lesson.path.name}, {version} version"
              f"{', fast mode' if args.fast else ''})...", flush=True)
        built = build_lesson(lesson, out, student=args.student, fast=True if args.fast else None,
                             run=not args.no_execute, html=not args.no_html, timeout=args.timeout)
        shown = built.notebook if built.html is None else f"{built.notebook} and {built.html.name}"
        print(f"  wrote {shown} in {built.seconds:.1f} s", flush=True)
        if args.slides:
            from dlcourse.lessons.slides import write_slides

            print(f"  wrote {write_slides(built.notebook, out)}", flush=True)
    written = copy_exercises(out, student=args.student, chapters={lesson.number for lesson in lessons})
    print(f"{len(lessons)} lesson(s) and {len(written)} exercise file(s) in {out}/")
    if args.slides:
        print(f"slide decks in {out / 'slides'}/ (open an .html file in a browser; S shows the speaker notes)")
    return 0


def _cmd_plan(args) -> int:
    from dlcourse.lessons.plan import build_plan, render_markdown, render_text, write_plan

    plan = build_plan()
    print(render_markdown(plan) if args.markdown else render_text(plan), end="")
    if args.out is not None:
        written = write_plan(args.out)
        print(f"wrote {' and '.join(str(p) for p in written)}", file=sys.stderr)
    return 0


def _cmd_check(args) -> int:
    import json

    from dlcourse.errors import UserError
    from dlcourse.lessons.exercises import check_exercise, format_result, list_exercises, load_exercise

    if args.list or not args.exercise:
        exercises = list_exercises()
        if args.json:
            print(json.dumps([{"exercise": ex.id, "numero": ex.numero, "chapter": ex.chapter,
                               "framework": ex.framework, "title": ex.title} for ex in exercises],
                             ensure_ascii=False, indent=2))
            return 0
        names = {"torch": "PyTorch", "tensorflow": "TensorFlow", "any": "either", "none": "-"}
        for ex in exercises:
            print(f"{ex.numero or '':<5} {ex.id:<26} {names.get(ex.framework, ex.framework):<17} {ex.title}")
        if not args.list:
            print("Give an exercise: 'dlcourse check EXERCISE [FILE]' ('--start' writes the starting file).")
        return 0
    exercise = load_exercise(args.exercise)
    target = args.file or Path(f"{exercise.id}.py")
    if args.start:
        if target.exists():
            raise UserError(f"'{target}' already exists; dlcourse check --start does not overwrite a file.",
                            "Give another FILE name, or check it with 'dlcourse check "
                            f"{exercise.id} {target}'.")
        from dlcourse.lessons.build import write_text

        write_text(target, exercise.starter_text(args.framework))
        print(f"Fichier de départ écrit dans {target}.")
        if exercise.instructions:
            print(exercise.instructions)
        print(f"Complétez les parties « À compléter », puis lancez : dlcourse check {exercise.id} {target}")
        return 0
    if args.framework is not None:
        raise UserError("--framework chooses the starting file's framework and goes with --start; a check "
                        "accepts a file in either framework.",
                        f"Run 'dlcourse check {exercise.id} --start --framework {args.framework}', then "
                        f"'dlcourse check {exercise.id}'.")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {args.seed}.",
                        "Use the seed printed by a previous check, e.g. --seed 123456.")
    result = check_exercise(exercise.id, target, timeout=args.timeout, seed=args.seed)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_result(result, target))
    from dlcourse.classroom.client import report_result
    report_result(result.to_dict())                  # sent to the training room when joined, else nothing
    return 0 if result.passed else 1


def _cmd_quiz(args) -> int:
    from dlcourse.lessons.quiz import cli_quiz

    return cli_quiz(args.chapter, answers=args.answers, seed=args.seed, show=args.show)
