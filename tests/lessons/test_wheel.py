"""The course ships inside the wheel: installed with pip in a fresh environment, far from any checkout,
``dlcourse`` lists the lessons, exercises and quizzes, starts an exercise and checks it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _run(*args, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_wheel_installed_outside_the_checkout_finds_and_checks_the_course(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("dlcourse-*.whl")

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    # the dependencies (frameworks, scikit-learn…) come from this environment's site-packages, read as a plain
    # folder: a .pth line adds it to sys.path without running its own .pth files (so not this checkout's
    # editable install of dlcourse)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path, env=os.environ.copy()).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    work = tmp_path / "learner"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLCOURSE_LESSONS_DIR")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = _run(python, "-c", "import dlcourse; print(dlcourse.__file__)", cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(env_dir) and not Path(where.stdout.strip()).is_relative_to(ROOT)

    dlcourse = env_dir / "bin" / "dlcourse"
    lessons = _run(dlcourse, "lessons", "list", cwd=work, env=env)
    assert lessons.returncode == 0 and "Chapitre 1" in lessons.stdout and "Chapitre 4" in lessons.stdout, lessons.stderr
    exercises = _run(dlcourse, "check", "--list", "--json", cwd=work, env=env)
    assert exercises.returncode == 0, exercises.stderr
    assert {e["exercise"] for e in json.loads(exercises.stdout)} >= {"tf_tenseurs", "torch_boucle", "keras_parametres"}
    quiz = _run(dlcourse, "quiz", "2", "--show", "--seed", "3", cwd=work, env=env)
    assert quiz.returncode == 0 and "Quiz du chapitre 2" in quiz.stdout, quiz.stderr

    started = _run(dlcourse, "check", "torch_tenseurs", "--start", cwd=work, env=env)
    assert started.returncode == 0 and (work / "torch_tenseurs.py").is_file(), started.stderr
    failed = _run(dlcourse, "check", "torch_tenseurs", "--json", cwd=work, env=env)
    assert failed.returncode == 1 and json.loads(failed.stdout)["passed"] is False, failed.stderr[-2000:]
    solution = _run(python, "-c", "from dlcourse.lessons.exercises import load_exercise; "
                                  "print(load_exercise('torch_tenseurs').solution_text())", cwd=work, env=env)
    (work / "torch_tenseurs.py").write_text(solution.stdout, encoding="utf-8")
    passed = _run(dlcourse, "check", "torch_tenseurs", "--json", cwd=work, env=env)
    result = json.loads(passed.stdout)
    assert passed.returncode == 0 and result["passed"] is True and result["framework"] == "torch", passed.stdout
