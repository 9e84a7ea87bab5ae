"""Trainer and student builds: solutions out of the student version, parameters injected, HTML written."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from dlcourse.lessons.build import (build_lesson, copy_exercises, inject_parameters, read_notebook,
                                    student_version, trainer_version)
from dlcourse.lessons.catalogue import LessonError, get_lesson, list_lessons
from dlcourse.lessons.exercises import list_exercises


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    return nb


EXERCISE_CELL = """def f(x):
    \"\"\"Le double de x.\"\"\"
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION"""


def test_student_and_trainer_versions_keep_the_right_cells():
    nb = _nb(("code", "FAST = False", ["parameters"]), ("code", "x = 1  # TODO", ["starter"]),
             ("code", "x = 42", ["solution"]), ("markdown", "texte", []),
             ("code", EXERCISE_CELL, ["exercise=double"]))
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="ne doit pas rester")]
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="4")]
    student = student_version(nb)
    assert [c.source for c in student.cells][:3] == ["FAST = False", "x = 1  # TODO", "texte"]
    assert student.cells[1].outputs == [] and student.cells[3].outputs == []
    assert student.cells[3].source == ('def f(x):\n    """Le double de x."""\n'
                                       "    # À compléter (voir la docstring).\n    raise NotImplementedError")
    trainer = trainer_version(nb)
    assert [c.source for c in trainer.cells][:3] == ["FAST = False", "x = 42", "texte"]
    assert trainer.cells[3].source == EXERCISE_CELL and trainer.cells[3].outputs  # executed as written
    assert len(nb.cells) == 5  # the original is not modified


def test_inject_parameters_after_the_parameters_cell():
    nb = _nb(("code", "import os", []), ("code", "FAST = False", ["parameters"]), ("code", "print(FAST)", []))
    injected = inject_parameters(nb, True)
    assert injected.cells[2].source.startswith("FAST = True") and "injected-parameters" in injected.cells[2].metadata.tags
    assert inject_parameters(nb, None).cells == nb.cells
    with pytest.raises(LessonError, match="parameters"):
        inject_parameters(_nb(("code", "FAST = False", [])), True)


def _solution_lines(texts, exclude):
    """Lines of reference solutions long enough to be specific and absent from the learner's material.

    ``exclude`` is the text given to learners anyway (lesson cells, starting files, instructions):
    a solution line found in it (``optimiseur.zero_grad()`` in the lesson's own loop) is not a leak.
    """
    lines = set()
    for text in texts:
        for line in text.splitlines():
            stripped = line.strip()
            if len(stripped) >= 18 and not stripped.startswith(("#", '"""', "def ", "import ", "from ")) \
                    and stripped not in exclude:
                lines.add(stripped)
    return lines


def _reference_solutions():
    texts, exclude = [], []
    for lesson in list_lessons():
        nb = read_notebook(lesson)
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if "solution" in tags:
                texts.append(cell.source)
            elif not any(t.startswith("exercise=") for t in tags):
                exclude.append(cell.source)
    for ex in list_exercises():
        for framework in ex.frameworks if ex.framework == "any" else [None]:
            texts.append(ex.solution_text(framework))
            exclude.append(ex.starter_text(framework))
        exclude.append((ex.folder / "exercise.yaml").read_text(encoding="utf-8"))
    return _solution_lines(texts, "\n".join(exclude))


def _built_text(folder: Path) -> str:
    """The text of a build, less the checks: they ship in both builds by design, and their hints quote
    single lines of the answer to a learner whose attempt failed (``optimiseur.zero_grad()``)."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.name == "check.py":
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                parts.append(cell.source)
                for out in cell.get("outputs", []):
                    parts.append(str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", "")))
        elif path.suffix == ".html":
            parts.append(html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))))
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def _build_all(out: Path, student: bool, html_pages: bool) -> None:
    for lesson in list_lessons():
        build_lesson(lesson, out, student=student, run=False, html=html_pages)
    copy_exercises(out, student=student)


def test_no_reference_solution_text_survives_in_the_student_build(tmp_path):
    solutions = _reference_solutions()
    assert len(solutions) > 20  # the check has material to look for
    student, trainer = tmp_path / "student", tmp_path / "trainer"
    _build_all(student, student=True, html_pages=True)
    _build_all(trainer, student=False, html_pages=False)
    student_text, trainer_text = _built_text(student), _built_text(trainer)
    leaked = sorted(line for line in solutions if line in student_text)
    assert leaked == []
    # the same search finds the solutions in the trainer build, so it is able to find a leak
    assert all(line in trainer_text for line in solutions)
    assert not list(student.rglob("solution*.py")) and list(trainer.rglob("solution*.py"))
    assert "À compléter" in student_text and len(list(student.glob("*.html"))) == len(list_lessons())
    for ex in list_exercises():                  # each exercise's files and the quizzes are in both builds
        assert (student / "exercises" / ex.id / "check.py").is_file()
        for framework in ex.frameworks if ex.framework == "any" else [None]:
            starter, solution = ex.built_name("starter", framework), ex.built_name("solution", framework)
            assert (student / "exercises" / ex.id / starter).read_text(encoding="utf-8") == ex.starter_text(framework)
            assert (trainer / "exercises" / ex.id / solution).read_text(encoding="utf-8") == \
                ex.solution_text(framework)
    assert sorted(p.name for p in (student / "quizzes").glob("*.yaml")) == \
        sorted(p.name for p in (trainer / "quizzes").glob("*.yaml")) != []


@pytest.mark.slow
def test_cli_student_build_executes_and_strips_solutions(cli, tmp_path):
    done = cli("lessons", "build", "3", "--student", "--fast", "--out", str(tmp_path), timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(tmp_path / "03_tensorflow.ipynb", as_version=4)
    starters = [c for c in nb.cells if any(t.startswith("exercise=") for t in c.metadata.get("tags", []))]
    assert len(starters) == 3
    assert all("raise NotImplementedError" in c.source and not c.outputs for c in starters)
    assert not [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    text = _built_text(tmp_path)
    assert not [line for line in _reference_solutions() if line in text]
    # dlcourse check and dlcourse quiz work from the built folder (found from any folder inside it)
    work = tmp_path / "mon-travail"
    work.mkdir()
    listed = cli("check", "--list", "--json", cwd=work)
    assert listed.returncode == 0, listed.stderr
    import json

    assert sorted(e["chapter"] for e in json.loads(listed.stdout)) == [3, 3, 3]  # this build holds chapter 3 only
    assert cli("check", "tf_tenseurs", "--start", cwd=work).returncode == 0
    assert cli("check", "tf_tenseurs", cwd=work).returncode == 1          # the starter is not a solution
    (work / "tf_tenseurs.py").write_text(load_exercise_solution("tf_tenseurs"), encoding="utf-8")
    passed = cli("check", "tf_tenseurs", "--json", cwd=work, timeout=300)
    assert passed.returncode == 0 and json.loads(passed.stdout)["passed"] is True, passed.stdout[-2000:]
    assert cli("quiz", "3", "--show", "--seed", "1", cwd=work).returncode == 0
    assert cli("quiz", "1", "--show", cwd=work).returncode == 2              # only chapter 3's quiz was built


def load_exercise_solution(exercise_id: str) -> str:
    from dlcourse.lessons.exercises import load_exercise

    return load_exercise(exercise_id).solution_text()


def test_build_rejects_an_unknown_chapter(cli, tmp_path):
    done = cli("lessons", "build", "9", "--out", str(tmp_path))
    assert done.returncode == 2 and "no lesson for chapter 9" in done.stderr
    assert not list(tmp_path.iterdir())


def test_get_lesson_paths_are_jupytext_sources():
    for n in (1, 2, 3, 4):
        nb = read_notebook(get_lesson(n))
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert sum(c.cell_type == "code" for c in nb.cells) >= 5


def test_built_files_follow_the_umask(tmp_path):
    import os

    from dlcourse.lessons.build import write_text

    old = os.umask(0o027)
    try:
        write_text(tmp_path / "a" / "page.html", "<p>x</p>")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "page.html").stat().st_mode & 0o777 == 0o640
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["page.html"]      # no temporary file left


def test_building_a_lesson_prints_only_its_own_progress(tmp_path):
    """The kernel's stderr (TensorFlow's C++ start-up logs, the kernel's transport warning) stays out."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "dlcourse", "lessons", "build", "3", "--fast", "--no-html",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout + done.stderr
    assert "building chapter 3" in text and "wrote" in text
    for noise in ("IPKernelApp", "absl", "cudart_stub", "cuInit", "I0000", "E0000"):
        assert noise not in text, noise
