"""``dlcourse doctor --classroom``: what a learner's laptop needs for the day, in French, a fix per problem."""

from __future__ import annotations

import sys

import pytest

from dlcourse import doctor
from dlcourse.cli import main

GOOD_STEP = ({"version": "9.9", "cuda": False, "mps": False, "import_seconds": 1.5, "step_loss": 0.69}, "", 2.25)


@pytest.fixture
def laptop(monkeypatch):
    """A laptop where every probe answers well; a test spoils one of them."""
    monkeypatch.setenv("COLUMNS", "600")
    monkeypatch.setattr(doctor, "python_version", lambda: (3, 11, 7))
    monkeypatch.setattr(doctor, "free_disk", lambda folder: 50 * 10**9)
    monkeypatch.setattr(doctor, "total_memory", lambda: 16 * 10**9)
    monkeypatch.setattr(doctor, "training_step", lambda name, timeout=0: GOOD_STEP)
    monkeypatch.setattr(doctor, "importable", lambda module: None)
    monkeypatch.setattr(doctor, "triton_installed", lambda: False)
    return monkeypatch


def run(capsys) -> tuple[int, str]:
    code = main(["doctor", "--classroom"])
    return code, capsys.readouterr().out


def row(out: str, part: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"│ {part}"))


def test_a_ready_laptop(laptop, capsys):
    code, out = run(capsys)
    assert code == 0 and "Ce poste est prêt pour la formation." in out
    assert "un petit entraînement (avant, arrière, mise à jour) réussi en 2.2 s, dont 1.5 s d'import" in \
        row(out, "PyTorch : pas d'entraînement")
    assert "réussi en 2.2 s" in row(out, "TensorFlow/Keras : pas d'entraînement")
    for part in ("Python", "Espace disque", "Mémoire", "JupyterLab", "Noyau Jupyter"):
        assert "│ ok " in row(out, part), part


def test_low_disk(laptop, capsys):
    laptop.setattr(doctor, "free_disk", lambda folder: int(1.2e9))
    code, out = run(capsys)
    assert code == 1
    line = row(out, "Espace disque")
    assert "problème" in line and "1.2 Go libres" in line and "il en faut 5" in line
    assert "Libérez au moins 3.8 Go sur ce disque" in line
    assert "1 problème(s) à corriger avant la formation : Espace disque." in out


def test_old_python(laptop, capsys):
    laptop.setattr(doctor, "python_version", lambda: (3, 9, 18))
    code, out = run(capsys)
    assert code == 1
    line = row(out, "Python")
    assert "3.9.18 : dlcourse demande Python 3.10 ou plus récent" in line
    assert "PYTHON=python3.11 sh installer.sh" in line


def test_missing_jupyterlab(laptop, capsys):
    laptop.setattr(doctor, "importable", lambda module: "absent" if module == "jupyterlab" else None)
    code, out = run(capsys)
    assert code == 1
    line = row(out, "JupyterLab")
    assert "problème" in line and "absent" in line
    assert f'Installez-le : {sys.executable} -m pip install "dlcourse[lessons]"' in line
    assert "│ ok " in row(out, "Noyau Jupyter")


def test_low_memory_a_broken_framework_and_triton(laptop, capsys):
    laptop.setattr(doctor, "total_memory", lambda: 2 * 10**9)
    steps = {"torch": (None, "pas de réponse en 180 s", 180.0), "tensorflow": (None, "non installé", 0.0)}
    laptop.setattr(doctor, "training_step", lambda name, timeout=0: steps[name])
    code, out = run(capsys)
    assert code == 1
    assert "2.0 Go, il en faut 4" in row(out, "Mémoire")
    assert "pas de réponse en 180 s" in row(out, "PyTorch") and "relancez : dlcourse doctor --classroom" in out
    assert f'Installez-le : {sys.executable} -m pip install "dlcourse[tensorflow]"' in row(out, "TensorFlow/Keras")
    assert "3 problème(s)" in out

    laptop.setattr(doctor, "training_step", lambda name, timeout=0: GOOD_STEP)
    laptop.setattr(doctor, "total_memory", lambda: 8 * 10**9)
    laptop.setattr(doctor, "triton_installed", lambda: True)
    code, out = run(capsys)
    assert code == 1
    line = row(out, "Les deux frameworks dans un notebook")
    assert "triton est installé" in line and "python -m pip uninstall -y triton" in line


def test_required_python_comes_from_the_package_metadata():
    assert doctor.required_python() == (3, 10)          # pyproject.toml: requires-python = ">=3.10"


@pytest.mark.slow
def test_real_training_steps_in_both_frameworks():
    """One real step in each framework, each in its own process with a time limit."""
    for name in ("torch", "tensorflow"):
        pytest.importorskip(name)
    checks = {c.part: c for c in doctor.classroom_checks(train=True, timeout=120)}
    for part in ("PyTorch : pas d'entraînement", "TensorFlow/Keras : pas d'entraînement"):
        assert checks[part].status == doctor.OK, checks[part]
        assert "réussi en" in checks[part].detail
    seconds = float(checks["PyTorch : pas d'entraînement"].detail.split("réussi en ")[1].split(" s")[0])
    assert 0 < seconds < 120
