"""Exercises solvable in either framework: one tagged cell per framework, one check for both.

A small course folder made here holds one such exercise; its check probes the learner's function
through :mod:`dlcourse.lessons.neutre`, whichever framework the learner's file uses.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from dlcourse.lessons.build import copy_exercises, student_version
from dlcourse.lessons.catalogue import LessonError
from dlcourse.lessons.exercises import check_exercise, format_result, list_exercises, load_exercise
from dlcourse.lessons.sandbox import framework_of
from dlcourse.lessons.sources import exercise_variant

LESSON = '''# %% [markdown]
# # Chapitre 5 : Essai

# %% tags=["parameters"]
FAST = False

# %% tags=["exercise=carre@torch"]
import torch


def carre(x):
    """Le carré de x, élément par élément : tenseur PyTorch float32 de même forme.

    Indication : x ** 2.
    """
    ### BEGIN SOLUTION
    return torch.as_tensor(x) ** 2
    ### END SOLUTION

# %% tags=["exercise=carre@tensorflow"]
import tensorflow as tf


def carre(x):
    """Le carré de x, élément par élément : tenseur TensorFlow float32 de même forme.

    Indication : tf.square.
    """
    ### BEGIN SOLUTION
    return tf.square(tf.constant(x))
    ### END SOLUTION
'''

CHECK = '''
import numpy as np


def entrees(rng):
    return {"x": rng.normal(size=(int(rng.integers(2, 6)), 3)).astype(np.float32)}


def sonder(s, e):
    from dlcourse.lessons.neutre import en_numpy
    s.essayer("carre", lambda: en_numpy(s.ns["carre"](e["x"])))


def juger(obs, e, r):
    ok, v = r.valeur("carre", "carre")
    if ok:
        r.verifier(np.allclose(v.values, e["x"] ** 2), "carre : le carré de chaque élément.",
                   "carre : le résultat n'est pas le carré de chaque élément.", "élevez chaque élément au carré.")
'''


@pytest.fixture()
def course(tmp_path, monkeypatch):
    root = tmp_path / "cours"
    (root / "exercises" / "carre").mkdir(parents=True)
    (root / "05_essai.py").write_text(LESSON, encoding="utf-8")
    (root / "exercises" / "carre" / "exercise.yaml").write_text(
        "title: Un carré\nchapter: 5\nnumero: \"5.1\"\nframework: any\ntimeout: 120\ninstructions: carre(x)\n",
        encoding="utf-8")
    (root / "exercises" / "carre" / "check.py").write_text(CHECK, encoding="utf-8")
    monkeypatch.setenv("DLCOURSE_LESSONS_DIR", str(root))
    return root


def test_each_framework_has_its_own_starter_and_solution(course):
    exercise = load_exercise("carre")
    assert exercise.frameworks == ["torch", "tensorflow"] and exercise.numero == "5.1"
    torch_starter, tf_starter = exercise.starter_text("torch"), exercise.starter_text("tensorflow")
    assert "import torch" in torch_starter and "tensorflow" not in torch_starter.split('"""', 2)[2]
    assert "import tensorflow as tf" in tf_starter and "raise NotImplementedError" in tf_starter
    assert "--framework tensorflow" in torch_starter and "--framework torch" in tf_starter
    assert "tf.square(tf.constant(x))" in exercise.solution_text("tensorflow")
    assert exercise.starter_text() == torch_starter                      # torch unless asked otherwise
    with pytest.raises(LessonError, match="framework must be one of"):
        exercise.starter_text("jax")


def test_the_number_names_the_exercise(course):
    assert load_exercise("5.1").id == "carre"
    with pytest.raises(LessonError, match=r"no exercise has the number '5.9' \(numbers: 5.1\)"):
        load_exercise("5.9")


def test_a_single_framework_exercise_refuses_another_framework():
    with pytest.raises(LessonError, match="written for PyTorch only"):
        load_exercise("torch_boucle").starter_text("tensorflow")


def test_variant_tags_are_read():
    assert exercise_variant(["exercise=carre@torch"]) == ("carre", "torch")
    assert exercise_variant(["x", "exercise=carre"]) == ("carre", None)
    assert exercise_variant(["solution"]) is None


def test_builds_write_one_starter_per_framework(course, tmp_path, monkeypatch):
    out = tmp_path / "eleve"
    copy_exercises(out, student=True)
    folder = out / "exercises" / "carre"
    assert sorted(p.name for p in folder.glob("*.py")) == ["check.py", "starter-tensorflow.py", "starter-torch.py"]
    monkeypatch.setenv("DLCOURSE_LESSONS_DIR", str(out))                # a student build has no lesson source
    built = load_exercise("carre")
    assert built.starter_text("tensorflow") == (folder / "starter-tensorflow.py").read_text(encoding="utf-8")
    with pytest.raises(LessonError, match="student build has none"):
        built.solution_text("torch")


def test_the_student_notebook_turns_both_cells_into_starters():
    import nbformat

    nb = nbformat.v4.new_notebook()
    for framework in ("torch", "tensorflow"):
        cell = nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")
        cell.metadata["tags"] = [f"exercise=f@{framework}"]
        nb.cells.append(cell)
    student = student_version(nb)
    assert all("raise NotImplementedError" in c.source and "return 1" not in c.source for c in student.cells)


def test_framework_is_read_from_the_imports_not_the_comments(tmp_path):
    cases = {"import torch\n": "torch", "from tensorflow import keras\n": "tensorflow", "import keras\n": "tensorflow",
             "# import torch\nx = 'import tensorflow'\n": "aucun", "import torch\nimport keras\n": "les deux",
             "def f():\n    import torch.nn as nn\n": "torch", "def f(:\n": "aucun"}
    for i, (code, expected) in enumerate(cases.items()):
        path = tmp_path / f"f{i}.py"
        path.write_text(code, encoding="utf-8")
        assert framework_of(str(path)) == expected, code


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_one_check_accepts_either_framework_and_reports_which(course, framework, tmp_path):
    exercise = load_exercise("carre")
    learner = tmp_path / "carre.py"
    learner.write_text(exercise.solution_text(framework), encoding="utf-8")
    result = check_exercise("5.1", learner, seed=3)
    assert result.passed, format_result(result)
    assert result.to_dict()["framework"] == framework and result.to_dict()["numero"] == "5.1"
    learner.write_text(textwrap.dedent('''
        import numpy as np
        def carre(x):
            return np.abs(x) * 2
        '''), encoding="utf-8")
    wrong = check_exercise("carre", learner, seed=3)
    assert not wrong.passed and "Indice" in format_result(wrong) and wrong.framework == "aucun"


def test_cli_starts_the_chosen_framework_and_lists_numbers(course, cli, tmp_path):
    done = cli("check", "5.1", "--start", "--framework", "tensorflow", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "import tensorflow as tf" in (tmp_path / "carre.py").read_text(encoding="utf-8")
    done = cli("check", "--list", "--json", cwd=tmp_path)
    listed = json.loads(done.stdout)
    assert done.returncode == 0 and listed[0]["numero"] == "5.1" and listed[0]["framework"] == "any"
    done = cli("check", "carre", "--framework", "torch", cwd=tmp_path)
    assert done.returncode == 2 and "goes with --start" in done.stderr


def test_course_exercises_have_distinct_numbers_matching_their_chapter():
    exercises = list_exercises()
    numbers = [ex.numero for ex in exercises]
    assert None not in numbers and len(set(numbers)) == len(numbers)
    assert all(int(ex.numero.split(".")[0]) == ex.chapter for ex in exercises)
